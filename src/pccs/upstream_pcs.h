#pragma once
// UpstreamPcs: where ehsm-pccs fetches what it does not hold (`--upstream`): Intel's PCS
// (https://api.trustedservices.intel.com, with the `Ocp-Apim-Subscription-Key` API key) or
// another PCCS. The same v4 paths as PccsClient (attest/pccs_client.h) asks for; what comes
// back is an unverified CollateralItem for VerifyAndStore.
//
// Thread-safe. Blocking (libcurl): call from worker threads, never an event loop.

#include <memory>
#include <string>

#include "attest/pccs_http.h"
#include "common/status.h"
#include "pccs/collateral_item.h"

namespace kms::pccs {

struct UpstreamOptions {
  std::string url;      // base, e.g. "https://api.trustedservices.intel.com"
  std::string api_key;  // sent as Ocp-Apim-Subscription-Key when not empty; never logged
  // Where the root CA CRL comes from; empty = <url>/sgx/certification/v4/rootcacrl (a PCCS).
  // Intel's PCS has no such path: use the root's distribution point,
  // https://certificates.trustedservices.intel.com/IntelSGXRootCA.der.
  std::string root_ca_crl_url;
  attest::PccsHttpOptions http;
};

class UpstreamPcs {
 public:
  // kInvalidArgument when the URL is not http(s).
  static StatusOr<std::unique_ptr<UpstreamPcs>> New(UpstreamOptions options);

  // Fetches the item of `kind` and `key` (collateral_item.h). kNotFound when the upstream
  // answers 404 or the key names nothing it could serve; kUnavailable, naming the URL, when it
  // cannot be reached, answers another status, or sends something malformed.
  // `path`, when given, is asked for instead of UpstreamPath(kind, key): a PCK certificate
  // cached by QE id has no encrypted PPID in its key, so its request's query is forwarded.
  StatusOr<CollateralItem> Fetch(ItemKind kind, const std::string& key,
                                 const std::string& path = "") const;

  const std::string& url() const { return options_.url; }

 private:
  explicit UpstreamPcs(UpstreamOptions options) : options_(std::move(options)) {}
  UpstreamOptions options_;
};

// The path (from the base URL) under which `kind` and `key` are served, as a PCCS serves them;
// nullopt for a key that names nothing.
std::optional<std::string> UpstreamPath(ItemKind kind, const std::string& key);

// The path of a PCK certificate query (with its encrypted PPID; the QE id is not forwarded,
// as Intel's PCS does not take it).
std::string PckCertPath(const PckCertQuery& q);

}  // namespace kms::pccs
