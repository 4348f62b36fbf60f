#include "net/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <exception>

#include "crypto/ossl_ptr.h"

namespace kms::net {
namespace {

namespace ssl = boost::asio::ssl;

// Mozilla "intermediate" list for TLS 1.2: forward secret and AEAD only.
constexpr char kTls12Ciphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr char kGroups[] = "X25519:P-256:P-384";
constexpr unsigned char kSessionIdContext[] = "ehsm-kms";

// Encrypted keys are not supported; without this OpenSSL would prompt on the terminal.
int NoPassword(char*, int, int, void*) { return 0; }

Status TlsError(std::string what) {
  unsigned long err = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof(buf));
    what += ": ";
    what += buf;
  }
  ERR_clear_error();
  return Status::InvalidArgument(std::move(what));
}

}  // namespace

StatusOr<std::unique_ptr<ssl::context>> MakeServerTlsContext(const std::string& cert_pem,
                                                             const std::string& key_pem) {
  std::unique_ptr<ssl::context> ctx;
  try {
    ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("cannot create TLS context: ") + e.what());
  }
  SSL_CTX* native = ctx->native_handle();

  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                       ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1,
                   ec);
  if (ec) return Status::Internal("cannot set TLS options: " + ec.message());
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return TlsError("cannot set minimum TLS version");
  }
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    return TlsError("cannot set TLS 1.2 cipher list");
  }
  if (SSL_CTX_set1_groups_list(native, kGroups) != 1) {
    return TlsError("cannot set TLS groups");
  }
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(native, 20000);
  SSL_CTX_set_session_id_context(native, kSessionIdContext, sizeof(kSessionIdContext) - 1);

  if (cert_pem.empty()) return Status::InvalidArgument("TLS certificate PEM is empty");
  if (key_pem.empty()) return Status::InvalidArgument("TLS private key PEM is empty");
  ctx->use_certificate_chain(boost::asio::buffer(cert_pem), ec);
  if (ec) return TlsError("TLS certificate PEM does not parse (" + ec.message() + ")");
  // Parsed separately from installing it, so "bad PEM" and "wrong key" get distinct messages.
  crypto::OsslPtr<BIO> bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  crypto::OsslPtr<EVP_PKEY> key(
      bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr) : nullptr);
  if (!key) return TlsError("TLS private key PEM does not parse");
  if (SSL_CTX_use_PrivateKey(native, key.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    return TlsError("TLS private key does not match the certificate");
  }
  ERR_clear_error();
  return ctx;
}

}  // namespace kms::net
