#include "server/kms_telemetry.h"

#include "api/action.h"
#include "common/log.h"

namespace kms::server {
namespace {

// Client-chosen text in the access log is cut here: the line must stay one short line.
constexpr size_t kMaxLoggedAction = 64;

double Ratio(uint64_t hits, uint64_t misses) {
  const uint64_t total = hits + misses;
  return total == 0 ? 0 : static_cast<double>(hits) / static_cast<double>(total);
}

}  // namespace

KmsTelemetry::KmsTelemetry(Options options) {
  for (const api::ActionDef& def : api::AllActions()) {
    actions_.push_back(std::make_unique<ActionSeries>());
    actions_.back()->name = std::string(def.name);
  }
  actions_.push_back(std::make_unique<ActionSeries>());
  actions_.back()->name = "unknown";
  in_flight_ = &registry_.AddGauge("ehsm_requests_in_flight",
                                   "eHSM requests received and not answered yet.");
  bytes_in_ = &registry_.AddCounter("ehsm_request_bytes_received_total",
                                    "Bytes of eHSM request bodies.");
  bytes_out_ = &registry_.AddCounter("ehsm_response_bytes_sent_total",
                                     "Bytes of eHSM reply bodies.");
  registry_.AddInfo("ehsm_build_info", "The running build of ehsm-kms.",
                    [v = options.version, sha = options.git_sha] {
                      return metrics::Labels{{"version", v}, {"git_sha", sha}};
                    });
  if (options.access_log) {
    if (!options.access_writer) options.access_writer = std::make_unique<FdLineWriter>(2);
    access_ = std::make_unique<AsyncLineSink>(std::move(options.access_writer),
                                              options.access_log_queue);
    registry_.AddCallback("ehsm_access_log_dropped_total", "counter",
                          "Access-log lines dropped because the writer fell behind.", {},
                          [this] { return static_cast<double>(access_->dropped()); });
    registry_.AddCallback("ehsm_access_log_lines_total", "counter", "Access-log lines written.",
                          {}, [this] { return static_cast<double>(access_->written()); });
  }
  registry_.AddCallback("ehsm_domain_key_loaded", "gauge",
                        "1 while the service runs with a domain key, else 0.", {}, [this] {
                          std::lock_guard<std::mutex> lock(dk_mu_);
                          return dk_id_.empty() ? 0.0 : 1.0;
                        });
  registry_.AddInfo("ehsm_domain_key_info",
                    "The loaded domain key: the first 8 hex digits of its fingerprint (dk_id).",
                    [this] {
                      std::lock_guard<std::mutex> lock(dk_mu_);
                      if (dk_id_.empty()) return metrics::Labels{};
                      return metrics::Labels{{"fingerprint_prefix", dk_id_.substr(0, 8)}};
                    });
  RegisterCaches();
}

KmsTelemetry::~KmsTelemetry() = default;

void KmsTelemetry::OnStart() { in_flight_->Add(1); }

KmsTelemetry::ActionSeries& KmsTelemetry::SeriesFor(const api::RequestRecord& r) {
  const api::ActionDef* def = r.known_action ? api::FindAction(r.action) : nullptr;
  const size_t index = def != nullptr ? static_cast<size_t>(def - api::AllActions().data())
                                      : actions_.size() - 1;
  return *actions_[index];
}

metrics::Counter& KmsTelemetry::CounterFor(ActionSeries& a, int code) {
  size_t slot = kCodeSlots - 1;
  for (size_t i = 0; i < std::size(kCodes); ++i) {
    if (kCodes[i] == code) slot = i;
  }
  metrics::Counter* c = a.by_code[slot].load(std::memory_order_acquire);
  if (c != nullptr) return *c;
  // First request of this action and code: register its series (once).
  std::lock_guard<std::mutex> lock(register_mu_);
  c = a.by_code[slot].load(std::memory_order_acquire);
  if (c == nullptr) {
    c = &registry_.AddCounter(
        "ehsm_requests_total", "eHSM requests answered, by action and eHSM result code.",
        {{"action", a.name},
         {"code", slot < std::size(kCodes) ? std::to_string(kCodes[slot]) : "other"}});
    a.by_code[slot].store(c, std::memory_order_release);
  }
  return *c;
}

void KmsTelemetry::OnDone(const api::RequestRecord& r) {
  ActionSeries& a = SeriesFor(r);
  CounterFor(a, r.code).Inc();
  // Double-checked: the first request of an action registers its histogram; the pointer is
  // atomic so that the unlocked read races with nothing (found by the TSan job).
  metrics::Histogram* h = a.latency.load(std::memory_order_acquire);
  if (h == nullptr) {
    std::lock_guard<std::mutex> lock(register_mu_);
    h = a.latency.load(std::memory_order_acquire);
    if (h == nullptr) {
      h = &registry_.AddHistogram(
          "ehsm_request_duration_seconds",
          "Time from receiving an eHSM request to its reply, queueing included, by action.",
          {{"action", a.name}}, metrics::LatencyBuckets());
      a.latency.store(h, std::memory_order_release);
    }
  }
  h->ObserveNanos(r.duration_ns);
  bytes_in_->Inc(r.bytes_in);
  bytes_out_->Inc(r.bytes_out);
  in_flight_->Add(-1);
  if (access_ && log::Enabled(log::Level::kInfo)) WriteAccessLine(r);
}

void KmsTelemetry::WriteAccessLine(const api::RequestRecord& r) {
  const std::string_view action = r.action.substr(0, kMaxLoggedAction);
  access_->TryPush(log::FormatLine(log::Level::kInfo, "request",
                                   {{"rid", r.request_id},
                                    {"action", action},
                                    {"appid", r.appid},
                                    {"code", r.code},
                                    {"status", r.http_status},
                                    {"us", r.duration_ns / 1000},
                                    {"in", r.bytes_in},
                                    {"out", r.bytes_out}}));
}

void KmsTelemetry::WatchPool(const ThreadPool& pool) {
  registry_.AddCallback("ehsm_worker_queue_depth", "gauge",
                        "Requests waiting for a worker thread.", {},
                        [&pool] { return static_cast<double>(pool.queued()); });
  registry_.AddCallback("ehsm_worker_threads", "gauge", "Worker threads.", {},
                        [&pool] { return static_cast<double>(pool.threads()); });
}

void KmsTelemetry::WatchReplay(const api::ReplayCache& replay) {
  registry_.AddCallback("ehsm_replay_cache_entries", "gauge",
                        "Signed requests remembered for replay protection.", {},
                        [&replay] { return static_cast<double>(replay.size()); });
  registry_.AddCallback("ehsm_replay_cache_capacity", "gauge",
                        "Most entries the replay cache holds (--replay-capacity).", {},
                        [&replay] { return static_cast<double>(replay.capacity()); });
  const char* kHelp = "Replay checks of authenticated requests, by outcome.";
  registry_.AddCallback("ehsm_replay_checks_total", "counter", kHelp,
                        {{"outcome", "recorded"}},
                        [&replay] { return static_cast<double>(replay.stats().recorded); });
  registry_.AddCallback("ehsm_replay_checks_total", "counter", kHelp, {{"outcome", "replay"}},
                        [&replay] { return static_cast<double>(replay.stats().replays); });
  registry_.AddCallback("ehsm_replay_checks_total", "counter", kHelp, {{"outcome", "full"}},
                        [&replay] { return static_cast<double>(replay.stats().refused_full); });
}

void KmsTelemetry::WatchConnections(std::function<net::ConnectionStats()> stats) {
  auto shared = std::make_shared<std::function<net::ConnectionStats()>>(std::move(stats));
  registry_.AddCallback("ehsm_connections_open", "gauge", "Client connections open now.", {},
                        [shared] { return static_cast<double>((*shared)().open); });
  registry_.AddCallback("ehsm_connections_evicted_idle_total", "counter",
                        "Idle connections closed to admit a new one at max_connections.", {},
                        [shared] { return static_cast<double>((*shared)().evicted_idle); });
  const char* kHelp = "New connections closed right after accept, by limit.";
  registry_.AddCallback("ehsm_connections_refused_total", "counter", kHelp,
                        {{"reason", "max_connections"}},
                        [shared] { return static_cast<double>((*shared)().refused_at_limit); });
  registry_.AddCallback("ehsm_connections_refused_total", "counter", kHelp,
                        {{"reason", "max_connections_per_ip"}},
                        [shared] { return static_cast<double>((*shared)().refused_per_ip); });
}

// Registered at construction, reading through context_/vault_: the service (and so its
// caches) may open only later, on another thread (cluster mode).
void KmsTelemetry::RegisterCaches() {
  struct Cache {
    const char* name;
    std::function<size_t(const api::KmsContext&, const keys::KeyVault&)> size;
    std::function<std::pair<uint64_t, uint64_t>(const api::KmsContext&, const keys::KeyVault&)>
        stats;
  };
  auto pair = [](auto st) { return std::pair<uint64_t, uint64_t>(st.hits, st.misses); };
  const std::vector<Cache> caches = {
      {"tenant", [](auto& c, auto&) { return c.tenant_cache().size(); },
       [pair](auto& c, auto&) { return pair(c.tenant_cache().stats()); }},
      {"key", [](auto& c, auto&) { return c.key_cache().size(); },
       [pair](auto& c, auto&) { return pair(c.key_cache().stats()); }},
      {"opened_symmetric", [](auto&, auto& v) { return v.cipher_cache().size(); },
       [pair](auto&, auto& v) { return pair(v.cipher_cache().stats()); }},
      {"opened_tenant_mac", [](auto&, auto& v) { return v.mac_cache().size(); },
       [pair](auto&, auto& v) { return pair(v.mac_cache().stats()); }},
      {"opened_asymmetric", [](auto&, auto& v) { return v.asymmetric_cache().size(); },
       [pair](auto&, auto& v) { return pair(v.asymmetric_cache().stats()); }},
  };
  for (const Cache& cache : caches) {
    const metrics::Labels labels = {{"cache", cache.name}};
    auto read = [this, stats = cache.stats]() -> std::pair<uint64_t, uint64_t> {
      const api::KmsContext* c = context_.load(std::memory_order_acquire);
      const keys::KeyVault* v = vault_.load(std::memory_order_acquire);
      if (c == nullptr || v == nullptr) return {0, 0};
      return stats(*c, *v);
    };
    registry_.AddCallback("ehsm_cache_entries", "gauge",
                          "Entries in the record caches and the opened-key caches.", labels,
                          [this, size = cache.size]() -> double {
                            const api::KmsContext* c = context_.load(std::memory_order_acquire);
                            const keys::KeyVault* v = vault_.load(std::memory_order_acquire);
                            return c == nullptr || v == nullptr ? 0
                                                                : static_cast<double>(size(*c, *v));
                          });
    const char* kLookups = "Cache lookups, by cache and result (hit or miss).";
    metrics::Labels hit = labels;
    hit.emplace_back("result", "hit");
    metrics::Labels miss = labels;
    miss.emplace_back("result", "miss");
    registry_.AddCallback("ehsm_cache_lookups_total", "counter", kLookups, hit,
                          [read] { return static_cast<double>(read().first); });
    registry_.AddCallback("ehsm_cache_lookups_total", "counter", kLookups, miss,
                          [read] { return static_cast<double>(read().second); });
    registry_.AddCallback("ehsm_cache_hit_ratio", "gauge",
                          "Hits over lookups since start (0 before any lookup).", labels,
                          [read] {
                            auto [h, m] = read();
                            return Ratio(h, m);
                          });
  }
}

void KmsTelemetry::SetServing(const api::KmsContext& context, const keys::KeyVault& vault,
                              const std::string& dk_id) {
  vault_.store(&vault, std::memory_order_release);
  context_.store(&context, std::memory_order_release);
  std::lock_guard<std::mutex> lock(dk_mu_);
  dk_id_ = dk_id;
}

void KmsTelemetry::Flush() {
  if (access_) access_->Flush();
}

}  // namespace kms::server
