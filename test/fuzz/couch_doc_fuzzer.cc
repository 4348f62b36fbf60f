// Fuzz target: one input as a CouchDB reply body, read as every document kind the store
// parses (tenant, key, secret, secret version, quote policy; src/store/couch_doc.h). CouchDB is
// outside the trusted boundary: whatever it answers must give a record or an error, never a
// crash, a sanitizer report or an uncaught exception.
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (couch_doc_fuzzer_replay).

#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/couch_doc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return 0;
  if (v.is_string()) (void)kms::store::couch::Base64Decode(v.get_string());
  if (!v.is_object()) return 0;
  const boost::json::object& doc = v.get_object();
  (void)kms::store::couch::ParseTenant(doc);
  (void)kms::store::couch::ParseKey(doc);
  (void)kms::store::couch::ParseSecret(doc);
  (void)kms::store::couch::ParseSecretVersion(doc);
  (void)kms::store::couch::ParseQuotePolicy(doc);
  return 0;
}
