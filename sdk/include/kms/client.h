#pragma once
// Client for the eHSM-KMS REST API (`POST /ehsm?Action=<Name>`, HMAC-signed JSON bodies).
//
// Usage:
//   kms::client::Options opt;
//   opt.url = "https://127.0.0.1:9000";
//   opt.appid = "...";  opt.apikey = "...";
//   opt.tls.ca_file = "/etc/ehsm/ca.pem";
//   auto c = kms::client::Client::New(std::move(opt));
//   if (!c.ok()) { ... c.error().ToString() ... }
//   auto keyid = (*c)->CreateKey("EH_AES_GCM_256", "EH_INTERNAL_KEY",
//                                "EH_KEYUSAGE_ENCRYPT_DECRYPT");
//
// Thread-safety: a Client is NOT thread-safe. It owns one HTTP connection (kept alive between
// calls); use one Client per thread.
//
// Errors: every call returns Result<T>. A reply whose envelope `code` is not 200 becomes an
// Error of kind kServer with that code and the server's message verbatim; network and TLS
// failures are kTransport; HTTP statuses other than 200 are kHttp; malformed replies kProtocol.
//
// Retries: only for actions that are safe to repeat (no new state on the server) and only after
// kTransport errors, with exponential backoff. Each attempt is signed afresh (new timestamp and
// nonce) because the server refuses a replayed signature.
//
// Secrets: the apikey, plaintexts and data keys are never logged; buffers that held them
// (request bodies, parsed replies) are wiped after use.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/secret_bytes.h"
#include "kms/result.h"
#include "kms/transport.h"
#include "kms/types.h"

namespace kms::client {

struct Options {
  std::string url;     // "https://host:port"; a trailing "/" or "/ehsm" is accepted
  std::string appid;   // not needed for GetVersion and Enroll
  std::string apikey;
  TlsOptions tls;
  TimeoutOptions timeouts;
  int max_retries = 2;                            // extra attempts for safe actions
  std::chrono::milliseconds retry_backoff{200};   // doubled after each failed attempt
  const Clock* clock = nullptr;                   // null: the system clock
};

class Client {
 public:
  // Validates the options and opens no connection yet (the first call does).
  static Result<std::unique_ptr<Client>> New(Options options);
  // Same, with a caller-supplied transport (tests, custom stacks).
  static Result<std::unique_ptr<Client>> New(Options options,
                                             std::unique_ptr<Transport> transport);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // --- unauthenticated (GET) ---
  Result<VersionInfo> GetVersion();
  Result<Enrollment> Enroll();

  // --- key management ---
  // Returns the new keyid. `keyusage` may be empty (the server then assumes encrypt/decrypt).
  Result<std::string> CreateKey(std::string_view keyspec, std::string_view origin,
                                std::string_view keyusage);
  Result<std::vector<KeyInfo>> ListKey();
  Result<void> EnableKey(std::string_view keyid);
  Result<void> DisableKey(std::string_view keyid);
  Result<void> DeleteKey(std::string_view keyid);
  Result<void> DeleteAllKey();
  Result<std::string> GetPublicKey(std::string_view keyid);  // PEM text

  // --- symmetric ---
  Result<Bytes> Encrypt(std::string_view keyid, ByteView plaintext, ByteView aad = {});
  Result<SecretBytes> Decrypt(std::string_view keyid, ByteView ciphertext, ByteView aad = {});
  Result<DataKey> GenerateDataKey(std::string_view keyid, int keylen, ByteView aad = {});
  Result<DataKey> GenerateDataKeyWithoutPlaintext(std::string_view keyid, int keylen,
                                                  ByteView aad = {});
  // Re-wraps a data key wrapped by `keyid` under the asymmetric CMK `ukeyid`.
  Result<Bytes> ExportDataKey(std::string_view keyid, std::string_view ukeyid,
                              ByteView wrapped_datakey, ByteView aad = {});

  // --- asymmetric ---
  Result<Bytes> AsymmetricEncrypt(std::string_view keyid, ByteView plaintext,
                                  std::string_view padding_mode);
  Result<SecretBytes> AsymmetricDecrypt(std::string_view keyid, ByteView ciphertext,
                                        std::string_view padding_mode);
  Result<Bytes> Sign(const SignRequest& request);
  Result<bool> Verify(const SignRequest& request, ByteView signature);

  // --- BYOK ---
  Result<ImportParameters> GetParametersForImport(std::string_view keyid,
                                                  std::string_view wrapping_keyspec);
  Result<void> ImportKeyMaterial(std::string_view keyid, std::string_view padding_mode,
                                 ByteView wrapped_material, std::string_view import_token);

  // --- secret manager ---
  Result<void> CreateSecret(const CreateSecretRequest& request);
  Result<void> UpdateSecretDesc(std::string_view name, std::string_view description);
  Result<void> PutSecretValue(std::string_view name, std::string_view data);
  Result<SecretVersionList> ListSecretVersionIds(std::string_view name);
  Result<SecretList> ListSecrets(std::string_view name_filter = {});
  Result<SecretDescription> DescribeSecret(std::string_view name);
  // `recovery_days` <= 0: the server default (30). `force`: delete now, no recovery.
  Result<void> DeleteSecret(std::string_view name, int recovery_days, bool force);
  // `version_id` <= 0: the current version.
  Result<SecretValue> GetSecretValue(std::string_view name, int64_t version_id = 0);
  Result<void> RestoreSecret(std::string_view name);

  // Any action by name, for actions without a typed wrapper. `payload` null: none is sent.
  // Returns the envelope's `result` object (empty when the server sent null or nothing).
  Result<boost::json::object> Call(std::string_view action, const boost::json::object* payload,
                                   bool retry_safe);

  // The server's last envelope message of a successful call (e.g. "The s1 create success.").
  const std::string& last_message() const { return last_message_; }

 private:
  Client(Options options, std::unique_ptr<Transport> transport);
  Result<boost::json::object> Get(std::string_view action);

  Options options_;
  std::string endpoint_;  // "https://host:port/ehsm"
  std::unique_ptr<Transport> transport_;
  std::string last_message_;
};

// The URL prefix of the endpoint ("https://h:p/ehsm") for a user-supplied base URL, or an error
// when it is not an http(s) URL.
Result<std::string> EndpointFromUrl(std::string_view url);

}  // namespace kms::client
