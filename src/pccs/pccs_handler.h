#pragma once
// PccsHandler: the PCCS API (what Intel's QPL and our PccsClient ask for) answered from what a
// CollateralService holds, with Intel's paths, headers and status codes. Under
// /sgx/certification/v4 (and v3, where TCB info carries v3's SGX-TCB-Info-Issuer-Chain):
//
//   GET pckcrl?ca=processor|platform[&encoding=der]
//       200 hex of the DER CRL (text, as Intel's PCCS), or the DER with encoding=der;
//       header SGX-PCK-CRL-Issuer-Chain. 400 for another ca.
//   GET tcb?fmspc=<12 hex> (also /tdx/certification/v4/tcb)
//       200 {"tcbInfo":<exact signed text>,"signature":"<hex>"}; header TCB-Info-Issuer-Chain.
//       400 for a malformed fmspc.
//   GET qe/identity, qve/identity (also /tdx/certification/v4/qe/identity)
//       200 {"enclaveIdentity":...,"signature":...}; header SGX-Enclave-Identity-Issuer-Chain.
//   GET rootcacrl   200 hex of the DER root CA CRL.
//   GET pckcert?encrypted_ppid=<768 hex>&cpusvn=<32 hex>&pcesvn=<4 hex>&pceid=<4 hex>
//       [&qeid=<32 hex>]
//       200 the PEM PCK certificate, cached from the upstream (fetched through on a miss) under
//       PckCertKey (by QE id when given);
//       headers SGX-PCK-Certificate-Issuer-Chain, SGX-TCBm, SGX-FMSPC,
//       SGX-PCK-Certificate-CA-Type. 400 for a missing or malformed value (before the upstream
//       is asked).
// 404 for an item not held (after asking the upstream, when there is one) and for any other
// path; 405 for methods other than GET and HEAD. Issuer chains are percent-encoded PEM.
// Also: GET /healthz (200 "ok"), /readyz (CollateralService::Readiness), /metrics.
//
// Thread-safe. Answers held items inline; a miss with an upstream goes to `pool`.

#include <memory>
#include <string>

#include "common/thread_pool.h"
#include "net/http_types.h"
#include "pccs/collateral_service.h"
#include "pccs/pccs_metrics.h"

namespace kms::pccs {

class PccsHandler final : public net::HttpHandler {
 public:
  // All borrowed; `pool` may be null (then a miss is answered 404 without fetching).
  PccsHandler(CollateralService& service, PccsMetrics& metrics, ThreadPool* pool)
      : service_(service), metrics_(metrics), pool_(pool) {}
  void Handle(net::HttpRequest request, net::Responder respond) override;

  // The answer to `method` `target` from what is held now (never fetches).
  net::HttpResponse Answer(const std::string& method, const std::string& target) const;

 private:
  CollateralService& service_;
  PccsMetrics& metrics_;
  ThreadPool* pool_;
};

}  // namespace kms::pccs
