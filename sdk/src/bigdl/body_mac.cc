#include "body_mac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

namespace kms::bigdl::internal {
namespace {

// Fetched once: an implicit fetch per part would cost more than MACing a small part.
EVP_MAC* HmacAlg() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

}  // namespace

Result<BodyMac> BodyMac::New(ByteView key, const std::vector<ByteView>& prefixes) {
  if (HmacAlg() == nullptr) return Error::Local("HMAC is unavailable in this OpenSSL");
  if (key.empty()) return Error::InvalidArgument("empty MAC key");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  std::vector<client::internal::MacCtxPtr> ctxs;
  for (ByteView prefix : prefixes) {
    client::internal::MacCtxPtr ctx(EVP_MAC_CTX_new(HmacAlg()));
    if (ctx == nullptr || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
        (!prefix.empty() && EVP_MAC_update(ctx.get(), prefix.data(), prefix.size()) != 1)) {
      return Error::Local("HMAC-SHA256 initialisation failed");
    }
    ctxs.push_back(std::move(ctx));
  }
  return BodyMac(std::move(ctxs));
}

Result<void> BodyMac::Update(ByteView data) {
  if (data.empty()) return {};
  for (auto& ctx : ctxs_) {
    if (EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1) {
      return Error::Local("HMAC-SHA256 failed");
    }
  }
  return {};
}

Result<std::vector<MacTag>> BodyMac::Final() {
  std::vector<MacTag> tags(ctxs_.size());
  for (size_t i = 0; i < ctxs_.size(); ++i) {
    size_t n = 0;
    if (EVP_MAC_final(ctxs_[i].get(), tags[i].data(), &n, kMacSize) != 1 || n != kMacSize) {
      return Error::Local("HMAC-SHA256 failed");
    }
  }
  return tags;
}

std::optional<size_t> MatchTag(const std::vector<MacTag>& tags, ByteView expected) {
  std::optional<size_t> match;
  if (expected.size() != kMacSize) return match;
  for (size_t i = 0; i < tags.size(); ++i) {
    bool equal = CRYPTO_memcmp(tags[i].data(), expected.data(), kMacSize) == 0;
    if (equal && !match) match = i;
  }
  return match;
}

}  // namespace kms::bigdl::internal
