#include "recipient.h"

#include <openssl/x509.h>

#include <filesystem>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "crypto/digest.h"
#include "crypto/recipient_wrap.h"
#include "kms/encoding.h"
#include "tee/sim/sim_platform.h"

namespace ehsm_cli {
namespace json = boost::json;
using kms::Bytes;
using kms::SecretBytes;
using kms::client::Error;
using kms::client::Result;

namespace {

Result<kms::crypto::OsslPtr<EVP_PKEY>> NewKeyPair(const std::string& type) {
  kms::crypto::OsslPtr<EVP_PKEY> key;
  if (type == "p256") {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  } else if (type == "rsa3072") {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072}));
  } else {
    return Error::InvalidArgument("--recipient-key must be p256 or rsa3072, got \"" + type + "\"");
  }
  if (key == nullptr) return Error::Local("cannot make the recipient key pair");
  return key;
}

Result<Bytes> SpkiDer(EVP_PKEY& key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(&key, &der);
  if (n <= 0) return Error::Local("cannot encode the recipient public key");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

// The quote source the flags name: an existing platform secret file and a valid identity.
Result<void> CheckQuoteSource(const RecipientArgs& a) {
  if (a.platform_secret.empty()) {
    return Error::InvalidArgument(
        "--recipient-policy needs --sim-platform-secret FILE (the KMS's sim platform secret, "
        "the quote's source)");
  }
  // SimPlatform would create a missing secret, whose quotes no KMS trusts.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(a.platform_secret, ec)) {
    return Error::InvalidArgument("--sim-platform-secret " + a.platform_secret +
                                  ": no such file");
  }
  if (auto s = kms::tee::CheckIdentity(a.identity); !s.ok()) {
    return Error::InvalidArgument(s.message());
  }
  return {};
}

// A sim quote binding `public_key_b64` as the KMS checks it: report data = SHA-256 of the
// text exactly as sent, then 32 zero bytes (GenerateQuote's challenge rule).
// REQUIRES: CheckQuoteSource(a) is OK.
Result<Bytes> SimQuote(const RecipientArgs& a, std::string_view public_key_b64) {
  auto platform = kms::tee::SimPlatform::Open(
      {.secret_path = a.platform_secret, .identity = kms::tee::ToTeeIdentity(a.identity)});
  if (!platform.ok()) {
    return Error::InvalidArgument("--sim-platform-secret " + a.platform_secret + ": " +
                                  platform.status().message());
  }
  auto digest = kms::crypto::Digest(kms::crypto::DigestAlg::kSha256, kms::AsBytes(public_key_b64));
  if (!digest.ok()) return Error::Local(digest.status().message());
  Bytes report_data = std::move(digest).value();
  report_data.resize(64, 0);
  auto quote = (*platform)->GenerateQuote(report_data);
  if (!quote.ok()) return Error::Local("cannot make the sim quote: " + quote.status().message());
  return std::move(quote).value();
}

Result<Bytes> Base64Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Error::Protocol("the KMS's `recipient` lacks string field `" + std::string(key) + "`");
  }
  auto b = kms::client::Base64Decode(std::string_view(v->get_string()));
  if (!b) return Error::Protocol("the KMS's `recipient." + std::string(key) + "` is not base64");
  return std::move(*b);
}

}  // namespace

void AddRecipientOptions(CLI::App* c, RecipientArgs& a) {
  c->add_option("--recipient-policy", a.policy_id,
                "Attestation-gated release: the quote policy id; the KMS answers the plaintext "
                "encrypted to an ephemeral key of this process, bound into a sim quote");
  c->add_option("--recipient-key", a.key_type, "Recipient key: p256 (default) or rsa3072")
      ->check(CLI::IsMember({"p256", "rsa3072"}));
  c->add_option("--sim-platform-secret", a.platform_secret,
                "The KMS's sim platform secret file (the quote source; needed with "
                "--recipient-policy)");
  c->add_option("--sim-mrenclave", a.identity.sim_mrenclave,
                "The MRENCLAVE the quote claims (64 hex) [default: the KMS's]");
  c->add_option("--sim-mrsigner", a.identity.sim_mrsigner,
                "The MRSIGNER the quote claims (64 hex) [default: the KMS's]");
  c->add_option("--sim-isvprodid", a.identity.sim_isvprodid, "The ISVPRODID the quote claims");
  c->add_option("--sim-isvsvn", a.identity.sim_isvsvn, "The ISVSVN the quote claims");
}

Result<std::unique_ptr<Recipient>> Recipient::New(const RecipientArgs& a) {
  // Checked before the (slow for RSA) key generation.
  EHSM_RETURN_IF_ERROR(CheckQuoteSource(a));
  EHSM_ASSIGN_OR_RETURN(auto key, NewKeyPair(a.key_type));
  EHSM_ASSIGN_OR_RETURN(Bytes spki, SpkiDer(*key));
  std::string public_key = kms::client::Base64Encode(spki);
  EHSM_ASSIGN_OR_RETURN(Bytes quote, SimQuote(a, public_key));
  json::object block{{"quote", kms::client::Base64Encode(quote)},
                     {"policyId", a.policy_id},
                     {"publicKey", public_key}};
  return std::unique_ptr<Recipient>(new Recipient(std::move(key), std::move(block)));
}

Result<SecretBytes> Recipient::Open(const json::value* sealed) const {
  if (sealed == nullptr || !sealed->is_object()) {
    return Error::Protocol(
        "the KMS answered without a `recipient` field: it does not support attestation-gated "
        "release, or ignored the request's recipient block");
  }
  const json::object& o = sealed->get_object();
  kms::crypto::RecipientCiphertext c;
  const json::value* alg = o.if_contains("algorithm");
  if (alg == nullptr || !alg->is_string()) {
    return Error::Protocol("the KMS's `recipient` lacks string field `algorithm`");
  }
  c.algorithm = std::string(alg->get_string());
  EHSM_ASSIGN_OR_RETURN(c.ciphertext, Base64Field(o, "ciphertext"));
  if (c.algorithm == kms::crypto::kRecipientEcdhAesGcm) {
    EHSM_ASSIGN_OR_RETURN(c.ephemeral_public_key, Base64Field(o, "ephemeralPublicKey"));
  }
  auto plain = kms::crypto::DecryptAsRecipient(*key_, c);
  if (!plain.ok()) {
    return Error::Local("the KMS's `recipient` answer (" + c.algorithm +
                        ") does not open with this process's key");
  }
  return std::move(plain).value();
}

Result<json::object> Recipient::Call(kms::client::Client& client, std::string_view action,
                                     json::object payload, SecretBytes* plaintext,
                                     EmptyResult empty) const {
  payload["recipient"] = block_;
  EHSM_ASSIGN_OR_RETURN(json::object r, client.Call(action, &payload, /*retry_safe=*/true));
  if (r.empty() && empty == EmptyResult::kMeansNotFound) return r;
  EHSM_ASSIGN_OR_RETURN(*plaintext, Open(r.if_contains("recipient")));
  r.erase("recipient");
  return r;
}

}  // namespace ehsm_cli
