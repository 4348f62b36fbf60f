#include "tee/sim/sim_pki_key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <memory>

#include "crypto/hkdf.h"

namespace kms::tee {
namespace {

constexpr std::string_view kSalt = "ehsm-sim-attestation-v1";
constexpr size_t kSeedSize = 48;  // 384 bits reduced mod a 256-bit order: bias below 2^-128
constexpr size_t kPointSize = 65;  // uncompressed P-256 point

struct FreePoint {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct FreeBnCtx {
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
struct FreeParamBld {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
// The private scalar is wiped when freed. It is a secure BIGNUM, so OSSL_PARAM_BLD keeps its
// copy in the secure heap, which OSSL_PARAM_free clears.
struct ClearBn {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
struct ClearParams {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
using SecretBn = std::unique_ptr<BIGNUM, ClearBn>;
using SecretParams = std::unique_ptr<OSSL_PARAM, ClearParams>;
using PointPtr = std::unique_ptr<EC_POINT, FreePoint>;
using BnCtxPtr = std::unique_ptr<BN_CTX, FreeBnCtx>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, FreeParamBld>;

Status OsslError(const char* what) {
  ERR_clear_error();
  return Status::Internal(std::string("sim attestation key: ") + what + " failed");
}

// d = (seed mod (n - 1)) + 1, in [1, n - 1].
StatusOr<SecretBn> ScalarFromSeed(const SecretBytes& seed, const EC_GROUP& group, BN_CTX& ctx) {
  crypto::OsslPtr<BIGNUM> n_minus_1(BN_dup(EC_GROUP_get0_order(&group)));
  SecretBn v(BN_secure_new());
  SecretBn d(BN_secure_new());
  if (!n_minus_1 || !v || !d || BN_sub_word(n_minus_1.get(), 1) != 1 ||
      BN_bin2bn(seed.data(), static_cast<int>(seed.size()), v.get()) == nullptr ||
      BN_mod(d.get(), v.get(), n_minus_1.get(), &ctx) != 1 || BN_add_word(d.get(), 1) != 1) {
    return OsslError("scalar reduction");
  }
  return d;
}

StatusOr<Bytes> PublicPoint(const EC_GROUP& group, const BIGNUM& d, BN_CTX& ctx) {
  PointPtr point(EC_POINT_new(&group));
  Bytes out(kPointSize);
  if (!point || EC_POINT_mul(&group, point.get(), &d, nullptr, nullptr, &ctx) != 1 ||
      EC_POINT_point2oct(&group, point.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(),
                         out.size(), &ctx) != kPointSize) {
    return OsslError("EC_POINT_mul");
  }
  return out;
}

StatusOr<crypto::OsslPtr<EVP_PKEY>> KeyFromParts(const BIGNUM& d, const Bytes& pub) {
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (!bld ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, SN_X9_62_prime256v1,
                                      0) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, pub.data(),
                                       pub.size()) != 1) {
    return OsslError("OSSL_PARAM_BLD");
  }
  SecretParams params(OSSL_PARAM_BLD_to_param(bld.get()));
  crypto::OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return OsslError("EVP_PKEY_fromdata");
  }
  return crypto::OsslPtr<EVP_PKEY>(raw);
}

}  // namespace

StatusOr<crypto::OsslPtr<EVP_PKEY>> DeriveSimPkiKey(ByteView platform_secret,
                                                    std::string_view label) {
  KMS_ASSIGN_OR_RETURN(SecretBytes seed, crypto::HkdfSha256(platform_secret, AsBytes(kSalt),
                                                            AsBytes(label), kSeedSize));
  crypto::OsslPtr<EC_GROUP> group(EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1));
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!group || !ctx) return OsslError("EC_GROUP_new_by_curve_name");
  KMS_ASSIGN_OR_RETURN(SecretBn d, ScalarFromSeed(seed, *group, *ctx));
  KMS_ASSIGN_OR_RETURN(Bytes pub, PublicPoint(*group, *d, *ctx));
  return KeyFromParts(*d, pub);
}

}  // namespace kms::tee
