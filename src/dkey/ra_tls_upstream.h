#pragma once
// RaTlsUpstream: DkUpstream over the attested channel, for a dkeycache (role kDkeyCache) or a
// replica dkeyserver (role kDkeyServer). Per source, in the order given, one exchange bounded by
// kDkExchangeTimeout: connect, TLS 1.3 handshake with our RA-TLS certificate, the server's
// evidence checked against the policy's [[dkeyserver]] section (before anything is sent), the
// request for our role, the response. The first grant wins.
//
// Fetch errors: kPermissionDenied when some source refused us or failed our check of it,
// otherwise kUnavailable; the message names each source and why.
//
// Thread-compatible (one Fetch at a time), as DkUpstream says.

#include <memory>
#include <string>
#include <vector>

#include "dkey/dk_upstream.h"
#include "dkey/policy.h"
#include "dkey/ra_tls_context.h"
#include "dkey/ra_tls_verify.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

struct RaTlsUpstreamOptions {
  std::vector<std::string> sources;  // "HOST:PORT" (IPv6 as "[::1]:8888")
  Role role = Role::kDkeyCache;      // kDkeyCache or kDkeyServer
  // Sim roots (DER) to trust besides our platform's own (RaTlsVerifier::New); usually empty.
  std::vector<Bytes> extra_sim_roots = {};
  // Verifies the dkeyservers' real quotes (null: none, only sim quotes verify).
  std::shared_ptr<const attest::CollateralSource> collateral = nullptr;
};

class RaTlsUpstream final : public DkUpstream {
 public:
  // `platform` makes our evidence and must outlive the upstream. kInvalidArgument for no
  // source, a source that is not HOST:PORT or a role other than kDkeyCache/kDkeyServer; errors
  // of the platform's sim root (RaTlsVerifier::New).
  static StatusOr<std::unique_ptr<RaTlsUpstream>> New(RaTlsUpstreamOptions options,
                                                      tee::TeePlatform& platform, Policy policy);

  StatusOr<FetchedDomainKey> Fetch() override;
  std::string Describe() const override;

 private:
  struct Source {
    std::string name;  // as given
    std::string host;
    std::string port;
  };
  RaTlsUpstream(std::vector<Source> sources, Role role, std::shared_ptr<RaTlsContextSource> tls,
                std::shared_ptr<const RaTlsVerifier> verifier)
      : sources_(std::move(sources)),
        role_(role),
        tls_(std::move(tls)),
        verifier_(std::move(verifier)) {}
  StatusOr<FetchedDomainKey> FetchFrom(const Source& source);

  std::vector<Source> sources_;
  Role role_;
  std::shared_ptr<RaTlsContextSource> tls_;
  std::shared_ptr<const RaTlsVerifier> verifier_;
};

}  // namespace kms::dkey
