#include "common/metrics.h"

#include <charconv>
#include <cmath>
#include <variant>

namespace kms::metrics {
namespace {

std::atomic<size_t> next_thread{0};

// Cells of one histogram shard rounded up to whole 64-byte lines, so neighbouring shards never
// share a line that both threads write.
constexpr size_t kCellsPerLine = 64 / sizeof(std::atomic<uint64_t>);

void AppendNumber(std::string& out, double v) {
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendUint(std::string& out, uint64_t v) { out += std::to_string(v); }

std::string EscapeHelp(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// `{a="x",b="y"}` with `extra` (le="...") last; nothing when there are no labels at all.
void AppendLabels(std::string& out, const Labels& labels, std::string_view extra_name = {},
                  std::string_view extra_value = {}) {
  if (labels.empty() && extra_name.empty()) return;
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out.push_back(',');
    first = false;
    out += k;
    out += "=\"";
    out += EscapeLabelValue(v);
    out.push_back('"');
  }
  if (!extra_name.empty()) {
    if (!first) out.push_back(',');
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace

size_t ThisThreadShard() {
  thread_local const size_t shard = next_thread.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

uint64_t Counter::Value() const {
  uint64_t sum = 0;
  for (const Cell& c : cells_) sum += c.v.load(std::memory_order_relaxed);
  return sum;
}

int64_t Gauge::Value() const {
  int64_t sum = 0;
  for (const Cell& c : cells_) sum += c.v.load(std::memory_order_relaxed);
  return sum;
}

Histogram::Histogram(std::vector<double> bounds_seconds) : bounds_(std::move(bounds_seconds)) {
  for (double b : bounds_) bounds_ns_.push_back(static_cast<int64_t>(std::llround(b * 1e9)));
  const size_t used = bounds_.size() + 3;  // buckets, +Inf, count, sum
  stride_ = (used + kCellsPerLine - 1) / kCellsPerLine * kCellsPerLine;
  cells_ = std::make_unique<std::atomic<uint64_t>[]>(stride_ * kShards);
  for (size_t i = 0; i < stride_ * kShards; ++i) cells_[i].store(0, std::memory_order_relaxed);
}

void Histogram::ObserveNanos(int64_t ns) {
  if (ns < 0) ns = 0;
  size_t bucket = 0;
  while (bucket < bounds_ns_.size() && ns > bounds_ns_[bucket]) ++bucket;
  std::atomic<uint64_t>* shard = &cells_[ThisThreadShard() * stride()];
  const size_t n = bounds_ns_.size() + 1;
  shard[bucket].fetch_add(1, std::memory_order_relaxed);
  shard[n].fetch_add(1, std::memory_order_relaxed);
  shard[n + 1].fetch_add(static_cast<uint64_t>(ns), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  const size_t n = bounds_ns_.size() + 1;
  s.buckets.assign(n, 0);
  for (size_t shard = 0; shard < kShards; ++shard) {
    const std::atomic<uint64_t>* c = &cells_[shard * stride()];
    for (size_t i = 0; i < n; ++i) s.buckets[i] += c[i].load(std::memory_order_relaxed);
    s.count += c[n].load(std::memory_order_relaxed);
    s.sum_ns += c[n + 1].load(std::memory_order_relaxed);
  }
  // Updates from other threads land bucket first, count second: a scrape in between would
  // show a +Inf bucket above the count. Prometheus requires +Inf == count, so take the count
  // from the buckets themselves.
  uint64_t total = 0;
  for (uint64_t b : s.buckets) total += b;
  s.count = total;
  return s;
}

std::vector<double> LatencyBuckets() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
          0.01,    0.025,  0.05,    0.1,    0.25,  0.5,    1,
          2.5,     5,      10};
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

struct Registry::Series {
  Labels labels;
  std::variant<std::unique_ptr<Counter>, std::unique_ptr<Gauge>, std::unique_ptr<Histogram>,
               std::function<double()>, std::function<Labels()>>
      source;
};

struct Registry::Family {
  std::string name;
  std::string type;
  std::string help;
  std::vector<Series> series;
};

Registry::Registry() = default;
Registry::~Registry() = default;

Registry::Family& Registry::FamilyFor(std::string_view name, std::string_view type,
                                      std::string_view help) {
  for (auto& f : families_) {
    if (f->name == name) return *f;
  }
  auto f = std::make_unique<Family>();
  f->name = std::string(name);
  f->type = std::string(type);
  f->help = std::string(help);
  families_.push_back(std::move(f));
  return *families_.back();
}

Counter& Registry::AddCounter(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto c = std::make_unique<Counter>();
  Counter& ref = *c;
  FamilyFor(name, "counter", help).series.push_back({std::move(labels), std::move(c)});
  return ref;
}

Gauge& Registry::AddGauge(std::string_view name, std::string_view help, Labels labels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto g = std::make_unique<Gauge>();
  Gauge& ref = *g;
  FamilyFor(name, "gauge", help).series.push_back({std::move(labels), std::move(g)});
  return ref;
}

Histogram& Registry::AddHistogram(std::string_view name, std::string_view help, Labels labels,
                                  std::vector<double> bounds_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto h = std::make_unique<Histogram>(std::move(bounds_seconds));
  Histogram& ref = *h;
  FamilyFor(name, "histogram", help).series.push_back({std::move(labels), std::move(h)});
  return ref;
}

void Registry::AddCallback(std::string_view name, std::string_view type, std::string_view help,
                           Labels labels, std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  FamilyFor(name, type, help).series.push_back({std::move(labels), std::move(read)});
}

void Registry::AddInfo(std::string_view name, std::string_view help,
                       std::function<Labels()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  FamilyFor(name, "gauge", help).series.push_back({{}, std::move(read)});
}

std::string Registry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& f : families_) {
    out += "# HELP " + f->name + " " + EscapeHelp(f->help) + "\n";
    out += "# TYPE " + f->name + " " + f->type + "\n";
    for (const Series& s : f->series) {
      if (auto* c = std::get_if<std::unique_ptr<Counter>>(&s.source)) {
        out += f->name;
        AppendLabels(out, s.labels);
        out.push_back(' ');
        AppendUint(out, (*c)->Value());
        out.push_back('\n');
      } else if (auto* g = std::get_if<std::unique_ptr<Gauge>>(&s.source)) {
        out += f->name;
        AppendLabels(out, s.labels);
        out += " " + std::to_string((*g)->Value()) + "\n";
      } else if (auto* fn = std::get_if<std::function<double()>>(&s.source)) {
        out += f->name;
        AppendLabels(out, s.labels);
        out.push_back(' ');
        AppendNumber(out, (*fn)());
        out.push_back('\n');
      } else if (auto* info = std::get_if<std::function<Labels()>>(&s.source)) {
        Labels labels = (*info)();
        if (labels.empty()) continue;
        out += f->name;
        AppendLabels(out, labels);
        out += " 1\n";
      } else if (auto* h = std::get_if<std::unique_ptr<Histogram>>(&s.source)) {
        Histogram::Snapshot snap = (*h)->Read();
        uint64_t cumulative = 0;
        for (size_t i = 0; i < snap.buckets.size(); ++i) {
          cumulative += snap.buckets[i];
          std::string le;
          if (i < snap.bounds.size()) {
            AppendNumber(le, snap.bounds[i]);
          } else {
            le = "+Inf";
          }
          out += f->name + "_bucket";
          AppendLabels(out, s.labels, "le", le);
          out.push_back(' ');
          AppendUint(out, cumulative);
          out.push_back('\n');
        }
        out += f->name + "_sum";
        AppendLabels(out, s.labels);
        out.push_back(' ');
        AppendNumber(out, static_cast<double>(snap.sum_ns) / 1e9);
        out += "\n" + f->name + "_count";
        AppendLabels(out, s.labels);
        out.push_back(' ');
        AppendUint(out, snap.count);
        out.push_back('\n');
      }
    }
  }
  return out;
}

}  // namespace kms::metrics
