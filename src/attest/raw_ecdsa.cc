#include "attest/raw_ecdsa.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>

#include "crypto/digest.h"

namespace kms::attest {
namespace {

// SubjectPublicKeyInfo header for an uncompressed P-256 point: SEQUENCE { SEQUENCE {
// id-ecPublicKey, prime256v1 }, BIT STRING (66 bytes: 0x00 unused bits, 0x04, x, y) }.
constexpr std::array<uint8_t, 27> kP256SpkiPrefix = {
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
    0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04};

}  // namespace

StatusOr<crypto::OsslPtr<EVP_PKEY>> P256KeyFromRaw(ByteView xy) {
  if (xy.size() != 64) return Status::InvalidArgument("raw P-256 key must be 64 bytes");
  std::array<uint8_t, kP256SpkiPrefix.size() + 64> spki;
  std::copy(kP256SpkiPrefix.begin(), kP256SpkiPrefix.end(), spki.begin());
  std::copy(xy.begin(), xy.end(), spki.begin() + kP256SpkiPrefix.size());
  const unsigned char* p = spki.data();
  crypto::OsslPtr<EVP_PKEY> key(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
  if (!key) {
    ERR_clear_error();
    return Status::InvalidArgument("raw P-256 key is not a point on the curve");
  }
  return key;
}

Bytes RawSignatureToDer(ByteView rs) {
  if (rs.size() != 64) return {};
  crypto::OsslPtr<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(rs.data(), 32, nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return {};
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

bool VerifyRawEcdsaSha256(EVP_PKEY& key, ByteView message, ByteView rs) {
  Bytes der = RawSignatureToDer(rs);
  if (der.empty()) return false;
  crypto::OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  bool ok =
      ctx &&
      EVP_DigestVerifyInit(ctx.get(), nullptr, crypto::DigestMd(crypto::DigestAlg::kSha256),
                           nullptr, &key) == 1 &&
      EVP_DigestVerify(ctx.get(), der.data(), der.size(), message.data(), message.size()) == 1;
  ERR_clear_error();
  return ok;
}

StatusOr<Bytes> SignRawEcdsaSha256(EVP_PKEY& key, ByteView message) {
  crypto::OsslPtr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t der_len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, crypto::DigestMd(crypto::DigestAlg::kSha256),
                         nullptr, &key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_len, message.data(), message.size()) != 1) {
    return Status::Internal("ECDSA signing failed");
  }
  Bytes der(der_len);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_len, message.data(), message.size()) != 1) {
    return Status::Internal("ECDSA signing failed");
  }
  const unsigned char* p = der.data();
  crypto::OsslPtr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return Status::Internal("ECDSA signature does not decode");
  Bytes rs(64);
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), rs.data(), 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), rs.data() + 32, 32) != 32) {
    return Status::Internal("ECDSA signature is not P-256 sized");
  }
  return rs;
}

StatusOr<Bytes> RawP256PublicKey(const EVP_PKEY& key) {
  uint8_t point[65];
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(&key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point),
                                      &len) != 1 ||
      len != 65 || point[0] != 0x04) {
    return Status::InvalidArgument("not an uncompressed P-256 public key");
  }
  return Bytes(point + 1, point + 65);
}

}  // namespace kms::attest
