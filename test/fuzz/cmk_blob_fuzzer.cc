// Fuzz target: one input as a stored CMK blob (src/keys/cmk_blob.h), unwrapped under a fixed
// domain key, and its domain-key id read. A blob comes from the database, which an attacker
// with file or CouchDB access can edit: any crash or sanitizer report is a bug, and so is a
// success, since no input here was wrapped under the key (a forged tag would be a break).
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (cmk_blob_fuzzer_replay).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "keys/cmk_blob.h"
#include "keys/test_domain_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto dk = kms::keys::TestDomainKey();
  static const kms::keys::BlobBinding binding{"3f1c2a4e-8b7d-4c6e-9a5f-1e2d3c4b5a69", "owner",
                                              "EH_AES_GCM_256", "EH_INTERNAL_KEY", "cmk"};
  kms::ByteView blob(data, size);
  (void)kms::keys::BlobDomainKeyId(blob);
  if (kms::keys::UnwrapKeyMaterial(*dk, binding, blob).ok()) std::abort();
  return 0;
}
