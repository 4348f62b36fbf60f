#include "dkey/ra_tls_verify.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include <ctime>

#include "attest/dcap_verifier.h"
#include "attest/intel_root_ca.h"
#include "dkey/ra_tls_cert.h"
#include "tee/sim/sim_platform.h"

namespace kms::dkey {
namespace {

// Stands in when the daemon was given no collateral source: real quotes are then refused.
class NoCollateral final : public attest::CollateralSource {
 public:
  StatusOr<attest::Collateral> Get(const attest::CollateralRequest&) const override {
    return Status::Unavailable("no collateral source is configured for real quotes");
  }
};

Status Denied(std::string why) { return Status::PermissionDenied(std::move(why)); }

Status CheckCertificate(const X509& cert, std::chrono::system_clock::time_point now) {
  time_t t = std::chrono::system_clock::to_time_t(now);
  if (X509_cmp_time(X509_get0_notBefore(&cert), &t) >= 0) {
    return Denied("the certificate is not valid yet");
  }
  if (X509_cmp_time(X509_get0_notAfter(&cert), &t) <= 0) {
    return Denied("the certificate has expired");
  }
  EVP_PKEY* key = X509_get0_pubkey(&cert);
  // X509_verify takes a non-const certificate but does not change it.
  if (key == nullptr || X509_verify(const_cast<X509*>(&cert), key) != 1) {
    ERR_clear_error();
    return Denied("the certificate's self-signature does not verify");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::shared_ptr<const RaTlsVerifier>> RaTlsVerifier::New(
    Policy policy, tee::TeePlatform& platform, const std::vector<Bytes>& extra_sim_roots,
    std::shared_ptr<const attest::CollateralSource> collateral) {
  auto* sim_platform = dynamic_cast<tee::SimPlatform*>(&platform);
  std::vector<Bytes> sim_roots;
  if (policy.allow_simulation()) {
    if (sim_platform != nullptr) {
      KMS_ASSIGN_OR_RETURN(Bytes own, sim_platform->SimRootCaDer());
      sim_roots.push_back(std::move(own));
    }
    sim_roots.insert(sim_roots.end(), extra_sim_roots.begin(), extra_sim_roots.end());
  }
  std::vector<std::unique_ptr<attest::QuoteVerifier>> quotes;
  if (collateral == nullptr) collateral = std::make_shared<NoCollateral>();
  do {
    attest::SimulationTrust trust;
    if (!sim_roots.empty()) {
      trust = {.allow_simulation = true, .sim_root_ca_der = sim_roots[quotes.size()]};
    }
    KMS_ASSIGN_OR_RETURN(auto q, attest::DcapQuoteVerifier::New(
                                     collateral, attest::IntelSgxRootCaDer(), trust));
    quotes.push_back(std::move(q));
  } while (quotes.size() < sim_roots.size());
  return std::shared_ptr<const RaTlsVerifier>(
      new RaTlsVerifier(std::move(policy), std::move(quotes)));
}

StatusOr<attest::QuoteVerdict> RaTlsVerifier::VerifyQuote(
    ByteView quote, std::chrono::system_clock::time_point now) const {
  auto first = quotes_[0]->Verify(quote, now);
  if (!first.ok() || first->verified) return first;
  for (size_t i = 1; i < quotes_.size(); ++i) {
    auto other = quotes_[i]->Verify(quote, now);
    if (other.ok() && other->verified) return other;
  }
  return first;
}

StatusOr<attest::QuoteIdentity> RaTlsVerifier::VerifyEvidence(
    const X509& cert, std::chrono::system_clock::time_point now) const {
  KMS_RETURN_IF_ERROR(CheckCertificate(cert, now));
  KMS_ASSIGN_OR_RETURN(Bytes quote, ExtractRaTlsQuote(cert));
  auto verdict = VerifyQuote(quote, now);
  if (!verdict.ok()) {
    if (verdict.status().code() == Code::kUnavailable) {
      return Denied("the quote cannot be verified here: " + verdict.status().message());
    }
    return Denied("the certificate's quote does not parse: " + verdict.status().message());
  }
  if (!verdict->verified) return Denied("the quote does not verify: " + verdict->error);
  if (verdict->status != "UpToDate") {
    return Denied("the quote's TCB status is " + verdict->status + ", not UpToDate");
  }
  KMS_ASSIGN_OR_RETURN(Bytes expected, RaTlsReportData(cert));
  if (verdict->identity.report_data != expected) {
    return Denied("the quote's report data does not bind the certificate's key");
  }
  return std::move(verdict->identity);
}

StatusOr<attest::QuoteIdentity> RaTlsVerifier::Verify(
    const X509& cert, Role role, std::chrono::system_clock::time_point now) const {
  KMS_ASSIGN_OR_RETURN(attest::QuoteIdentity identity, VerifyEvidence(cert, now));
  KMS_RETURN_IF_ERROR(policy_.Check(role, identity));
  return identity;
}

}  // namespace kms::dkey
