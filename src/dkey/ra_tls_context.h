#pragma once
// RaTlsContextSource: the TLS contexts of the attested channel, on RA-TLS credentials
// (dkey/ra_tls_cert.h) of one platform. Both sides use the same context shape: TLS 1.3 only,
// the peer must present a certificate (a server without one fails the handshake, a client
// without one is refused by the server's handshake), and OpenSSL's chain check is replaced by
// "accept any": RA-TLS certificates are self-signed, and what makes a peer trusted is its
// evidence, which RaTlsVerifier checks right after the handshake, before a byte of the protocol
// is sent. The handshake itself proves the peer holds the certificate's key.
//
// Credentials live kRaTlsCertLifetime and are renewed (a new key and quote) when half of that
// has passed, so a long-running daemon never presents an expired certificate.
//
// Thread-safe.

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>

#include "common/status.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

inline constexpr std::chrono::seconds kRaTlsCertLifetime{3600};

class RaTlsContextSource {
 public:
  // `platform` must outlive this object. Makes nothing yet.
  explicit RaTlsContextSource(tee::TeePlatform& platform) : platform_(platform) {}

  // A context carrying current credentials; made (a quote from the platform) when there is none
  // or the current one is past half its life. Errors from the platform or OpenSSL; a failure is
  // retried on the next call.
  StatusOr<std::shared_ptr<boost::asio::ssl::context>> Current();

 private:
  tee::TeePlatform& platform_;
  std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> current_;  // guarded by mu_
  std::chrono::system_clock::time_point renew_at_;      // guarded by mu_
};

}  // namespace kms::dkey
