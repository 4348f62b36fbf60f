#pragma once
// TeePlatform: what a trusted-execution backend provides to the KMS. The KMS logic is written
// once against this interface; backends are `sim` (software, no security claim) and, later,
// real ones (SGX via DCAP, TDX via configfs-tsm).
//
// Implementations are thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::tee {

struct TeeIdentity {
  std::string tee_type;  // "sim", "sgx", "tdx"
  Bytes mrenclave;       // 32 bytes
  Bytes mrsigner;        // 32 bytes
  uint16_t prod_id = 0;
  uint16_t svn = 0;
  bool debug = false;
};

// Whose measurement a sealed blob is bound to (SGX semantics): the exact code (kMrEnclave) or
// any code from the same signer at the same or later version (kMrSigner).
enum class SealPolicy : uint8_t { kMrEnclave = 1, kMrSigner = 2 };

class TeePlatform {
 public:
  virtual ~TeePlatform() = default;

  virtual const TeeIdentity& Identity() const = 0;
  // True for backends that make no security claim; the KMS says so in its logs.
  virtual bool IsSimulation() const = 0;

  virtual Status Random(std::span<uint8_t> out) = 0;

  // Seals `plaintext` so that only this platform with a matching identity can unseal it.
  // `aad` is authenticated, not encrypted, and must be given again to Unseal.
  virtual StatusOr<Bytes> Seal(ByteView plaintext, ByteView aad, SealPolicy policy) = 0;
  // kDataLoss when the blob is corrupt, was sealed elsewhere, or `aad` differs.
  virtual StatusOr<SecretBytes> Unseal(ByteView sealed, ByteView aad) = 0;

  // Remote-attestation evidence: a DCAP-format quote over this platform's identity whose
  // report data is `report_data` (exactly 64 bytes). Verified by attest::QuoteVerifier.
  // kUnimplemented-style kFailedPrecondition where the backend cannot make quotes.
  // Local attestation: a 32-byte key that only code on this platform (node) can derive, for
  // `label` and `salt` (a verifier's nonce). Two processes of one node MAC reports to each other
  // with it (dkey/local_report.h), like SGX's report key. kFailedPrecondition where the backend
  // has none.
  virtual StatusOr<SecretBytes> DeriveLocalKey(std::string_view label, ByteView salt) {
    (void)label;
    (void)salt;
    return Status::FailedPrecondition("this TEE backend has no local attestation key");
  }

  virtual StatusOr<Bytes> GenerateQuote(ByteView report_data) {
    (void)report_data;
    return Status::FailedPrecondition("this TEE backend cannot generate quotes");
  }
};

}  // namespace kms::tee
