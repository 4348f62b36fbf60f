#include "request_signer.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <stdexcept>

#include "crypto/base64.h"

namespace kms::bench {

void SortFields(std::vector<Field>& fields) {
  std::sort(fields.begin(), fields.end(),
            [](const Field& a, const Field& b) { return a.key < b.key; });
}

RequestSigner::RequestSigner(std::string appid, std::string_view apikey, std::string nonce_prefix)
    : appid_(std::move(appid)), nonce_prefix_(std::move(nonce_prefix)) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  mac_template_ = mac ? EVP_MAC_CTX_new(mac) : nullptr;
  EVP_MAC_free(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  if (mac_template_ == nullptr ||
      EVP_MAC_init(mac_template_, reinterpret_cast<const unsigned char*>(apikey.data()),
                   apikey.size(), params) != 1) {
    throw std::runtime_error("HMAC-SHA256 is not available");
  }
}

RequestSigner::~RequestSigner() {
  EVP_MAC_CTX_free(work_);
  EVP_MAC_CTX_free(mac_template_);
}

std::string RequestSigner::Sign(std::string_view message) {
  // One working context per signer (a signer belongs to one thread), restarted with the same
  // key: duplicating the keyed template per request cost as much as the MAC itself.
  bool ready = work_ != nullptr ? EVP_MAC_init(work_, nullptr, 0, nullptr) == 1
                                : (work_ = EVP_MAC_CTX_dup(mac_template_)) != nullptr;
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  bool ok = ready &&
            EVP_MAC_update(work_, reinterpret_cast<const unsigned char*>(message.data()),
                           message.size()) == 1 &&
            EVP_MAC_final(work_, out, &len, sizeof(out)) == 1;
  if (!ok) throw std::runtime_error("HMAC-SHA256 failed");
  return crypto::Base64Encode(ByteView(out, len));
}

std::string RequestSigner::Body(std::span<const Field> payload, int64_t timestamp_ms) {
  char nonce_buf[24];
  int n = std::snprintf(nonce_buf, sizeof(nonce_buf), "%llx",
                        static_cast<unsigned long long>(++counter_));
  std::string nonce = nonce_prefix_ + std::string(nonce_buf, static_cast<size_t>(n));
  std::string ts = std::to_string(timestamp_ms);

  // Top-level keys in sorted order: appid, nonce, payload, timestamp.
  canonical_.clear();
  canonical_ += "appid=";
  canonical_ += appid_;
  canonical_ += "&nonce=";
  canonical_ += nonce;
  canonical_ += "&payload=";
  bool first = true;
  for (const Field& f : payload) {
    if (f.value.empty() || (f.number && f.value == "0")) continue;  // loosely empty: dropped
    if (!first) canonical_ += '&';
    first = false;
    canonical_ += f.key;
    canonical_ += '=';
    canonical_ += f.value;
  }
  canonical_ += "&timestamp=";
  canonical_ += ts;

  std::string body;
  body.reserve(canonical_.size() + 128);
  body += "{\"appid\":\"";
  body += appid_;
  body += "\",\"nonce\":\"";
  body += nonce;
  body += "\",\"payload\":{";
  first = true;
  for (const Field& f : payload) {
    if (!first) body += ',';
    first = false;
    body += '"';
    body += f.key;
    body += "\":";
    if (f.number) {
      body += f.value;
    } else {
      body += '"';
      body += f.value;
      body += '"';
    }
  }
  body += "},\"timestamp\":\"";
  body += ts;
  body += "\",\"sign\":\"";
  body += Sign(canonical_);
  body += "\"}";
  return body;
}

}  // namespace kms::bench
