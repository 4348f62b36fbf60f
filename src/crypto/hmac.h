#pragma once
// HMAC-SHA256, SHA-256 and constant-time comparison. Thread-safe free functions.

#include <array>
#include <memory>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

StatusOr<Sha256Digest> HmacSha256(ByteView key, ByteView message);
StatusOr<Sha256Digest> Sha256(ByteView message);

// An HMAC-SHA256 key whose key schedule (inner and outer padded digests) is computed once, for
// keys used on many messages. Compute() works on a copy of the keyed state, so one object may be
// used from many threads at once. The key is wiped when the object is destroyed (OpenSSL
// cleanses MAC contexts on free).
class HmacSha256Key {
 public:
  static StatusOr<std::unique_ptr<HmacSha256Key>> New(ByteView key);
  ~HmacSha256Key();
  HmacSha256Key(const HmacSha256Key&) = delete;
  HmacSha256Key& operator=(const HmacSha256Key&) = delete;

  StatusOr<Sha256Digest> Compute(ByteView message) const;

 private:
  struct State;
  explicit HmacSha256Key(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// True iff a and b have equal length and contents. Time depends only on the lengths.
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace kms::crypto
