#pragma once
// DkService: the server side of the attested channel (docs/dkey.md, "The attested channel").
// Per connection, bounded by kDkExchangeTimeout: a TLS 1.3 handshake with RA-TLS certificates
// on both sides, one request naming the role the client acts as (dkeycache, or dkeyserver for a
// replica), the client's evidence checked by the verifier and its identity against that role's
// policy section, and only then the domain key and its dk_id. Every connection ends in one log
// line: `<prefix>.dk_released` or `<prefix>.dk_refused` (with the peer's identity when its
// evidence verified, and the reason), or `<prefix>.connection_dropped` for a peer that never got
// as far as a request (handshake failed, garbage, stalled). The key is never logged.
//
// Connections run concurrently on the listener's io_context (one thread), so a stalling peer
// does not hold up others; at most kMaxDkConnections at once, more are closed at once.
//
// Thread-safety: Serve from the listener's thread; the object must outlive every connection
// (destroy the listener first).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "common/secret_bytes.h"
#include "common/status.h"
#include "dkey/ra_tls_context.h"
#include "dkey/ra_tls_verify.h"

namespace kms::dkey {

inline constexpr int kMaxDkConnections = 64;

struct HeldDomainKey {
  SecretBytes dk;
  std::string dk_id;
};

class DkService {
 public:
  // The key to serve now, or an error (not held yet) that refuses the request.
  using KeySource = std::function<StatusOr<HeldDomainKey>()>;

  DkService(std::shared_ptr<RaTlsContextSource> tls, std::shared_ptr<const RaTlsVerifier> verifier,
            KeySource keys, std::string log_prefix)
      : tls_(std::move(tls)),
        verifier_(std::move(verifier)),
        keys_(std::move(keys)),
        prefix_(std::move(log_prefix)) {}

  // Takes over `socket` and serves it on its executor.
  void Serve(boost::asio::ip::tcp::socket socket);

 private:
  boost::asio::awaitable<void> Run(boost::asio::ip::tcp::socket socket);

  std::shared_ptr<RaTlsContextSource> tls_;
  std::shared_ptr<const RaTlsVerifier> verifier_;
  KeySource keys_;
  std::string prefix_;
  std::atomic<int> active_{0};
};

}  // namespace kms::dkey
