#pragma once
// Byte containers. `Bytes` owns ordinary data; `ByteView` borrows; secrets use SecretBytes.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kms {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline ByteView AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsChars(ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline Bytes ToBytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// Lowercase hex, for logs of non-secret values (ids, digests) and tests.
std::string HexEncode(ByteView b);

// Decodes hex digits of either case; false (and `out` unspecified) for an odd length or a
// non-hex character.
bool HexDecode(std::string_view hex, Bytes* out);

}  // namespace kms
