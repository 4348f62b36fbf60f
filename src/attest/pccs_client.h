#pragma once
// PccsClient: a CollateralSource that fetches DCAP collateral from a PCCS (Intel's, or
// ehsm-pccs) over its v4 API, and caches every item until its own nextUpdate. (Intel's PCS has
// the same paths but no /rootcacrl.)
//
// Per quote it needs, relative to the base URL:
//   /sgx/certification/v4/pckcrl?ca=processor|platform&encoding=der  (SGX-PCK-CRL-Issuer-Chain)
//   /sgx/certification/v4/tcb?fmspc=<hex>  or  /tdx/certification/v4/tcb?fmspc=<hex>
//                                          (TCB-Info-Issuer-Chain, or v3's SGX-TCB-Info-Issuer-Chain)
//   /sgx/certification/v4/qe/identity  or  /tdx/certification/v4/qe/identity
//                                          (SGX-Enclave-Identity-Issuer-Chain)
//   /sgx/certification/v4/rootcacrl        (PCCS only; hex, PEM or DER accepted)
// Header values are percent-decoded PEM. Nothing fetched is trusted: the verifier checks every
// signature and chain against the pinned root; this class only checks that the pieces parse.
//
// Thread-safe. Blocking (libcurl): call from worker threads or the CLI, never an event loop.

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "attest/dcap_verifier.h"
#include "attest/pccs_http.h"
#include "attest/pcs_response.h"
#include "common/clock.h"
#include "common/mutex.h"

namespace kms::attest {

struct PccsClientOptions {
  // "https://host:8081"; a URL in the QCNL form "https://host:8081/sgx/certification/v4/" is
  // accepted too (the part from "/sgx/certification/" on is dropped).
  std::string url;
  PccsHttpOptions http;
  size_t max_cache_entries = 256;  // items (CRLs, TCB infos, QE identities) kept at once
  const Clock* clock = nullptr;    // null = the system clock
};

class PccsClient final : public CollateralSource {
 public:
  // kInvalidArgument when the URL is not http(s) or a bound is zero.
  static StatusOr<std::unique_ptr<PccsClient>> New(PccsClientOptions options);

  // The collateral of the request's platform. Items are served from the cache while the clock
  // is before their nextUpdate; an item already past it is returned but not kept. Errors:
  // kNotFound when the PCCS answers 404 (e.g. an FMSPC it does not know); kUnavailable when it
  // cannot be reached, answers another non-200 status, or sends something malformed or too
  // large; each message names the URL.
  StatusOr<Collateral> Get(const CollateralRequest& request) const override;

  const std::string& base_url() const { return base_; }
  // HTTP requests sent so far.
  int64_t requests_sent() const;
  // Items in the cache now.
  size_t cached_items() const;

 private:
  struct Item {
    std::string issuer_chain;  // PEM
    Bytes crl;                 // DER, for CRL items
    SignedJson signed_json;    // for TCB info and QE identity
    int64_t next_update = 0;   // Unix seconds
  };

  PccsClient(PccsClientOptions options, std::string base)
      : options_(std::move(options)), base_(std::move(base)) {}

  int64_t NowMs() const;
  StatusOr<PccsHttpResponse> Fetch(const std::string& path, std::string_view what) const;
  StatusOr<Item> FetchCrl(const std::string& path, std::string_view chain_header) const;
  StatusOr<Item> FetchSigned(const std::string& path, bool tcb) const;
  template <typename F>
  StatusOr<Item> Cached(const std::string& key, F fetch) const;
  void Keep(const std::string& key, const Item& item) const;

  PccsClientOptions options_;
  std::string base_;
  mutable Mutex mu_;
  mutable std::map<std::string, Item> cache_ KMS_GUARDED_BY(mu_);
  mutable int64_t requests_ KMS_GUARDED_BY(mu_) = 0;
};

}  // namespace kms::attest
