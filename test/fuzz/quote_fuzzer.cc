// Fuzz target: one input as a DCAP quote (ParseQuote, then the PCK chain and its SGX
// extension when the quote carries one) and as a bare SGX-extension DER value. Any crash,
// sanitizer report, uncaught exception or view outside the input is a bug.
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (quote_fuzzer_replay).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "attest/pck_cert.h"
#include "attest/quote.h"

namespace {

void CheckInside(kms::ByteView input, kms::ByteView view) {
  if (view.empty()) return;
  if (view.data() < input.data() || view.data() + view.size() > input.data() + input.size()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kms::ByteView input(data, size);
  (void)kms::attest::DecodePckExtension(input);
  auto q = kms::attest::ParseQuote(input);
  if (!q.ok()) return 0;
  for (kms::ByteView v : {q->header, q->body, q->signed_bytes, q->signature, q->attestation_key,
                          q->qe_report, q->qe_report_signature, q->qe_auth_data, q->cert_data}) {
    CheckInside(input, v);
  }
  if (q->cert_data_type != kms::attest::kCertDataPckChain) return 0;
  auto chain = kms::attest::ParsePemChain(kms::AsChars(q->cert_data), 3);
  if (chain.ok()) (void)kms::attest::ReadPckExtension(*(*chain)[0]);
  return 0;
}
