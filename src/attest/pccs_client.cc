#include "attest/pccs_client.h"

#include <openssl/x509.h>

#include <algorithm>
#include <ctime>

#include "attest/cert_chain.h"
#include "attest/pck_cert.h"
#include "attest/tcb_info.h"
#include "common/log.h"
#include "common/percent_encoding.h"

namespace kms::attest {
namespace {

constexpr std::string_view kPckCrlChain = "sgx-pck-crl-issuer-chain";
constexpr std::string_view kTcbChainV4 = "tcb-info-issuer-chain";
constexpr std::string_view kTcbChainV3 = "sgx-tcb-info-issuer-chain";
constexpr std::string_view kQeChain = "sgx-enclave-identity-issuer-chain";

std::string TeePrefix(bool tdx) { return tdx ? "/tdx/certification/v4" : "/sgx/certification/v4"; }

StatusOr<int64_t> CrlNextUpdate(ByteView der) {
  KMS_ASSIGN_OR_RETURN(crypto::OsslPtr<X509_CRL> crl, CrlFromDer(der));
  auto next = AsnTimeToUnix(X509_CRL_get0_nextUpdate(crl.get()));
  if (!next.ok()) return Status::InvalidArgument("CRL without a readable nextUpdate");
  return *next;
}

}  // namespace

StatusOr<std::unique_ptr<PccsClient>> PccsClient::New(PccsClientOptions options) {
  std::string base = options.url;
  if (base.rfind("https://", 0) != 0 && base.rfind("http://", 0) != 0) {
    return Status::InvalidArgument("PCCS URL must start with https:// or http://: " + base);
  }
  if (size_t api = base.find("/sgx/certification/"); api != std::string::npos) base.resize(api);
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (options.max_cache_entries == 0 || options.http.max_body_bytes == 0 ||
      options.http.timeout_ms <= 0 || options.http.connect_timeout_ms <= 0) {
    return Status::InvalidArgument("PCCS client bounds and timeouts must be positive");
  }
  return std::unique_ptr<PccsClient>(new PccsClient(std::move(options), std::move(base)));
}

int64_t PccsClient::NowMs() const {
  return (options_.clock != nullptr ? *options_.clock : SystemClock::Instance()).NowMs();
}

int64_t PccsClient::requests_sent() const {
  MutexLock lock(mu_);
  return requests_;
}

size_t PccsClient::cached_items() const {
  MutexLock lock(mu_);
  return cache_.size();
}

StatusOr<PccsHttpResponse> PccsClient::Fetch(const std::string& path,
                                             std::string_view what) const {
  {
    MutexLock lock(mu_);
    ++requests_;
  }
  const std::string url = base_ + path;
  KMS_ASSIGN_OR_RETURN(PccsHttpResponse r, PccsHttpGet(url, options_.http));
  if (r.status == 404) {
    return Status::NotFound("PCCS has no " + std::string(what) + " (HTTP 404 from " + url + ")");
  }
  if (r.status != 200) {
    return Status::Unavailable("PCCS answered HTTP " + std::to_string(r.status) + " for " +
                               std::string(what) + " (" + url + ")");
  }
  return r;
}

namespace {

// The percent-decoded PEM chain of header `name` (of `names`, the first present).
StatusOr<std::string> IssuerChain(const PccsHttpResponse& r,
                                  std::initializer_list<std::string_view> names,
                                  const std::string& url) {
  for (std::string_view name : names) {
    auto it = r.headers.find(std::string(name));
    if (it == r.headers.end()) continue;
    std::optional<std::string> pem = PercentDecode(it->second);
    if (!pem || !ParsePemChain(*pem, 3).ok()) {
      return Status::Unavailable("malformed PCCS response from " + url + ": header " +
                                 std::string(name) + " is not a percent-encoded PEM chain");
    }
    return *std::move(pem);
  }
  return Status::Unavailable("malformed PCCS response from " + url + ": no " +
                             std::string(*names.begin()) + " header");
}

Status Malformed(const std::string& url, const Status& why) {
  return Status::Unavailable("malformed PCCS response from " + url + ": " + why.message());
}

}  // namespace

StatusOr<PccsClient::Item> PccsClient::FetchCrl(const std::string& path,
                                                std::string_view chain_header) const {
  KMS_ASSIGN_OR_RETURN(PccsHttpResponse r, Fetch(path, path.substr(path.rfind('/') + 1)));
  const std::string url = base_ + path;
  Item item;
  if (!chain_header.empty()) {
    KMS_ASSIGN_OR_RETURN(item.issuer_chain, IssuerChain(r, {chain_header}, url));
  }
  auto der = DecodeCrl(r.body);
  if (!der.ok()) return Malformed(url, der.status());
  auto next = CrlNextUpdate(*der);
  if (!next.ok()) return Malformed(url, next.status());
  item.crl = *std::move(der);
  item.next_update = *next;
  return item;
}

StatusOr<PccsClient::Item> PccsClient::FetchSigned(const std::string& path, bool tcb) const {
  const std::string url = base_ + path;
  KMS_ASSIGN_OR_RETURN(PccsHttpResponse r, Fetch(path, tcb ? "TCB info for this FMSPC"
                                                           : "QE identity"));
  Item item;
  if (tcb) {
    KMS_ASSIGN_OR_RETURN(item.issuer_chain, IssuerChain(r, {kTcbChainV4, kTcbChainV3}, url));
  } else {
    KMS_ASSIGN_OR_RETURN(item.issuer_chain, IssuerChain(r, {kQeChain}, url));
  }
  auto signed_json = ParsePcsSignedJson(r.body, tcb ? "tcbInfo" : "enclaveIdentity");
  if (!signed_json.ok()) return Malformed(url, signed_json.status());
  item.signed_json = *std::move(signed_json);
  if (tcb) {
    auto info = ParseTcbInfo(item.signed_json.text);
    if (!info.ok()) return Malformed(url, info.status());
    item.next_update = info->next_update;
  } else {
    auto qe = ParseQeIdentity(item.signed_json.text);
    if (!qe.ok()) return Malformed(url, qe.status());
    item.next_update = qe->next_update;
  }
  return item;
}

void PccsClient::Keep(const std::string& key, const Item& item) const {
  const int64_t now_s = NowMs() / 1000;
  if (item.next_update <= now_s) return;  // already stale: the verifier will say so
  MutexLock lock(mu_);
  std::erase_if(cache_, [now_s](const auto& e) { return e.second.next_update <= now_s; });
  if (cache_.size() >= options_.max_cache_entries && cache_.find(key) == cache_.end()) {
    auto soonest = std::min_element(cache_.begin(), cache_.end(), [](const auto& a, const auto& b) {
      return a.second.next_update < b.second.next_update;
    });
    cache_.erase(soonest);
  }
  cache_[key] = item;
}

template <typename F>
StatusOr<PccsClient::Item> PccsClient::Cached(const std::string& key, F fetch) const {
  {
    MutexLock lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (NowMs() < it->second.next_update * 1000) return it->second;
      cache_.erase(it);  // past its nextUpdate: never served again
    }
  }
  // Fetched without the lock: concurrent misses may fetch twice, which is harmless.
  KMS_ASSIGN_OR_RETURN(Item item, fetch());
  Keep(key, item);
  log::Debug("pccs.fetched", {{"item", key}, {"next_update", item.next_update}});
  return item;
}

