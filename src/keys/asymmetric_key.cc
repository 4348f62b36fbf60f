#include "keys/asymmetric_key.h"

#include <type_traits>

namespace kms::keys {
namespace {

using crypto::EcKey;
using crypto::RsaKey;
using crypto::Sm2Key;

constexpr std::string_view kDecryptFailed = "asymmetric decryption failed";

std::optional<crypto::EcCurve> CurveOf(KeySpec spec) {
  switch (spec) {
    case KeySpec::kEcP224:
      return crypto::EcCurve::kP224;
    case KeySpec::kEcP256:
      return crypto::EcCurve::kP256;
    case KeySpec::kEcP256K:
      return crypto::EcCurve::kSecp256k1;
    case KeySpec::kEcP384:
      return crypto::EcCurve::kP384;
    case KeySpec::kEcP521:
      return crypto::EcCurve::kP521;
    default:
      return std::nullopt;
  }
}

int RsaBits(KeySpec spec) {
  switch (spec) {
    case KeySpec::kRsa2048:
      return 2048;
    case KeySpec::kRsa3072:
      return 3072;
    case KeySpec::kRsa4096:
      return 4096;
    default:
      return 0;
  }
}

crypto::DigestAlg ToAlg(DigestMode d) {
  switch (d) {
    case DigestMode::kSha224:
      return crypto::DigestAlg::kSha224;
    case DigestMode::kSha256:
      return crypto::DigestAlg::kSha256;
    case DigestMode::kSha384:
      return crypto::DigestAlg::kSha384;
    case DigestMode::kSha512:
      return crypto::DigestAlg::kSha512;
    case DigestMode::kSm3:
      return crypto::DigestAlg::kSm3;
  }
  return crypto::DigestAlg::kSha256;
}

crypto::MessageType ToType(MessageType t) {
  return t == MessageType::kDigest ? crypto::MessageType::kDigest : crypto::MessageType::kRaw;
}

StatusOr<crypto::RsaEncryptPadding> RsaEncryptPadding(PaddingMode p) {
  if (p == PaddingMode::kRsaPkcs1) return crypto::RsaEncryptPadding::kPkcs1;
  if (p == PaddingMode::kRsaPkcs1Oaep) return crypto::RsaEncryptPadding::kOaepSha256;
  return Status::InvalidArgument(
      "RSA encryption needs padding_mode EH_RSA_PKCS1 or "
      "EH_RSA_PKCS1_OAEP, got " +
      std::string(Name(p)));
}

StatusOr<crypto::RsaSignPadding> RsaSignPadding(PaddingMode p) {
  if (p == PaddingMode::kRsaPkcs1) return crypto::RsaSignPadding::kPkcs1;
  if (p == PaddingMode::kRsaPkcs1Pss) return crypto::RsaSignPadding::kPss;
  return Status::InvalidArgument(
      "RSA signatures need padding_mode EH_RSA_PKCS1 or "
      "EH_RSA_PKCS1_PSS, got " +
      std::string(Name(p)));
}

Status CheckRsaSignParams(const SignParams& params) {
  KMS_RETURN_IF_ERROR(RsaSignPadding(params.padding).status());
  if (params.digest == DigestMode::kSm3) {
    // OpenSSL 3.0 has no DigestInfo for SM3, so it refuses RSA signatures with it.
    return Status::InvalidArgument(
        "RSA signatures do not support digest_mode EH_SM3; use EH_SHA_224/256/384/512");
  }
  return Status::Ok();
}

Status WrongDigestSize(DigestMode d, size_t got) {
  return Status::InvalidArgument("message_type EH_DIGEST with digest_mode " + std::string(Name(d)) +
                                 " needs a " + std::to_string(crypto::DigestSize(ToAlg(d))) +
                                 "-byte message, got " + std::to_string(got));
}

// SM2 signs with SM3 whatever digest_mode says, so its digest size is SM3's.
size_t ExpectedDigestSize(KeySpec spec, DigestMode d) {
  return crypto::DigestSize(spec == KeySpec::kSm2 ? crypto::DigestAlg::kSm3 : ToAlg(d));
}

template <typename... F>
struct Overload : F... {
  using F::operator()...;
};
template <typename... F>
Overload(F...) -> Overload<F...>;

}  // namespace

bool IsAsymmetric(KeySpec spec) { return IsRsa(spec) || IsEc(spec) || spec == KeySpec::kSm2; }

StatusOr<std::unique_ptr<AsymmetricKey>> AsymmetricKey::Generate(KeySpec spec) {
  if (IsRsa(spec)) {
    KMS_ASSIGN_OR_RETURN(auto k, RsaKey::Generate(RsaBits(spec)));
    return std::unique_ptr<AsymmetricKey>(new AsymmetricKey(spec, std::move(k)));
  }
  if (auto curve = CurveOf(spec)) {
    KMS_ASSIGN_OR_RETURN(auto k, EcKey::Generate(*curve));
    return std::unique_ptr<AsymmetricKey>(new AsymmetricKey(spec, std::move(k)));
  }
  if (spec == KeySpec::kSm2) {
    KMS_ASSIGN_OR_RETURN(auto k, Sm2Key::Generate());
    return std::unique_ptr<AsymmetricKey>(new AsymmetricKey(spec, std::move(k)));
  }
  return Status::InvalidArgument("keyspec " + std::string(Name(spec)) + " is not asymmetric");
}

StatusOr<std::unique_ptr<AsymmetricKey>> AsymmetricKey::FromMaterial(KeySpec spec,
                                                                     const SecretBytes& pem) {
  std::string_view text(AsChars(pem.view()));
  auto corrupt = [&] {
    return Status::DataLoss("stored key material is not a " + std::string(Name(spec)) +
                            " key pair");
  };
  if (IsRsa(spec)) {
    auto k = RsaKey::FromPem(text);
    if (!k.ok() || !(*k)->has_private() || (*k)->bits() != RsaBits(spec)) return corrupt();
    return std::unique_ptr<AsymmetricKey>(new AsymmetricKey(spec, std::move(*k)));
  }
  if (auto curve = CurveOf(spec)) {
    auto k = EcKey::FromPem(text);
    if (!k.ok() || !(*k)->has_private() || (*k)->curve() != *curve) return corrupt();
    return std::unique_ptr<AsymmetricKey>(new AsymmetricKey(spec, std::move(*k)));
  }
  if (spec == KeySpec::kSm2) {
    auto k = Sm2Key::FromPem(text);
    if (!k.ok() || !(*k)->has_private()) return corrupt();
    return std::unique_ptr<AsymmetricKey>(new AsymmetricKey(spec, std::move(*k)));
  }
  return corrupt();
}

StatusOr<SecretBytes> AsymmetricKey::KeyPairPem() const {
  return std::visit([](const auto& k) { return k->KeyPairPem(); }, key_);
}

StatusOr<std::string> AsymmetricKey::PublicPem() const {
  return std::visit([](const auto& k) { return k->PublicPem(); }, key_);
}

size_t AsymmetricKey::MaxPlaintextSize(PaddingMode padding) const {
  if (const auto* rsa = std::get_if<std::unique_ptr<RsaKey>>(&key_)) {
    auto p = RsaEncryptPadding(padding);
    return p.ok() ? (*rsa)->MaxPlaintextSize(*p) : 0;
  }
  // SM2 has no inherent limit; the request size limit bounds it.
  return std::holds_alternative<std::unique_ptr<Sm2Key>>(key_) ? SIZE_MAX : 0;
}

StatusOr<Bytes> AsymmetricKey::Encrypt(PaddingMode padding, ByteView plaintext) const {
  if (plaintext.empty()) return Status::InvalidArgument("plaintext must not be empty");
  return std::visit(
      Overload{[&](const std::unique_ptr<RsaKey>& k) -> StatusOr<Bytes> {
                 KMS_ASSIGN_OR_RETURN(auto p, RsaEncryptPadding(padding));
                 if (plaintext.size() > k->MaxPlaintextSize(p)) {
                   return Status::InvalidArgument(
                       "plaintext too long for " + std::string(Name(spec_)) + " with " +
                       std::string(Name(padding)) + ": " + std::to_string(plaintext.size()) +
                       " bytes, at most " + std::to_string(k->MaxPlaintextSize(p)));
                 }
                 return k->Encrypt(p, plaintext);
               },
               [&](const std::unique_ptr<Sm2Key>& k) -> StatusOr<Bytes> {
                 return k->Encrypt(plaintext);  // padding ignored, as real clients send OAEP
               },
               [&](const std::unique_ptr<EcKey>&) -> StatusOr<Bytes> {
                 return Status::InvalidArgument("EC keys cannot encrypt");
               }},
      key_);
}

StatusOr<SecretBytes> AsymmetricKey::Decrypt(PaddingMode padding, ByteView ciphertext) const {
  return std::visit(Overload{[&](const std::unique_ptr<RsaKey>& k) -> StatusOr<SecretBytes> {
                               KMS_ASSIGN_OR_RETURN(auto p, RsaEncryptPadding(padding));
                               auto pt = k->Decrypt(p, ciphertext);
                               if (!pt.ok()) return Status::DataLoss(std::string(kDecryptFailed));
                               return pt;
                             },
                             [&](const std::unique_ptr<Sm2Key>& k) -> StatusOr<SecretBytes> {
                               auto pt = k->Decrypt(ciphertext);
                               if (!pt.ok()) return Status::DataLoss(std::string(kDecryptFailed));
                               return pt;
                             },
                             [&](const std::unique_ptr<EcKey>&) -> StatusOr<SecretBytes> {
                               return Status::InvalidArgument("EC keys cannot decrypt");
                             }},
                    key_);
}

StatusOr<Bytes> AsymmetricKey::Sign(const SignParams& params, ByteView input) const {
  if (IsRsa(spec_)) KMS_RETURN_IF_ERROR(CheckRsaSignParams(params));
  if (params.type == MessageType::kDigest &&
      input.size() != ExpectedDigestSize(spec_, params.digest)) {
    return WrongDigestSize(spec_ == KeySpec::kSm2 ? DigestMode::kSm3 : params.digest, input.size());
  }
  crypto::DigestAlg alg = ToAlg(params.digest);
  crypto::MessageType type = ToType(params.type);
  return std::visit(
      Overload{[&](const std::unique_ptr<RsaKey>& k) -> StatusOr<Bytes> {
                 KMS_ASSIGN_OR_RETURN(auto p, RsaSignPadding(params.padding));
                 return k->Sign(p, alg, type, input);
               },
               [&](const std::unique_ptr<EcKey>& k) { return k->Sign(alg, type, input); },
               [&](const std::unique_ptr<Sm2Key>& k) {
                 return params.type == MessageType::kDigest ? k->SignDigest(input) : k->Sign(input);
               }},
      key_);
}

StatusOr<bool> AsymmetricKey::Verify(const SignParams& params, ByteView input,
                                     ByteView signature) const {
  crypto::DigestAlg alg = ToAlg(params.digest);
  crypto::MessageType type = ToType(params.type);
  // Parameter problems are reported before the digest-size rule, so a wrong padding is a 400
  // whatever the input.
  if (const auto* rsa = std::get_if<std::unique_ptr<RsaKey>>(&key_)) {
    KMS_RETURN_IF_ERROR(CheckRsaSignParams(params));
    if (signature.size() != (*rsa)->size()) {
      return Status::InvalidArgument("signature for " + std::string(Name(spec_)) + " must be " +
                                     std::to_string((*rsa)->size()) + " bytes, got " +
                                     std::to_string(signature.size()));
    }
  }
  if (params.type == MessageType::kDigest &&
      input.size() != ExpectedDigestSize(spec_, params.digest)) {
    return false;
  }
  return std::visit(Overload{[&](const std::unique_ptr<RsaKey>& k) -> StatusOr<bool> {
                               KMS_ASSIGN_OR_RETURN(auto p, RsaSignPadding(params.padding));
                               return k->Verify(p, alg, type, input, signature);
                             },
                             [&](const std::unique_ptr<EcKey>& k) {
                               return k->Verify(alg, type, input, signature);
                             },
                             [&](const std::unique_ptr<Sm2Key>& k) {
                               return params.type == MessageType::kDigest
                                          ? k->VerifyDigest(input, signature)
                                          : k->Verify(input, signature);
                             }},
                    key_);
}

}  // namespace kms::keys
