#include "crypto/rsa.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/pkey_pem.h"

namespace kms::crypto {
namespace {

// The one status for every decryption failure (see the header).
Status DecryptFailed() { return Status::DataLoss("RSA decryption failed"); }

const EVP_MD* Sha256Md() { return DigestMd(DigestAlg::kSha256); }

}  // namespace

StatusOr<std::unique_ptr<RsaKey>> RsaKey::Generate(int bits) {
  if (bits != 2048 && bits != 3072 && bits != 4096) {
    return Status::InvalidArgument("RSA key size must be 2048, 3072 or 4096, got " +
                                   std::to_string(bits));
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  size_t nbits = static_cast<size_t>(bits);
  unsigned int e = 65537;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &nbits),
      OSSL_PARAM_construct_uint(OSSL_PKEY_PARAM_RSA_E, &e),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* raw = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_params(ctx.get(), params) != 1 || EVP_PKEY_generate(ctx.get(), &raw) != 1) {
    ERR_clear_error();
    return Status::Internal("RSA key generation failed");
  }
  return std::unique_ptr<RsaKey>(new RsaKey(OsslPtr<EVP_PKEY>(raw), true));
}

StatusOr<std::unique_ptr<RsaKey>> RsaKey::FromPem(std::string_view pem) {
  KMS_ASSIGN_OR_RETURN(ParsedKey parsed, ParseKeyPem(pem));
  if (!EVP_PKEY_is_a(parsed.pkey.get(), "RSA")) return Status::InvalidArgument("not an RSA key");
  int bits = EVP_PKEY_get_bits(parsed.pkey.get());
  if (bits < 2048 || bits > 4096) {
    return Status::InvalidArgument("RSA key size must be 2048..4096 bits, got " +
                                   std::to_string(bits));
  }
  return std::unique_ptr<RsaKey>(new RsaKey(std::move(parsed.pkey), parsed.has_private));
}

int RsaKey::bits() const { return EVP_PKEY_get_bits(pkey_.get()); }

size_t RsaKey::size() const { return static_cast<size_t>(EVP_PKEY_get_size(pkey_.get())); }

size_t RsaKey::MaxPlaintextSize(RsaEncryptPadding padding) const {
  return size() - (padding == RsaEncryptPadding::kPkcs1 ? 11 : 2 * 32 + 2);
}

StatusOr<std::string> RsaKey::PublicPem() const {
  return EncodePublicKeyPem(*pkey_, PemStructure::kTypeSpecific);
}

StatusOr<SecretBytes> RsaKey::PrivatePem() const {
  if (!has_private_) return Status::FailedPrecondition("RSA key has no private part");
  return EncodePrivateKeyPem(*pkey_, PemStructure::kTypeSpecific);
}

StatusOr<SecretBytes> RsaKey::KeyPairPem() const {
  KMS_ASSIGN_OR_RETURN(std::string pub, PublicPem());
  KMS_ASSIGN_OR_RETURN(SecretBytes priv, PrivatePem());
  return JoinPem(pub, priv);
}

StatusOr<Bytes> RsaKey::Encrypt(RsaEncryptPadding padding, ByteView plaintext) const {
  if (plaintext.size() > MaxPlaintextSize(padding)) {
    return Status::InvalidArgument("RSA plaintext too long: " + std::to_string(plaintext.size()) +
                                   " bytes, at most " +
                                   std::to_string(MaxPlaintextSize(padding)));
  }
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  bool ok = ctx != nullptr && EVP_PKEY_encrypt_init(ctx.get()) == 1;
  if (ok && padding == RsaEncryptPadding::kPkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1;
  } else if (ok) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), Sha256Md()) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), Sha256Md()) == 1;
  }
  Bytes out(size());
  size_t len = out.size();
  if (!ok || EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plaintext.data(), plaintext.size()) !=
                 1) {
    ERR_clear_error();
    return Status::Internal("RSA encryption failed");
  }
  out.resize(len);
  return out;
}

StatusOr<SecretBytes> RsaKey::Decrypt(RsaEncryptPadding padding, ByteView ciphertext) const {
  if (!has_private_) return Status::FailedPrecondition("RSA key has no private part");
  if (ciphertext.size() != size()) return DecryptFailed();
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  bool ok = ctx != nullptr && EVP_PKEY_decrypt_init(ctx.get()) == 1;
  if (ok && padding == RsaEncryptPadding::kPkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1;
  } else if (ok) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) == 1 &&
         EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), Sha256Md()) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), Sha256Md()) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    return Status::Internal("RSA decryption setup failed");
  }
  SecretBytes out(size());
  size_t len = out.size();
  int r = EVP_PKEY_decrypt(ctx.get(), out.data(), &len, ciphertext.data(), ciphertext.size());
  // The error queue would tell a later reader which padding check failed.
  ERR_clear_error();
  if (r != 1) return DecryptFailed();
  out.Truncate(len);
  return out;
}

StatusOr<OsslPtr<EVP_PKEY_CTX>> RsaKey::SignatureCtx(RsaSignPadding padding, DigestAlg alg,
                                                     bool sign) const {
  if (alg == DigestAlg::kSm3) {
    return Status::InvalidArgument("RSA signatures with SM3 are not supported");
  }
  const EVP_MD* md = DigestMd(alg);
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey_.get(), nullptr));
  bool ok = md != nullptr && ctx != nullptr &&
            (sign ? EVP_PKEY_sign_init(ctx.get()) : EVP_PKEY_verify_init(ctx.get())) == 1;
  if (ok && padding == RsaSignPadding::kPkcs1) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1;
  } else if (ok) {
    ok = EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PSS_PADDING) == 1 &&
         EVP_PKEY_CTX_set_signature_md(ctx.get(), md) == 1 &&
         EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) == 1 &&
         EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx.get(), RSA_PSS_SALTLEN_DIGEST) == 1;
  }
  if (!ok) {
    ERR_clear_error();
    return Status::Internal("RSA signature setup failed");
  }
  return ctx;
}

StatusOr<Bytes> RsaKey::Sign(RsaSignPadding padding, DigestAlg alg, MessageType type,
                             ByteView input) const {
  if (!has_private_) return Status::FailedPrecondition("RSA key has no private part");
  KMS_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY_CTX> ctx, SignatureCtx(padding, alg, true));
  KMS_ASSIGN_OR_RETURN(Bytes digest, SigningDigest(alg, type, input));
  Bytes sig(size());
  size_t len = sig.size();
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, digest.data(), digest.size()) != 1) {
    ERR_clear_error();
    return Status::Internal("RSA signing failed");
  }
  sig.resize(len);
  return sig;
}

StatusOr<bool> RsaKey::Verify(RsaSignPadding padding, DigestAlg alg, MessageType type,
                              ByteView input, ByteView signature) const {
  if (signature.size() != size()) {
    return Status::InvalidArgument("RSA signature must be " + std::to_string(size()) +
                                   " bytes, got " + std::to_string(signature.size()));
  }
  KMS_ASSIGN_OR_RETURN(OsslPtr<EVP_PKEY_CTX> ctx, SignatureCtx(padding, alg, false));
  KMS_ASSIGN_OR_RETURN(Bytes digest, SigningDigest(alg, type, input));
  int r = EVP_PKEY_verify(ctx.get(), signature.data(), signature.size(), digest.data(),
                          digest.size());
  ERR_clear_error();
  return r == 1;
}

}  // namespace kms::crypto
