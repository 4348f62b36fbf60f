#pragma once
// DcapQuoteVerifier: Intel DCAP ECDSA quote verification (SGX v3/v4/v5, TDX v4/v5) on OpenSSL
// alone, following Intel's QVL/QvE step by step (docs/attestation.md), except that it is
// strict about time: collateral that is expired or not yet valid at the verification time
// makes the verdict "not verified" (QvE only raises a flag).

#include <openssl/x509.h>

#include <memory>

#include "attest/collateral.h"
#include "attest/quote_verifier.h"
#include "crypto/ossl_ptr.h"

namespace kms::attest {

// What a verifier asks a collateral source for.
struct CollateralRequest {
  bool tdx = false;
  Bytes fmspc;     // 6 bytes, from the PCK certificate
  std::string ca;  // "processor" or "platform": which PCK CRL
};

// Where collateral comes from (a file, a directory, a PCCS: docs/attestation.md). Thread-safe.
// kNotFound when the source has none for this platform (an unknown FMSPC); kUnavailable when it
// cannot be obtained now (PCCS unreachable, malformed answer).
class CollateralSource {
 public:
  virtual ~CollateralSource() = default;
  virtual StatusOr<Collateral> Get(const CollateralRequest& request) const = 0;
};

// One fixed bundle for every quote (the dcap-qvl files, `ehsm quote verify --collateral`).
class FixedCollateral final : public CollateralSource {
 public:
  explicit FixedCollateral(Collateral c) : c_(std::move(c)) {}
  StatusOr<Collateral> Get(const CollateralRequest&) const override { return c_; }

 private:
  Collateral c_;
};

// Verifies `quote` against `collateral` as of Unix time `at`, trusting only `anchor`. Same
// contract as QuoteVerifier::Verify. Verdict statuses besides Intel's TCB statuses:
// UnsupportedCertificationData, PckChainError, CrlError, Revoked, CollateralExpired,
// CollateralNotYetValid, CollateralInvalid, TcbInfoSignatureInvalid,
// QeIdentitySignatureInvalid, TcbInfoMismatch, TdxModuleMismatch, QeReportSignatureInvalid,
// QeReportDataMismatch, QeIdentityMismatch, QuoteSignatureInvalid, TcbNotSupported. Every
// verdict that is not verified carries qv_result 0xA006, as Intel's QvE reports.
StatusOr<QuoteVerdict> VerifyDcapQuote(ByteView quote, const Collateral& collateral, int64_t at,
                                       X509& anchor);

// Whether a verifier accepts the `sim` backend's quotes, and under which sim root.
struct SimulationTrust {
  bool allow_simulation = false;
  Bytes sim_root_ca_der;  // the sim root CA (DER) a sim quote's chain must end at
};

class DcapQuoteVerifier final : public QuoteVerifier {
 public:
  // Also accepts sim quotes (tee "sim", status UpToDate, no collateral consulted) when
  // `sim.allow_simulation`; a sim quote is one whose chain root is named kSimRootCaName
  // (attest/sim_quote.h). Without allow_simulation such quotes get verified = false, status
  // SimulationNotAllowed. `source` may be null when only sim quotes are to be verified (real
  // quotes are then kUnavailable). kInvalidArgument when a root does not parse.
  static StatusOr<std::unique_ptr<DcapQuoteVerifier>> New(
      std::shared_ptr<const CollateralSource> source, ByteView root_ca_der,
      const SimulationTrust& sim);
  // `root_ca_der` is the trust anchor (Intel SGX Root CA unless a test pins its own);
  // kInvalidArgument when it does not parse.
  static StatusOr<std::unique_ptr<DcapQuoteVerifier>> New(
      std::shared_ptr<const CollateralSource> source, ByteView root_ca_der);
  // With the Intel SGX Root CA as the anchor.
  static StatusOr<std::unique_ptr<DcapQuoteVerifier>> New(
      std::shared_ptr<const CollateralSource> source);

  StatusOr<QuoteVerdict> Verify(ByteView quote,
                                std::chrono::system_clock::time_point at) const override;

 private:
  DcapQuoteVerifier(std::shared_ptr<const CollateralSource> source, crypto::OsslPtr<X509> anchor,
                    crypto::OsslPtr<X509> sim_anchor)
      : source_(std::move(source)), anchor_(std::move(anchor)), sim_anchor_(std::move(sim_anchor)) {}

  std::shared_ptr<const CollateralSource> source_;
  crypto::OsslPtr<X509> anchor_;      // read-only after construction
  crypto::OsslPtr<X509> sim_anchor_;  // null unless simulation is allowed
};

}  // namespace kms::attest
