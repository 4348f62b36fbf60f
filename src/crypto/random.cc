#include "crypto/random.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <climits>
#include <cstring>
#include <mutex>

namespace kms::crypto {

Status RandomFill(std::span<uint8_t> out) {
  // RAND_bytes takes an int length.
  constexpr size_t kMaxChunk = INT_MAX;
  while (!out.empty()) {
    size_t n = std::min(out.size(), kMaxChunk);
    if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
      return Status::Internal("RAND_bytes failed");
    }
    out = out.subspan(n);
  }
  return Status::Ok();
}

namespace {

// Bumped in a forked child, so buffers inherited from the parent are thrown away.
std::atomic<uint64_t> fork_generation{0};

struct NonceBuffer {
  static constexpr size_t kSize = 4096;
  uint8_t bytes[kSize];
  size_t used = kSize;  // empty
  uint64_t generation = 0;
  ~NonceBuffer() { OPENSSL_cleanse(bytes, sizeof(bytes)); }
};

}  // namespace

Status RandomNonce(std::span<uint8_t> out) {
  if (out.size() > 64) return RandomFill(out);
  static std::once_flag at_fork;
  std::call_once(at_fork, [] {
    pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });
  });
  thread_local NonceBuffer buf;
  uint64_t gen = fork_generation.load(std::memory_order_relaxed);
  if (buf.generation != gen) {
    buf.used = NonceBuffer::kSize;
    buf.generation = gen;
  }
  if (NonceBuffer::kSize - buf.used < out.size()) {
    KMS_RETURN_IF_ERROR(RandomFill(buf.bytes));
    buf.used = 0;
  }
  std::memcpy(out.data(), buf.bytes + buf.used, out.size());
  // Handed-out bytes are erased from the buffer, so a later memory leak cannot reveal them
  // alongside the ciphertexts they were used for (they are public there anyway).
  std::memset(buf.bytes + buf.used, 0, out.size());
  buf.used += out.size();
  return Status::Ok();
}

StatusOr<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  KMS_RETURN_IF_ERROR(RandomFill(out));
  return out;
}

StatusOr<SecretBytes> RandomSecret(size_t n) {
  SecretBytes out(n);
  KMS_RETURN_IF_ERROR(RandomFill(out.span()));
  return out;
}

StatusOr<std::string> RandomUuid() {
  std::array<uint8_t, 16> b;
  KMS_RETURN_IF_ERROR(RandomFill(b));
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kDigits[b[i] >> 4]);
    out.push_back(kDigits[b[i] & 0xf]);
  }
  return out;
}

StatusOr<std::string> RandomString(size_t n, std::string_view alphabet) {
  if (alphabet.empty() || alphabet.size() > 256) {
    return Status::InvalidArgument("alphabet must have 1..256 characters, got " +
                                   std::to_string(alphabet.size()));
  }
  const size_t m = alphabet.size();
  // Bytes at or above `limit` would make the low indices more likely; they are redrawn.
  const size_t limit = 256 - (256 % m);
  std::string out;
  out.reserve(n);
  std::array<uint8_t, 64> buf;
  while (out.size() < n) {
    KMS_RETURN_IF_ERROR(RandomFill(buf));
    for (uint8_t b : buf) {
      if (b >= limit) continue;
      out.push_back(alphabet[b % m]);
      if (out.size() == n) break;
    }
  }
  return out;
}

}  // namespace kms::crypto
