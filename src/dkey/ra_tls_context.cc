#include "dkey/ra_tls_context.h"

#include <openssl/ssl.h>

#include <exception>

#include "crypto/openssl_error.h"
#include "dkey/ra_tls_cert.h"

namespace kms::dkey {
namespace {

namespace ssl = boost::asio::ssl;


// The chain of an RA-TLS certificate is the certificate alone; trust comes from its evidence,
// checked by RaTlsVerifier after the handshake.
int AcceptAnyChain(X509_STORE_CTX*, void*) { return 1; }

StatusOr<std::shared_ptr<ssl::context>> MakeContext(const RaTlsCredentials& creds) {
  std::shared_ptr<ssl::context> ctx;
  try {
    ctx = std::make_shared<ssl::context>(ssl::context::tls);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot create TLS context: ") + e.what());
  }
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  if (SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(native, TLS1_3_VERSION) != 1) {
    return crypto::OpenSslError("cannot restrict TLS to 1.3");
  }
  // No resumption: every connection presents (and has checked) fresh evidence.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(native, 0);
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(native, AcceptAnyChain, nullptr);
  if (SSL_CTX_use_certificate(native, creds.cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(native, creds.key.get()) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    return crypto::OpenSslError("cannot install the RA-TLS credentials");
  }
  return ctx;
}

}  // namespace

StatusOr<std::shared_ptr<ssl::context>> RaTlsContextSource::Current() {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::system_clock::now();
  if (current_ && now < renew_at_) return current_;
  KMS_ASSIGN_OR_RETURN(RaTlsCredentials creds, MakeRaTlsCredentials(platform_, kRaTlsCertLifetime));
  KMS_ASSIGN_OR_RETURN(current_, MakeContext(creds));
  renew_at_ = now + kRaTlsCertLifetime / 2;
  return current_;
}

}  // namespace kms::dkey
