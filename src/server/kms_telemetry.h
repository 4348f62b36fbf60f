#pragma once
// KmsTelemetry: the metrics registry of one ehsm-kms process and its access log.
//
// Per request (api::RequestObserver): ehsm_requests_total{action,code},
// ehsm_request_duration_seconds{action}, ehsm_requests_in_flight, bytes in and out, and one
// access-log line (`request rid=... action=... appid=... code=... status=... us=... in=...
// out=...`, text or JSON as the main log) through an AsyncLineSink: a full queue drops the
// line and counts it in ehsm_access_log_dropped_total, never delaying the request. The line
// carries identifiers, sizes and outcomes only, never a payload field, key or apikey.
// Everything read at scrape time (caches, queue, connections, domain key) is registered by
// the Watch* calls. The metric list is docs/operations.md, "Metrics".
//
// Thread-safety: OnStart/OnDone from any thread, lock-free but for the access log's queue.
// Watch* and SetServing from the controlling thread; SetServing may race with scrapes.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "api/kms_context.h"
#include "api/replay_cache.h"
#include "api/request_observer.h"
#include "common/async_line_sink.h"
#include "common/metrics.h"
#include "common/thread_pool.h"
#include "keys/key_vault.h"
#include "net/https_server.h"

namespace kms::server {

class KmsTelemetry final : public api::RequestObserver {
 public:
  struct Options {
    std::string version;
    std::string git_sha;
    // Where access lines go (default: stderr); null with access_log false.
    std::unique_ptr<LineWriter> access_writer;
    bool access_log = true;          // also only while the log level includes info
    size_t access_log_queue = 65536;  // lines waiting to be written before new ones drop
  };
  explicit KmsTelemetry(Options options);
  ~KmsTelemetry() override;

  metrics::Registry& registry() { return registry_; }

  void OnStart() override;
  void OnDone(const api::RequestRecord& record) override;

  // Scrape-time series of these parts; each must outlive every scrape (the HTTPS server is
  // stopped before they are destroyed).
  void WatchPool(const ThreadPool& pool);
  void WatchReplay(const api::ReplayCache& replay);
  void WatchConnections(std::function<net::ConnectionStats()> stats);
  // The service is open with this domain key: caches to watch and the key's fingerprint.
  void SetServing(const api::KmsContext& context, const keys::KeyVault& vault,
                  const std::string& dk_id);

  // Waits until queued access lines are written (at shutdown).
  void Flush();

 private:
  // Codes with a series of their own; anything else counts as code="other".
  static constexpr int kCodes[] = {200, 400, 401, 403, 404, 413, 500};
  static constexpr size_t kCodeSlots = std::size(kCodes) + 1;

  struct ActionSeries {
    std::string name;
    std::atomic<metrics::Histogram*> latency{nullptr};  // set once, under register_mu_
    std::array<std::atomic<metrics::Counter*>, kCodeSlots> by_code{};
  };
  ActionSeries& SeriesFor(const api::RequestRecord& r);
  metrics::Counter& CounterFor(ActionSeries& a, int code);
  void WriteAccessLine(const api::RequestRecord& r);
  void RegisterCaches();

  metrics::Registry registry_;
  std::mutex register_mu_;  // lazily created series
  std::vector<std::unique_ptr<ActionSeries>> actions_;  // the table's order, then "unknown"
  metrics::Gauge* in_flight_ = nullptr;
  metrics::Counter* bytes_in_ = nullptr;
  metrics::Counter* bytes_out_ = nullptr;
  std::unique_ptr<AsyncLineSink> access_;
  std::atomic<const api::KmsContext*> context_{nullptr};
  std::atomic<const keys::KeyVault*> vault_{nullptr};
  mutable std::mutex dk_mu_;
  std::string dk_id_;  // guarded by dk_mu_
};

}  // namespace kms::server
