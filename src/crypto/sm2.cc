#include "crypto/sm2.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "crypto/digest.h"
#include "crypto/pkey_pem.h"

namespace kms::crypto {
namespace {

constexpr size_t kCoordSize = 32;

bool AppendCoord(const BIGNUM* v, Bytes& out) {
  size_t at = out.size();
  out.resize(at + kCoordSize);
  return BN_bn2binpad(v, out.data() + at, kCoordSize) == static_cast<int>(kCoordSize);
}

}  // namespace

StatusOr<std::unique_ptr<Sm2Key>> Sm2Key::Generate() {
  OsslPtr<EVP_PKEY> pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2"));
  if (pkey == nullptr) {
    ERR_clear_error();
    return Status::Internal("SM2 key generation failed");
  }
  return std::unique_ptr<Sm2Key>(new Sm2Key(std::move(pkey), true));
}

StatusOr<std::unique_ptr<Sm2Key>> Sm2Key::FromPem(std::string_view pem) {
  KMS_ASSIGN_OR_RETURN(ParsedKey parsed, ParseKeyPem(pem));
  // OpenSSL 3.0 decodes a key on the SM2 curve as type "SM2", distinct from "EC".
  if (!EVP_PKEY_is_a(parsed.pkey.get(), "SM2")) return Status::InvalidArgument("not an SM2 key");
  return std::unique_ptr<Sm2Key>(new Sm2Key(std::move(parsed.pkey), parsed.has_private));
}

StatusOr<std::string> Sm2Key::PublicPem() const {
  return EncodePublicKeyPem(*pkey_, PemStructure::kSubjectPublicKeyInfo);
}

StatusOr<SecretBytes> Sm2Key::PrivatePem() const {
  if (!has_private_) return Status::FailedPrecondition("SM2 key has no private part");
  return EncodePrivateKeyPem(*pkey_, PemStructure::kPrivateKeyInfo);
}

StatusOr<SecretBytes> Sm2Key::KeyPairPem() const {
  KMS_ASSIGN_OR_RETURN(std::string pub, PublicPem());
  KMS_ASSIGN_OR_RETURN(SecretBytes priv, PrivatePem());
  return JoinPem(pub, priv);
}

StatusOr<OsslPtr<EVP_MD_CTX>> Sm2Key::DigestCtx(bool sign) const {
  OsslPtr<EVP_MD_CTX> mctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by mctx
  const EVP_MD* sm3 = DigestMd(DigestAlg::kSm3);
  bool ok = mctx != nullptr && sm3 != nullptr &&
            (sign ? EVP_DigestSignInit_ex(mctx.get(), &pctx, EVP_MD_get0_name(sm3), nullptr,
                                          nullptr, pkey_.get(), nullptr)
                  : EVP_DigestVerifyInit_ex(mctx.get(), &pctx, EVP_MD_get0_name(sm3), nullptr,
                                            nullptr, pkey_.get(), nullptr)) == 1 &&
            // Z (which hashes the ID) is computed at the first update, so setting the ID after
            // init still takes effect.
            EVP_PKEY_CTX_set1_id(pctx, kDefaultId.data(), kDefaultId.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return Status::Internal("SM2 signature setup failed");
  }
  return mctx;
}

StatusOr<Bytes> Sm2Key::Sign(ByteView message) const {
  if (!has_private_) return Status::FailedPrecondition("SM2 key has no private part");
  KMS_ASSIGN_OR_RETURN(OsslPtr<EVP_MD_CTX> mctx, DigestCtx(true));
  size_t len = 0;
  if (EVP_DigestSignUpdate(mctx.get(), message.data(), message.size()) != 1 ||
      EVP_DigestSignFinal(mctx.get(), nullptr, &len) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 signing failed");
  }
  Bytes sig(len);
  if (EVP_DigestSignFinal(mctx.get(), sig.data(), &len) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 signing failed");
  }
  sig.resize(len);
  return sig;
}

StatusOr<bool> Sm2Key::Verify(ByteView message, ByteView signature) const {
  KMS_ASSIGN_OR_RETURN(OsslPtr<EVP_MD_CTX> mctx, DigestCtx(false));
  if (EVP_DigestVerifyUpdate(mctx.get(), message.data(), message.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 verification failed");
  }
  int r = EVP_DigestVerifyFinal(mctx.get(), signature.data(), signature.size());
  ERR_clear_error();
  return r == 1;
}

StatusOr<Bytes> Sm2Key::MessageDigest(ByteView message) const {
  // Z = SM3(ENTL || ID || a || b || xG || yG || xA || yA), coordinates as 32-byte big-endian.
  OsslPtr<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_sm2));
  OsslPtr<BIGNUM> p(BN_new()), a(BN_new()), b(BN_new()), gx(BN_new()), gy(BN_new());
  BIGNUM* x = nullptr;
  BIGNUM* y = nullptr;
  bool ok = group != nullptr && p && a && b && gx && gy &&
            EC_GROUP_get_curve(group.get(), p.get(), a.get(), b.get(), nullptr) == 1 &&
            EC_POINT_get_affine_coordinates(group.get(), EC_GROUP_get0_generator(group.get()),
                                            gx.get(), gy.get(), nullptr) == 1 &&
            EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_X, &x) == 1 &&
            EVP_PKEY_get_bn_param(pkey_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, &y) == 1;
  OsslPtr<BIGNUM> px(x), py(y);
  Bytes z_input;
  size_t id_bits = kDefaultId.size() * 8;
  z_input.push_back(static_cast<uint8_t>(id_bits >> 8));
  z_input.push_back(static_cast<uint8_t>(id_bits));
  z_input.insert(z_input.end(), kDefaultId.begin(), kDefaultId.end());
  ok = ok && AppendCoord(a.get(), z_input) && AppendCoord(b.get(), z_input) &&
       AppendCoord(gx.get(), z_input) && AppendCoord(gy.get(), z_input) &&
       AppendCoord(px.get(), z_input) && AppendCoord(py.get(), z_input);
  if (!ok) {
    ERR_clear_error();
    return Status::Internal("SM2 Z computation failed");
  }
  KMS_ASSIGN_OR_RETURN(Bytes z, Digest(DigestAlg::kSm3, z_input));
  z.insert(z.end(), message.begin(), message.end());
  return Digest(DigestAlg::kSm3, z);
}

