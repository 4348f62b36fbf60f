#pragma once
// The HMAC-SHA256 trailer of the G1, G2, G3 and Fernet formats, computed while the ciphertext
// streams by. Some files can only be told apart by what their MAC covers (G1 and Fernet: the
// header and the ciphertext; G2 and G3: the ciphertext alone), so a BodyMac runs one HMAC per
// candidate message prefix and reports which one matched. Not thread-safe.

#include <array>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "kms/bigdl/result.h"
#include "ossl.h"

namespace kms::bigdl::internal {

inline constexpr size_t kMacSize = 32;
using MacTag = std::array<uint8_t, kMacSize>;

class BodyMac {
 public:
  // One HMAC-SHA256 under `key` per entry of `prefixes`, each started with that prefix.
  static Result<BodyMac> New(ByteView key, const std::vector<ByteView>& prefixes);
  Result<void> Update(ByteView data);
  // Finishes every candidate (once).
  Result<std::vector<MacTag>> Final();

 private:
  explicit BodyMac(std::vector<client::internal::MacCtxPtr> ctxs) : ctxs_(std::move(ctxs)) {}
  std::vector<client::internal::MacCtxPtr> ctxs_;
};

// The index of the first tag equal to `expected`, comparing every tag in constant time.
std::optional<size_t> MatchTag(const std::vector<MacTag>& tags, ByteView expected);

}  // namespace kms::bigdl::internal
