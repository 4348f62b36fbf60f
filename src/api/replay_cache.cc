#include "api/replay_cache.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <string>
#include <strings.h>

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

// Version 2: request entries hash the MAC, not the signing string (version 1 files are refused,
// and the server then applies the start-time floor).
constexpr std::string_view kMagic = "EHSMRPL2";

void AppendU64(std::string& out, uint64_t n) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
}

// Bounds-checked little-endian reads.
struct Reader {
  ByteView data;
  size_t pos = 0;
  size_t Left() const { return data.size() - pos; }
  bool U64(uint64_t& v) {
    if (Left() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(data[pos + i]) << (8 * i);
    pos += 8;
    return true;
  }
};

}  // namespace

StatusOr<std::unique_ptr<ReplayCache>> ReplayCache::Create(const Clock& clock, size_t capacity,
                                                           int64_t window_ms,
                                                           size_t tenant_capacity) {
  crypto::SipHashKey key;
  KMS_RETURN_IF_ERROR(crypto::RandomFill(key));
  return std::make_unique<ReplayCache>(clock, capacity, window_ms, key, tenant_capacity);
}

ReplayCache::ReplayCache(const Clock& clock, size_t capacity, int64_t window_ms,
                         const crypto::SipHashKey& key, size_t tenant_capacity)
    : clock_(clock),
      capacity_(capacity),
      tenant_capacity_(tenant_capacity == 0 ? capacity : std::min(capacity, tenant_capacity)),
      window_ms_(window_ms),
      bucket_ms_(std::max<int64_t>(1, window_ms / kBucketsPerWindow)),
      key_(key) {
  assert(capacity > 0 && window_ms > 0);
}

uint64_t ReplayCache::Hash(char domain, std::string_view appid, std::string_view text,
                           int64_t timestamp_ms) const {
  // The domain byte keeps tenant and request hashes apart; the length prefix keeps
  // ("ab","c") and ("a","bc") apart. Inputs are short (an appid and a MAC), so the message is
  // built on the stack; this runs on every signed request.
  std::array<uint8_t, 256> stack;
  std::string heap;
  const size_t n = 1 + 8 + appid.size() + 8 + text.size();
  uint8_t* buf = stack.data();
  if (n > stack.size()) {
    heap.resize(n);
    buf = reinterpret_cast<uint8_t*>(heap.data());
  }
  size_t at = 0;
  auto put_u64 = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) buf[at++] = static_cast<uint8_t>(v >> (8 * i));
  };
  buf[at++] = static_cast<uint8_t>(domain);
  put_u64(appid.size());
  // memcpy from an empty view's null data() is undefined even for zero bytes.
  if (!appid.empty()) std::memcpy(buf + at, appid.data(), appid.size());
  at += appid.size();
  put_u64(static_cast<uint64_t>(timestamp_ms));
  if (!text.empty()) std::memcpy(buf + at, text.data(), text.size());
  at += text.size();
  uint64_t h = crypto::SipHash24(key_, ByteView(buf, at));
  return h == 0 ? 1 : h;  // 0 marks an empty slot
}

void ReplayCache::DropExpiredLocked(int64_t now_ms) {
  while (!buckets_.empty()) {
    auto first = buckets_.begin();
    // The newest timestamp the bucket can hold; once it is outside the window, all are.
    const int64_t newest = (first->first + 1) * bucket_ms_ - 1;
    if (now_ms - newest < window_ms_) break;
    size_ -= first->second.hashes.size();
    for (const auto& [tenant, n] : first->second.per_tenant) {
      auto t = tenants_.find(tenant);
      if (t == tenants_.end()) continue;
      if (t->second <= n) {
        tenants_.erase(t);
      } else {
        t->second -= n;
      }
    }
    buckets_.erase(first);
  }
}

Status ReplayCache::CheckAndRecord(std::string_view appid, std::string_view mac,
                                   int64_t timestamp_ms) {
  const int64_t now_ms = clock_.NowMs();
  const int64_t bucket = FloorDiv(timestamp_ms, bucket_ms_);
  // Outside the lock: key_ changes only in Load, which runs before any request.
  const uint64_t h = Hash('r', appid, mac, timestamp_ms);
  const uint64_t tenant = Hash('t', appid, {}, 0);

  MutexLock lock(mu_);
  DropExpiredLocked(now_ms);
  // Overflow-safe |now - ts| >= window.
  if ((timestamp_ms <= now_ms && now_ms - window_ms_ >= timestamp_ms) ||
      (timestamp_ms > now_ms && timestamp_ms - window_ms_ >= now_ms)) {
    return Status::InvalidArgument("Timestamp error");
  }
  if (timestamp_ms < floor_ms_) {
    return Status::FailedPrecondition(
        "Timestamp error: older than the server's start, retry with a current timestamp");
  }
  auto it = buckets_.find(bucket);
  if (it != buckets_.end() && it->second.hashes.Contains(h)) {
    ++replays_;
    return Status::AlreadyExists("Timestamp can't be repeated in 20 minutes");
  }
  if (size_ >= capacity_) {
    ++refused_full_;
    return Status::Unavailable("Too many requests in the replay window, please retry later");
  }
  uint64_t& held = tenants_[tenant];
  if (held >= tenant_capacity_) {
    ++refused_full_;
    return Status::Unavailable("Too many requests in the replay window, please retry later");
  }
  if (it == buckets_.end()) it = buckets_.emplace(bucket, Bucket()).first;
  it->second.hashes.Insert(h);
  ++it->second.per_tenant[tenant];
  ++held;
  ++size_;
  ++recorded_;
  return Status::Ok();
}

