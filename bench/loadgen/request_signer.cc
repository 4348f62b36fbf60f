#include "request_signer.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <system_error>

#include "protocol/canonical.h"

namespace kms::bench {
namespace json = boost::json;

namespace {

int64_t ParseInt64(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw std::invalid_argument("number field is not a decimal int64: " + text);
  }
  return v;
}

}  // namespace

RequestSigner::RequestSigner(std::string appid, std::string_view apikey, std::string nonce_prefix)
    : appid_(std::move(appid)), nonce_prefix_(std::move(nonce_prefix)) {
  StatusOr<std::unique_ptr<protocol::RequestSignKey>> key = protocol::RequestSignKey::New(apikey);
  if (!key.ok()) throw std::runtime_error("HMAC-SHA256 is not available");
  key_ = std::move(*key);
}

std::string RequestSigner::Body(std::span<const Field> payload, int64_t timestamp_ms) {
  char nonce_buf[24];
  int n = std::snprintf(nonce_buf, sizeof(nonce_buf), "%llx",
                        static_cast<unsigned long long>(++counter_));

  json::object fields;
  for (const Field& f : payload) {
    if (f.number) {
      fields[f.key] = ParseInt64(f.value);
    } else {
      fields[f.key] = f.value;
    }
  }
  json::object body;
  body["appid"] = appid_;
  body["nonce"] = nonce_prefix_ + std::string(nonce_buf, static_cast<size_t>(n));
  body["payload"] = std::move(fields);
  body["timestamp"] = std::to_string(timestamp_ms);

  canonical_ = protocol::SigningString(body, protocol::EmptyValues::kDrop);
  StatusOr<std::string> sign = key_->Sign(canonical_);
  if (!sign.ok()) throw std::runtime_error("HMAC-SHA256 failed");
  body["sign"] = std::move(*sign);
  return json::serialize(body);
}

}  // namespace kms::bench
