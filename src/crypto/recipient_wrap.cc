#include "crypto/recipient_wrap.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstring>

#include "crypto/aes_gcm.h"
#include "crypto/hkdf.h"
#include "crypto/ossl_ptr.h"
#include "crypto/random.h"

namespace kms::crypto {
namespace {

constexpr std::string_view kInfoLabel = "ehsm-kms recipient v1";

enum class KeyKind { kRsa3072, kP256 };

StatusOr<OsslPtr<EVP_PKEY>> ParseSpki(ByteView der) {
  const unsigned char* p = der.data();
  OsslPtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (key == nullptr || p != der.data() + der.size()) {
    return Status::InvalidArgument("the recipient publicKey is not a DER SubjectPublicKeyInfo");
  }
  return key;
}

StatusOr<KeyKind> KindOf(const EVP_PKEY& key) {
  if (EVP_PKEY_is_a(&key, "RSA") && EVP_PKEY_get_bits(&key) == 3072) return KeyKind::kRsa3072;
  char group[64] = {};
  size_t len = 0;
  if (EVP_PKEY_is_a(&key, "EC") &&
      EVP_PKEY_get_utf8_string_param(&key, "group", group, sizeof group, &len) == 1 &&
      std::strcmp(group, "prime256v1") == 0) {
    return KeyKind::kP256;
  }
  return Status::InvalidArgument("the recipient publicKey must be RSA-3072 or EC P-256");
}

StatusOr<Bytes> SpkiOf(EVP_PKEY& key) {
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(&key, &out);
  if (n <= 0) return Status::Internal("i2d_PUBKEY failed");
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

// An EVP_PKEY_CTX for RSA-OAEP with SHA-256 and MGF1-SHA-256, initialised for `encrypt` or
// decrypt; null on failure.
OsslPtr<EVP_PKEY_CTX> OaepCtx(EVP_PKEY& key, bool encrypt) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, &key, nullptr));
  if (ctx == nullptr ||
      (encrypt ? EVP_PKEY_encrypt_init(ctx.get()) : EVP_PKEY_decrypt_init(ctx.get())) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), "SHA256", nullptr) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), "SHA256", nullptr) != 1) {
    return nullptr;
  }
  return ctx;
}

StatusOr<Bytes> RsaOaep(EVP_PKEY& key, ByteView plaintext) {
  if (plaintext.size() > kRecipientRsaMaxPlaintext) {
    return Status::InvalidArgument(
        "the plaintext (" + std::to_string(plaintext.size()) +
        " bytes) is too long for an RSA-3072 recipient (at most 318); use a P-256 key");
  }
  OsslPtr<EVP_PKEY_CTX> ctx = OaepCtx(key, /*encrypt=*/true);
  size_t n = 0;
  if (ctx == nullptr ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &n, plaintext.data(), plaintext.size()) != 1) {
    return Status::Internal("RSA-OAEP setup failed");
  }
  Bytes out(n);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &n, plaintext.data(), plaintext.size()) != 1) {
    return Status::Internal("RSA-OAEP encryption failed");
  }
  out.resize(n);
  return out;
}

// K = HKDF-SHA256(ECDH(own, peer), "", label || SPKI(E) || SPKI(R)).
StatusOr<SecretBytes> SharedKey(EVP_PKEY& own, EVP_PKEY& peer, ByteView ephemeral_spki,
                                ByteView recipient_spki) {
  OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, &own, nullptr));
  size_t n = 0;
  if (ctx == nullptr || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), &peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &n) != 1 || n != 32) {
    return Status::Internal("ECDH setup failed");
  }
  SecretBytes z(n);
  if (EVP_PKEY_derive(ctx.get(), z.data(), &n) != 1) return Status::Internal("ECDH failed");
  Bytes info(kInfoLabel.begin(), kInfoLabel.end());
  info.insert(info.end(), ephemeral_spki.begin(), ephemeral_spki.end());
  info.insert(info.end(), recipient_spki.begin(), recipient_spki.end());
  return HkdfSha256(z.view(), {}, info, 32);
}

