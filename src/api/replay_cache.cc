#include "api/replay_cache.h"

#include <algorithm>
#include <cassert>
#include <string>

#include "crypto/random.h"

namespace kms::api {
namespace {

constexpr int kBucketsPerWindow = 32;
constexpr size_t kMinSlots = 16;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void AppendLengthPrefixed(std::string& out, std::string_view s) {
  uint64_t n = s.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
  out.append(s);
}

}  // namespace

StatusOr<std::unique_ptr<ReplayCache>> ReplayCache::Create(const Clock& clock, size_t capacity,
                                                           int64_t window_ms) {
  crypto::SipHashKey key;
  KMS_RETURN_IF_ERROR(crypto::RandomFill(key));
  return std::make_unique<ReplayCache>(clock, capacity, window_ms, key);
}

ReplayCache::ReplayCache(const Clock& clock, size_t capacity, int64_t window_ms,
                         const crypto::SipHashKey& key)
    : clock_(clock),
      capacity_(capacity),
      window_ms_(window_ms),
      bucket_ms_(std::max<int64_t>(1, window_ms / kBucketsPerWindow)),
      key_(key) {
  assert(capacity > 0 && window_ms > 0);
}

uint64_t ReplayCache::Hash(std::string_view appid, std::string_view nonce,
                           int64_t timestamp_ms) const {
  // Length prefixes keep ("ab","c") and ("a","bc") apart.
  std::string buf;
  buf.reserve(appid.size() + nonce.size() + 24);
  AppendLengthPrefixed(buf, appid);
  AppendLengthPrefixed(buf, nonce);
  for (int i = 0; i < 8; ++i) {
    buf.push_back(static_cast<char>(static_cast<uint64_t>(timestamp_ms) >> (8 * i)));
  }
  uint64_t h = crypto::SipHash24(key_, AsBytes(buf));
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

void ReplayCache::DropExpiredLocked(int64_t now_ms) {
  while (!buckets_.empty()) {
    auto first = buckets_.begin();
    // The newest timestamp the bucket can hold; once it is outside the window, all are.
    const int64_t newest = (first->first + 1) * bucket_ms_ - 1;
    if (now_ms - newest < window_ms_) break;
    size_ -= first->second.size();
    buckets_.erase(first);
  }
}

Status ReplayCache::CheckAndRecord(std::string_view appid, std::string_view nonce,
                                   int64_t timestamp_ms) {
  const int64_t now_ms = clock_.NowMs();
  const uint64_t h = Hash(appid, nonce, timestamp_ms);
  const int64_t bucket = FloorDiv(timestamp_ms, bucket_ms_);

  std::lock_guard<std::mutex> lock(mu_);
  DropExpiredLocked(now_ms);
  // Overflow-safe |now - ts| >= window.
  if ((timestamp_ms <= now_ms && now_ms - window_ms_ >= timestamp_ms) ||
      (timestamp_ms > now_ms && timestamp_ms - window_ms_ >= now_ms)) {
    return Status::InvalidArgument("Timestamp error");
  }
  auto it = buckets_.find(bucket);
  if (it != buckets_.end() && it->second.Contains(h)) {
    return Status::AlreadyExists("Timestamp can't be repeated in 20 minutes");
  }
  if (size_ >= capacity_) {
    return Status::Unavailable("Too many requests in the replay window, please retry later");
  }
  if (it == buckets_.end()) it = buckets_.emplace(bucket, HashSet()).first;
  it->second.Insert(h);
  ++size_;
  return Status::Ok();
}

size_t ReplayCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return size_;
}

bool ReplayCache::HashSet::Contains(uint64_t h) const {
  if (slots_.empty()) return false;
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    if (slots_[i] == h) return true;
    if (slots_[i] == 0) return false;
  }
}

bool ReplayCache::HashSet::Insert(uint64_t h) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();  // load factor <= 1/2
  const size_t mask = slots_.size() - 1;
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    if (slots_[i] == h) return false;
    if (slots_[i] == 0) {
      slots_[i] = h;
      ++size_;
      return true;
    }
  }
}

void ReplayCache::HashSet::Grow() {
  std::vector<uint64_t> old = std::move(slots_);
  slots_.assign(std::max(kMinSlots, old.size() * 2), 0);
  const size_t mask = slots_.size() - 1;
  for (uint64_t h : old) {
    if (h == 0) continue;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h;
  }
}

}  // namespace kms::api