ReplayCache::Stats ReplayCache::stats() const {
  MutexLock lock(mu_);
  return {.recorded = recorded_, .replays = replays_, .refused_full = refused_full_};
}

void ReplayCache::RefuseTimestampsBefore(int64_t floor_ms) {
  MutexLock lock(mu_);
  floor_ms_ = floor_ms;
}

// Serialized layout (little-endian u64/i64):
//   magic "EHSMRPL1", key (16 bytes), bucket_ms, bucket count, then per bucket:
//   index, hash count, tenant count, hashes..., (tenant hash, entries)...
SecretBytes ReplayCache::Serialize() const {
  MutexLock lock(mu_);
  std::string out(kMagic);
  out.append(reinterpret_cast<const char*>(key_.data()), key_.size());
  AppendU64(out, static_cast<uint64_t>(bucket_ms_));
  AppendU64(out, buckets_.size());
  for (const auto& [index, b] : buckets_) {
    AppendU64(out, static_cast<uint64_t>(index));
    AppendU64(out, b.hashes.size());
    AppendU64(out, b.per_tenant.size());
    b.hashes.ForEach([&](uint64_t h) { AppendU64(out, h); });
    for (const auto& [tenant, n] : b.per_tenant) {
      AppendU64(out, tenant);
      AppendU64(out, n);
    }
  }
  SecretBytes bytes(AsBytes(out));
  explicit_bzero(out.data(), out.size());
  return bytes;
}

Status ReplayCache::Load(ByteView data) {
  Reader r{data};
  const Status bad = Status::InvalidArgument("replay window file is malformed");
  if (data.size() < kMagic.size() + 16 ||
      std::string_view(reinterpret_cast<const char*>(data.data()), kMagic.size()) != kMagic) {
    return bad;
  }
  r.pos = kMagic.size();
  crypto::SipHashKey key;
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(r.pos), key.size(), key.begin());
  r.pos += key.size();
  uint64_t bucket_ms = 0, n_buckets = 0;
  if (!r.U64(bucket_ms) || !r.U64(n_buckets)) return bad;
  if (static_cast<int64_t>(bucket_ms) != bucket_ms_) {
    return Status::InvalidArgument("replay window file was saved with another window");
  }
  std::map<int64_t, Bucket> buckets;
  std::unordered_map<uint64_t, uint64_t> tenants;
  size_t total = 0;
  // Each bucket takes at least 24 bytes, so n_buckets is bounded by the data itself.
  if (n_buckets > r.Left() / 24) return bad;
  for (uint64_t i = 0; i < n_buckets; ++i) {
    uint64_t index = 0, n_hashes = 0, n_tenants = 0;
    if (!r.U64(index) || !r.U64(n_hashes) || !r.U64(n_tenants)) return bad;
    if (n_hashes > capacity_ - total || n_tenants > n_hashes ||
        n_hashes > r.Left() / 8 || n_tenants > (r.Left() / 8 - n_hashes) / 2) {
      return bad;
    }
    Bucket& b = buckets[static_cast<int64_t>(index)];
    for (uint64_t j = 0; j < n_hashes; ++j) {
      uint64_t h = 0;
      (void)r.U64(h);
      if (h == 0 || !b.hashes.Insert(h)) return bad;
    }
    uint64_t counted = 0;
    for (uint64_t j = 0; j < n_tenants; ++j) {
      uint64_t tenant = 0, n = 0;
      (void)r.U64(tenant);
      (void)r.U64(n);
      if (n == 0 || n > n_hashes - counted) return bad;
      counted += n;
      b.per_tenant[tenant] += n;
      tenants[tenant] += n;
    }
    if (counted != n_hashes) return bad;
    total += n_hashes;
  }
  if (r.Left() != 0) return bad;

  MutexLock lock(mu_);
  key_ = key;
  buckets_ = std::move(buckets);
  tenants_ = std::move(tenants);
  size_ = total;
  explicit_bzero(key.data(), key.size());
  DropExpiredLocked(clock_.NowMs());
  return Status::Ok();
}

size_t ReplayCache::size() const {
  MutexLock lock(mu_);
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
