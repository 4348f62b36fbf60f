#pragma once
// RaTlsVerifier: decides whether a peer's RA-TLS certificate (dkey/ra_tls_cert.h) proves an
// identity the deployment's policy allows for a role. In order:
//   1. the certificate is inside its validity window and its self-signature holds;
//   2. its quote (kRaTlsQuoteOid, bounded) verifies with the attestation verifier, with TCB
//      status UpToDate. Sim quotes verify only when the policy says allow_simulation, and only
//      under the sim root CA of this process's own platform: in a sim deployment the daemons
//      share one platform secret (the sim root key derives from it, tee/sim/sim_attestation.h),
//      so a sim quote from elsewhere is refused, unless its root is one of `extra_sim_roots`
//      (for deployments whose daemons have separate platform secrets: each pins the others'
//      sim roots, written by `ehsm-kms --export-sim-root`). Real quotes are checked against
//      the collateral source the daemon was given (--pccs-url or --collateral-dir,
//      attest/collateral_config.h); without one they are refused (kPermissionDenied, "cannot
//      be verified here");
//   3. the quote's report data is RaTlsReportData(cert), so the quote belongs to the key the
//      peer proved in the handshake;
//   4. Policy::Check(role, identity).
//
// Immutable after construction; thread-safe.

#include <openssl/x509.h>

#include <chrono>
#include <memory>
#include <vector>

#include "attest/dcap_verifier.h"
#include "attest/quote_verifier.h"
#include "common/status.h"
#include "dkey/policy.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

class RaTlsVerifier {
 public:
  // Trusts the sim root of `platform` when it is a simulation platform and the policy allows
  // simulation, and then also `extra_sim_roots` (DER). Errors: the sim root cannot be read or
  // made; kInvalidArgument for an extra root that does not parse. `collateral` (null: none)
  // verifies real quotes.
  static StatusOr<std::shared_ptr<const RaTlsVerifier>> New(
      Policy policy, tee::TeePlatform& platform, const std::vector<Bytes>& extra_sim_roots = {},
      std::shared_ptr<const attest::CollateralSource> collateral = nullptr);

  // Steps 1-3: the identity the certificate's evidence proves, or kPermissionDenied with a
  // one-line reason for a log.
  StatusOr<attest::QuoteIdentity> VerifyEvidence(const X509& cert,
                                                 std::chrono::system_clock::time_point now) const;
  // Steps 1-4.
  StatusOr<attest::QuoteIdentity> Verify(const X509& cert, Role role,
                                         std::chrono::system_clock::time_point now) const;

  const Policy& policy() const { return policy_; }

 private:
  RaTlsVerifier(Policy policy, std::vector<std::unique_ptr<attest::QuoteVerifier>> quotes)
      : policy_(std::move(policy)), quotes_(std::move(quotes)) {}
  // The first verifier's verdict, or the first verified one: each verifier pins one sim root.
  StatusOr<attest::QuoteVerdict> VerifyQuote(ByteView quote,
                                             std::chrono::system_clock::time_point now) const;

  const Policy policy_;
  const std::vector<std::unique_ptr<attest::QuoteVerifier>> quotes_;  // at least one
};

}  // namespace kms::dkey
