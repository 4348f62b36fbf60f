#pragma once
// The CLI as the recipient of attestation-gated key release (docs/attestation.md,
// "Attestation-gated key release"): an ephemeral key pair made in memory, a sim quote whose
// report data is SHA-256 of the base64 public key followed by 32 zero bytes, the `recipient`
// block sent with Decrypt, GenerateDataKey or GetSecretValue, and the reply's `recipient`
// ciphertext opened locally. The private key never leaves this process's memory and is freed
// (OpenSSL clears it) with the Recipient.
//
// The quote comes from a SimPlatform over --sim-platform-secret: it verifies at a KMS started
// with --allow-simulation over the same platform secret file, and nowhere else.

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "crypto/ossl_ptr.h"
#include "kms/client.h"
#include "tee/identity_config.h"

namespace CLI {
class App;
}

namespace ehsm_cli {

struct RecipientArgs {
  std::string policy_id;          // --recipient-policy; empty: not a recipient
  std::string key_type = "p256";  // --recipient-key p256|rsa3072
  std::string platform_secret;    // --sim-platform-secret
  // The claimed identity; the KMS's own sim identity by default.
  kms::tee::IdentityConfig identity = kms::tee::DefaultIdentity("ehsm-kms", /*isvprodid=*/0);

  bool requested() const { return !policy_id.empty(); }
};

// Registers --recipient-policy, --recipient-key, --sim-platform-secret and --sim-mr*/--sim-isv*.
void AddRecipientOptions(CLI::App* c, RecipientArgs& a);

class Recipient {
 public:
  // InvalidArgument for a missing or unreadable --sim-platform-secret, an unknown key type or
  // a malformed identity; Local when the key or the quote cannot be made.
  static kms::client::Result<std::unique_ptr<Recipient>> New(const RecipientArgs& a);

  // What an empty `result` means: GetSecretValue answers one for a version that does not
  // exist; for the other actions it lacks the `recipient` like any other answer.
  enum class EmptyResult { kIsAnError, kMeansNotFound };

  // Sends `action` with `payload` plus the recipient block. Returns the reply's `result` with
  // its `recipient` removed, and the opened plaintext in `*plaintext` (an empty result is
  // returned as is with kMeansNotFound). Protocol error when the reply has no `recipient`,
  // Local when its ciphertext does not open with this key.
  kms::client::Result<boost::json::object> Call(
      kms::client::Client& client, std::string_view action, boost::json::object payload,
      kms::SecretBytes* plaintext, EmptyResult empty = EmptyResult::kIsAnError) const;

 private:
  Recipient(kms::crypto::OsslPtr<EVP_PKEY> key, boost::json::object block)
      : key_(std::move(key)), block_(std::move(block)) {}
  kms::client::Result<kms::SecretBytes> Open(const boost::json::value* sealed) const;

  kms::crypto::OsslPtr<EVP_PKEY> key_;
  boost::json::object block_;  // {quote, policyId, publicKey}
};

}  // namespace ehsm_cli
