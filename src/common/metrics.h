#pragma once
// A small metrics registry rendered in the Prometheus text exposition format 0.0.4.
//
// Counter, Gauge and Histogram are sharded: each thread adds to one of kShards cache-line
// sized cells with a relaxed atomic, so the request path of several event loops never writes
// a shared cache line; a scrape sums the cells. Values read at scrape time (cache sizes, queue
// depth) are registered as callbacks instead and cost nothing between scrapes.
//
// Thread-safety: everything is thread-safe. Registration returns references that stay valid
// for the registry's lifetime; do it at start-up (it takes a mutex), then only update.
// Callbacks run on the scraping thread, one scrape at a time, and must be quick (no I/O).

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kms::metrics {

inline constexpr size_t kShards = 16;

// The shard of the calling thread: threads are numbered on first use, round robin.
size_t ThisThreadShard();

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) {
    cells_[ThisThreadShard()].v.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Value() const;

 private:
  struct alignas(64) Cell {
    std::atomic<uint64_t> v{0};
  };
  std::array<Cell, kShards> cells_;
};

// A gauge moved up and down by Add (in-flight counts); the sum over the shards is its value,
// so an Add(1) on one thread and an Add(-1) on another cancel out.
class Gauge {
 public:
  void Add(int64_t n) { cells_[ThisThreadShard()].v.fetch_add(n, std::memory_order_relaxed); }
  int64_t Value() const;

 private:
  struct alignas(64) Cell {
    std::atomic<int64_t> v{0};
  };
  std::array<Cell, kShards> cells_;
};

// Durations in fixed buckets. Bounds are in seconds (the unit Prometheus expects); values are
// recorded in nanoseconds, so the sum stays exact.
class Histogram {
 public:
  // REQUIRES: `bounds_seconds` strictly increasing, not empty.
  explicit Histogram(std::vector<double> bounds_seconds);

  void ObserveNanos(int64_t ns);

  struct Snapshot {
    std::vector<double> bounds;     // seconds
    std::vector<uint64_t> buckets;  // per bucket, not cumulative; last one is above every bound
    uint64_t count = 0;
    uint64_t sum_ns = 0;
  };
  Snapshot Read() const;

 private:
  // One shard: the buckets (plus +Inf), the count, then the sum; padded to whole cache lines.
  size_t stride() const { return stride_; }
  const std::vector<double> bounds_;
  std::vector<int64_t> bounds_ns_;
  size_t stride_ = 0;
  std::unique_ptr<std::atomic<uint64_t>[]> cells_;
};

// Latency buckets for requests and store calls: 50 µs to 10 s.
std::vector<double> LatencyBuckets();

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Every series of one `name` must have the same type and help; labels tell them apart.
  Counter& AddCounter(std::string_view name, std::string_view help, Labels labels = {});
  Gauge& AddGauge(std::string_view name, std::string_view help, Labels labels = {});
  Histogram& AddHistogram(std::string_view name, std::string_view help, Labels labels,
                          std::vector<double> bounds_seconds);
  // Series whose value is read at scrape time. `type` is "counter" or "gauge".
  void AddCallback(std::string_view name, std::string_view type, std::string_view help,
                   Labels labels, std::function<double()> read);
  // An info series: `name{labels...} 1`, its labels read at scrape time; no line while `read`
  // returns no labels.
  void AddInfo(std::string_view name, std::string_view help, std::function<Labels()> read);

  // The exposition, text format 0.0.4 (content type kContentType).
  std::string Render() const;

 private:
  struct Series;
  struct Family;
  Family& FamilyFor(std::string_view name, std::string_view type, std::string_view help);

  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // guarded by mu_; in registration order
};

inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Label value escaping of the text format: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view v);

}  // namespace kms::metrics
