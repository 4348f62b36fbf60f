#include "crypto/pkey_pem.h"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <algorithm>

namespace kms::crypto {
namespace {

const char* StructureName(PemStructure s) {
  switch (s) {
    case PemStructure::kTypeSpecific: return "type-specific";
    case PemStructure::kSubjectPublicKeyInfo: return "SubjectPublicKeyInfo";
    case PemStructure::kPrivateKeyInfo: return "PrivateKeyInfo";
  }
  return "";
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// One "-----BEGIN <label>-----" ... "-----END <label>-----" block.
struct PemBlock {
  std::string_view label;
  std::string_view text;
};

StatusOr<OsslPtr<EVP_PKEY>> DecodeBlock(std::string_view text, int selection) {
  EVP_PKEY* raw = nullptr;
  OsslPtr<OSSL_DECODER_CTX> ctx(
      OSSL_DECODER_CTX_new_for_pkey(&raw, "PEM", nullptr, nullptr, selection, nullptr, nullptr));
  if (ctx == nullptr) return Status::Internal("OSSL_DECODER_CTX_new_for_pkey failed");
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  size_t len = text.size();
  int ok = OSSL_DECODER_from_data(ctx.get(), &data, &len);
  OsslPtr<EVP_PKEY> pkey(raw);
  ERR_clear_error();
  if (ok != 1 || pkey == nullptr) return Status::InvalidArgument("undecodable PEM key");
  return pkey;
}

}  // namespace

StatusOr<std::string> EncodePublicKeyPem(const EVP_PKEY& key, PemStructure structure) {
  OsslPtr<OSSL_ENCODER_CTX> ctx(OSSL_ENCODER_CTX_new_for_pkey(
      &key, EVP_PKEY_PUBLIC_KEY, "PEM", StructureName(structure), nullptr));
  unsigned char* data = nullptr;
  size_t len = 0;
  if (ctx == nullptr || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0 ||
      OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) {
    ERR_clear_error();
    return Status::Internal("public key PEM encoding failed");
  }
  std::string out(reinterpret_cast<const char*>(data), len);
  OPENSSL_free(data);
  return out;
}

StatusOr<SecretBytes> EncodePrivateKeyPem(const EVP_PKEY& key, PemStructure structure) {
  OsslPtr<OSSL_ENCODER_CTX> ctx(OSSL_ENCODER_CTX_new_for_pkey(
      &key, EVP_PKEY_KEYPAIR, "PEM", StructureName(structure), nullptr));
  unsigned char* data = nullptr;
  size_t len = 0;
  if (ctx == nullptr || OSSL_ENCODER_CTX_get_num_encoders(ctx.get()) == 0 ||
      OSSL_ENCODER_to_data(ctx.get(), &data, &len) != 1) {
    ERR_clear_error();
    return Status::FailedPrecondition("private key PEM encoding failed (no private key?)");
  }
  SecretBytes out(ByteView(data, len));
  OPENSSL_clear_free(data, len);
  return out;
}

SecretBytes JoinPem(std::string_view public_pem, const SecretBytes& private_pem) {
  SecretBytes out(public_pem.size() + private_pem.size());
  std::copy(public_pem.begin(), public_pem.end(), out.data());
  std::copy(private_pem.view().begin(), private_pem.view().end(), out.data() + public_pem.size());
  return out;
}

StatusOr<ParsedKey> ParseKeyPem(std::string_view pem) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  static constexpr std::string_view kDashes = "-----";
  OsslPtr<EVP_PKEY> pub;
  OsslPtr<EVP_PKEY> priv;
  size_t pos = 0;
  while (true) {
    while (pos < pem.size() && IsSpace(pem[pos])) ++pos;
    if (pos == pem.size()) break;
    if (pem.substr(pos, kBegin.size()) != kBegin) {
      return Status::InvalidArgument("unexpected text outside PEM blocks");
    }
    size_t label_start = pos + kBegin.size();
    size_t label_end = pem.find(kDashes, label_start);
    if (label_end == std::string_view::npos) return Status::InvalidArgument("truncated PEM");
    std::string_view label = pem.substr(label_start, label_end - label_start);
    std::string end_line = "-----END " + std::string(label) + "-----";
    size_t end = pem.find(end_line, label_end);
    if (end == std::string_view::npos) return Status::InvalidArgument("unterminated PEM block");
    std::string_view block = pem.substr(pos, end + end_line.size() - pos);
    pos = end + end_line.size();

    bool is_private;
    if (label == "PUBLIC KEY" || label == "RSA PUBLIC KEY") {
      is_private = false;
    } else if (label == "PRIVATE KEY" || label == "RSA PRIVATE KEY" ||
               label == "EC PRIVATE KEY") {
      is_private = true;
    } else {
      return Status::InvalidArgument("unsupported PEM block: " + std::string(label));
    }
    OsslPtr<EVP_PKEY>& slot = is_private ? priv : pub;
    if (slot != nullptr) return Status::InvalidArgument("more than one PEM key of a kind");
    KMS_ASSIGN_OR_RETURN(slot,
                         DecodeBlock(block, is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY));
  }
  if (priv != nullptr) {
    if (pub != nullptr && EVP_PKEY_eq(pub.get(), priv.get()) != 1) {
      ERR_clear_error();
      return Status::InvalidArgument("public and private PEM keys do not match");
    }
    return ParsedKey{std::move(priv), true};
  }
  if (pub != nullptr) return ParsedKey{std::move(pub), false};
  return Status::InvalidArgument("no PEM key found");
}

}  // namespace kms::crypto
