#pragma once
// The server-side TLS policy of the transport, in one place: TLS 1.2 and 1.3 only, ECDHE AEAD
// cipher suites for 1.2 (1.3 uses OpenSSL's defaults, all AEAD), no compression, no
// renegotiation, a server-side session cache plus tickets for cheap resumption.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

#include "common/status.h"

namespace kms::net {

// Builds a server context from a PEM certificate chain and a PEM private key. Fails with
// kInvalidArgument when either does not parse or the key does not match the certificate; the
// message never contains key material. The returned context is safe to share between threads.
StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeServerTlsContext(
    const std::string& cert_pem, const std::string& key_pem);

}  // namespace kms::net
