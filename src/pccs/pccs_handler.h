#pragma once
// PccsHandler: the PCCS v4 API (what Intel's QPL and our PccsClient ask for) answered from a
// CollateralDirectory, with Intel's paths, headers and status codes:
//
//   GET /sgx/certification/v4/pckcrl?ca=processor|platform[&encoding=der]
//       200 hex of the DER CRL (text, as Intel's PCCS), or the DER with encoding=der;
//       header SGX-PCK-CRL-Issuer-Chain. 400 for another ca.
//   GET /sgx/certification/v4/tcb?fmspc=<12 hex>, /tdx/certification/v4/tcb?fmspc=<12 hex>
//       200 {"tcbInfo":<exact signed text>,"signature":"<hex>"}; header TCB-Info-Issuer-Chain.
//       400 for a malformed fmspc, 404 for one the directory does not hold.
//   GET /sgx/certification/v4/qe/identity, /tdx/certification/v4/qe/identity
//       200 {"enclaveIdentity":...,"signature":...}; header SGX-Enclave-Identity-Issuer-Chain.
//   GET /sgx/certification/v4/rootcacrl   200 hex of the DER root CA CRL.
//   GET /healthz                          200 "ok\n".
// Issuer chains are percent-encoded PEM. Items every platform shares (PCK CRLs, QE
// identities, the root CA CRL) come from the most recently issued bundle that has them. Any
// other path is 404; methods other than GET and HEAD get 405.
//
// Thread-safe: the directory is immutable. Answers inline (no I/O).

#include <memory>
#include <string>

#include "attest/collateral_dir.h"
#include "net/http_types.h"

namespace kms::pccs {

class PccsHandler final : public net::HttpHandler {
 public:
  explicit PccsHandler(std::shared_ptr<const attest::CollateralDirectory> dir)
      : dir_(std::move(dir)) {}
  void Handle(net::HttpRequest request, net::Responder respond) override;

  // The answer to `method` `target`, as Handle sends it.
  net::HttpResponse Answer(const std::string& method, const std::string& target) const;

 private:
  std::shared_ptr<const attest::CollateralDirectory> dir_;
};

}  // namespace kms::pccs
