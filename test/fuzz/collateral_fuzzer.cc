// Fuzz target: one input as DCAP collateral in the dcap-qvl JSON form, as a signed TCB info
// and QE identity text, as a PCS/PCCS response body and issuer-chain header, and as a CRL in
// any of its encodings. Any crash, sanitizer report or
// uncaught exception is a bug.
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (collateral_fuzzer_replay).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "attest/collateral.h"
#include "attest/pcs_response.h"
#include "attest/tcb_info.h"
#include "common/percent_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)kms::attest::ParseTcbInfo(text);
  (void)kms::attest::ParseQeIdentity(text);
  (void)kms::attest::DecodeCrl(text);
  (void)kms::attest::ParseRfc3339Utc(text);
  (void)kms::PercentDecode(text);
  for (const char* key : {"tcbInfo", "enclaveIdentity"}) {
    auto signed_json = kms::attest::ParsePcsSignedJson(text, key);
    if (signed_json.ok()) (void)kms::attest::ParseTcbInfo(signed_json->text);
  }
  auto c = kms::attest::ParseCollateralJson(text);
  if (!c.ok()) return 0;
  (void)kms::attest::ParseTcbInfo(c->tcb_info);
  (void)kms::attest::ParseQeIdentity(c->qe_identity);
  return 0;
}