StatusOr<Bytes> Sm2Key::SignDigest(ByteView e) const {
  if (!has_private_) return Status::FailedPrecondition("SM2 key has no private part");
  if (e.size() != DigestSize(DigestAlg::kSm3)) {
    return Status::InvalidArgument("SM2 digest must be 32 bytes, got " +
                                   std::to_string(e.size()));
  }
  // Without a digest set, the SM2 signature operation signs its input as e itself.
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  size_t len = 0;
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx.get()) != 1 ||
      EVP_PKEY_sign(ctx.get(), nullptr, &len, e.data(), e.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 signing setup failed");
  }
  Bytes sig(len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, e.data(), e.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 signing failed");
  }
  sig.resize(len);
  return sig;
}

StatusOr<bool> Sm2Key::VerifyDigest(ByteView e, ByteView signature) const {
  if (e.size() != DigestSize(DigestAlg::kSm3)) {
    return Status::InvalidArgument("SM2 digest must be 32 bytes, got " +
                                   std::to_string(e.size()));
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 verification setup failed");
  }
  int r = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), e.data(), e.size());
  ERR_clear_error();
  return r == 1;
}

StatusOr<Bytes> Sm2Key::Encrypt(ByteView plaintext) const {
  if (plaintext.empty()) return Status::InvalidArgument("SM2 plaintext must not be empty");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  size_t len = 0;
  if (ctx == nullptr || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plaintext.data(), plaintext.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 encryption setup failed");
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 encryption failed");
  }
  out.resize(len);
  return out;
}

StatusOr<SecretBytes> Sm2Key::Decrypt(ByteView ciphertext) const {
  if (!has_private_) return Status::FailedPrecondition("SM2 key has no private part");
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  if (ctx == nullptr || EVP_PKEY_decrypt_init(ctx.get()) != 1) {
    ERR_clear_error();
    return Status::Internal("SM2 decryption setup failed");
  }
  size_t len = 0;
  if (ciphertext.empty() ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &len, ciphertext.data(), ciphertext.size()) != 1) {
    ERR_clear_error();
    return Status::DataLoss("SM2 decryption failed");
  }
  SecretBytes out(len);
  int r = EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size());
  ERR_clear_error();
  if (r != 1) return Status::DataLoss("SM2 decryption failed");
  out.Truncate(len);
  return out;
}

}  // namespace kms::crypto
