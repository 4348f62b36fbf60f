#include "crypto/ec.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <optional>

#include "crypto/pkey_pem.h"

namespace kms::crypto {
namespace {

struct CurveName {
  EcCurve curve;
  const char* name;  // as OpenSSL reports OSSL_PKEY_PARAM_GROUP_NAME
};

constexpr std::array<CurveName, 5> kCurves = {{
    {EcCurve::kP224, "secp224r1"},
    {EcCurve::kP256, "prime256v1"},
    {EcCurve::kSecp256k1, "secp256k1"},
    {EcCurve::kP384, "secp384r1"},
    {EcCurve::kP521, "secp521r1"},
}};

const char* NameOf(EcCurve curve) {
  for (const auto& c : kCurves) {
    if (c.curve == curve) return c.name;
  }
  return nullptr;
}

std::optional<EcCurve> CurveOf(const EVP_PKEY* pkey) {
  char name[64];
  size_t len = 0;
  if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof(name),
                                     &len) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  for (const auto& c : kCurves) {
    if (std::string_view(name, len) == c.name) return c.curve;
  }
  return std::nullopt;
}

}  // namespace

StatusOr<std::unique_ptr<EcKey>> EcKey::Generate(EcCurve curve) {
  const char* name = NameOf(curve);
  if (name == nullptr) return Status::InvalidArgument("unknown EC curve");
  OsslPtr<EVP_PKEY> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", name));
  if (pkey == nullptr) {
    ERR_clear_error();
    return Status::Internal(std::string("EC key generation failed on ") + name);
  }
  return std::unique_ptr<EcKey>(new EcKey(std::move(pkey), curve, true));
}

StatusOr<std::unique_ptr<EcKey>> EcKey::FromPem(std::string_view pem) {
  KMS_ASSIGN_OR_RETURN(ParsedKey parsed, ParseKeyPem(pem));
  if (!EVP_PKEY_is_a(parsed.pkey.get(), "EC")) return Status::InvalidArgument("not an EC key");
  std::optional<EcCurve> curve = CurveOf(parsed.pkey.get());
  if (!curve) return Status::InvalidArgument("unsupported EC curve");
  return std::unique_ptr<EcKey>(new EcKey(std::move(parsed.pkey), *curve, parsed.has_private));
}

StatusOr<std::string> EcKey::PublicPem() const {
  return EncodePublicKeyPem(*pkey_, PemStructure::kSubjectPublicKeyInfo);
}

StatusOr<SecretBytes> EcKey::PrivatePem() const {
  if (!has_private_) return Status::FailedPrecondition("EC key has no private part");
  return EncodePrivateKeyPem(*pkey_, PemStructure::kTypeSpecific);
}

StatusOr<SecretBytes> EcKey::KeyPairPem() const {
  KMS_ASSIGN_OR_RETURN(std::string pub, PublicPem());
  KMS_ASSIGN_OR_RETURN(SecretBytes priv, PrivatePem());
  return JoinPem(pub, priv);
}

StatusOr<Bytes> EcKey::Sign(DigestAlg alg, MessageType type, ByteView input) const {
  if (!has_private_) return Status::FailedPrecondition("EC key has no private part");
  KMS_ASSIGN_OR_RETURN(Bytes digest, SigningDigest(alg, type, input));
  // No signature digest is set on the context: ECDSA needs only the hash value, and setting one
  // would make OpenSSL reject SM3.
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  size_t len = 0;
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, digest.data(), digest.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("ECDSA signing setup failed");
  }
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("ECDSA signing failed");
  }
  sig.resize(len);
  return sig;
}

StatusOr<bool> EcKey::Verify(DigestAlg alg, MessageType type, ByteView input,
                             ByteView signature) const {
  KMS_ASSIGN_OR_RETURN(Bytes digest, SigningDigest(alg, type, input));
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1) {
    ERR_clear_error();
    return Status::Internal("ECDSA verification setup failed");
  }
  // 0 is a wrong signature, a negative value an undecodable one: both are "does not verify".
  int r = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(),
                          digest.size());
  ERR_clear_error();
  return r == 1;
}

}  // namespace kms::crypto