StatusOr<Collateral> PccsClient::Get(const CollateralRequest& request) const {
  if (request.ca != "processor" && request.ca != "platform") {
    return Status::InvalidArgument("unknown PCK CA type \"" + request.ca + "\"");
  }
  const std::string fmspc = HexEncode(request.fmspc);
  const std::string tee = TeePrefix(request.tdx);
  const std::string sgx = TeePrefix(false);
  // TCB info first: an FMSPC the PCCS does not know fails before anything else is fetched.
  KMS_ASSIGN_OR_RETURN(Item tcb, Cached(tee + "/tcb/" + fmspc, [&] {
                         return FetchSigned(tee + "/tcb?fmspc=" + fmspc, true);
                       }));
  KMS_ASSIGN_OR_RETURN(Item qe, Cached(tee + "/qe/identity", [&] {
                         return FetchSigned(tee + "/qe/identity", false);
                       }));
  KMS_ASSIGN_OR_RETURN(Item pck_crl, Cached("pckcrl/" + request.ca, [&] {
                         return FetchCrl(sgx + "/pckcrl?ca=" + request.ca + "&encoding=der",
                                         kPckCrlChain);
                       }));
  KMS_ASSIGN_OR_RETURN(Item root_crl, Cached("rootcacrl", [&] {
                         return FetchCrl(sgx + "/rootcacrl", "");
                       }));
  Collateral c;
  c.pck_crl_issuer_chain = std::move(pck_crl.issuer_chain);
  c.pck_crl = std::move(pck_crl.crl);
  c.root_ca_crl = std::move(root_crl.crl);
  c.tcb_info_issuer_chain = std::move(tcb.issuer_chain);
  c.tcb_info = std::move(tcb.signed_json.text);
  c.tcb_info_signature = std::move(tcb.signed_json.signature);
  c.qe_identity_issuer_chain = std::move(qe.issuer_chain);
  c.qe_identity = std::move(qe.signed_json.text);
  c.qe_identity_signature = std::move(qe.signed_json.signature);
  return c;
}

}  // namespace kms::attest