StatusOr<RecipientCiphertext> EcdhAesGcm(EVP_PKEY& recipient, ByteView recipient_spki,
                                         ByteView plaintext) {
  OsslPtr<EVP_PKEY> eph(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (eph == nullptr) return Status::Internal("P-256 key generation failed");
  RecipientCiphertext out;
  out.algorithm = std::string(kRecipientEcdhAesGcm);
  KMS_ASSIGN_OR_RETURN(out.ephemeral_public_key, SpkiOf(*eph));
  KMS_ASSIGN_OR_RETURN(SecretBytes k,
                       SharedKey(*eph, recipient, out.ephemeral_public_key, recipient_spki));
  KMS_ASSIGN_OR_RETURN(auto gcm, AesGcm::New(k.view()));
  out.ciphertext.resize(AesGcm::kIvSize + plaintext.size() + AesGcm::kTagSize);
  std::span<uint8_t> all(out.ciphertext);
  KMS_RETURN_IF_ERROR(RandomFill(all.first(AesGcm::kIvSize)));
  KMS_RETURN_IF_ERROR(gcm->Encrypt(all.first(AesGcm::kIvSize), plaintext, {},
                                   all.subspan(AesGcm::kIvSize, plaintext.size()),
                                   all.last<AesGcm::kTagSize>()));
  return out;
}

}  // namespace

Status CheckRecipientKey(ByteView public_key_der) {
  KMS_ASSIGN_OR_RETURN(auto key, ParseSpki(public_key_der));
  return KindOf(*key).status();
}

StatusOr<RecipientCiphertext> EncryptToRecipient(ByteView public_key_der, ByteView plaintext) {
  KMS_ASSIGN_OR_RETURN(auto key, ParseSpki(public_key_der));
  KMS_ASSIGN_OR_RETURN(KeyKind kind, KindOf(*key));
  if (kind == KeyKind::kP256) return EcdhAesGcm(*key, public_key_der, plaintext);
  RecipientCiphertext out;
  out.algorithm = std::string(kRecipientRsaOaep);
  KMS_ASSIGN_OR_RETURN(out.ciphertext, RsaOaep(*key, plaintext));
  return out;
}

StatusOr<SecretBytes> DecryptAsRecipient(EVP_PKEY& private_key, const RecipientCiphertext& c) {
  const Status bad = Status::DataLoss("the recipient ciphertext does not open with this key");
  if (c.algorithm == kRecipientRsaOaep) {
    OsslPtr<EVP_PKEY_CTX> ctx = OaepCtx(private_key, /*encrypt=*/false);
    size_t n = 0;
    if (ctx == nullptr ||
        EVP_PKEY_decrypt(ctx.get(), nullptr, &n, c.ciphertext.data(), c.ciphertext.size()) != 1) {
      return bad;
    }
    SecretBytes out(n);
    if (EVP_PKEY_decrypt(ctx.get(), out.data(), &n, c.ciphertext.data(), c.ciphertext.size()) !=
        1) {
      return bad;
    }
    return SecretBytes(out.view().first(n));
  }
  if (c.algorithm != kRecipientEcdhAesGcm ||
      c.ciphertext.size() < AesGcm::kIvSize + AesGcm::kTagSize) {
    return bad;
  }
  KMS_ASSIGN_OR_RETURN(auto eph, ParseSpki(c.ephemeral_public_key));
  KMS_ASSIGN_OR_RETURN(Bytes own_spki, SpkiOf(private_key));
  KMS_ASSIGN_OR_RETURN(SecretBytes k,
                       SharedKey(private_key, *eph, c.ephemeral_public_key, own_spki));
  KMS_ASSIGN_OR_RETURN(auto gcm, AesGcm::New(k.view()));
  ByteView all(c.ciphertext);
  const size_t len = all.size() - AesGcm::kIvSize - AesGcm::kTagSize;
  SecretBytes out(len);
  if (!gcm->Decrypt(all.first(AesGcm::kIvSize), all.subspan(AesGcm::kIvSize, len), {},
                    all.last(AesGcm::kTagSize), out.span())
           .ok()) {
    return bad;
  }
  return out;
}

}  // namespace kms::crypto
