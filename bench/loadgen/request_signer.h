#pragma once
// RequestSigner: builds signed eHSM request bodies for the load generator. Every body carries a
// fresh timestamp and a nonce that is unique for the life of the signer, so the server's replay
// protection stays on during benchmarks. The signing string and the MAC are kms_protocol's
// (protocol/canonical.h, protocol/request_sign.h), the very code the server verifies with.
//
// Payload values are strings or integers (Field::number), in any order.
//
// Thread-safety: one signer per thread (Body() counts nonces and keeps the last signing string).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "protocol/request_sign.h"

namespace kms::bench {

struct Field {
  std::string key;
  std::string value;
  bool number = false;  // sent as a JSON number, e.g. keylen; `value` must be a decimal int64
};

class RequestSigner {
 public:
  // `nonce_prefix` makes nonces of distinct signers distinct; `apikey` is kept only as an HMAC
  // key schedule. Throws std::runtime_error if HMAC-SHA256 is unavailable.
  RequestSigner(std::string appid, std::string_view apikey, std::string nonce_prefix);

  // The complete JSON body for `payload` at `timestamp_ms`. Throws std::invalid_argument for a
  // number field that is not a decimal int64, std::runtime_error if the MAC fails.
  std::string Body(std::span<const Field> payload, int64_t timestamp_ms);

  // The string that was signed for the last Body() call (for tests).
  const std::string& last_signing_string() const { return canonical_; }

 private:
  std::string appid_;
  std::string nonce_prefix_;
  uint64_t counter_ = 0;
  std::unique_ptr<protocol::RequestSignKey> key_;
  std::string canonical_;
};

}  // namespace kms::bench
