#include "load_runner.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/rand.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <memory>
#include <thread>

#include "common/bytes.h"

namespace kms::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Counters the progress line reads while the run goes on.
struct LiveCounters {
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> errors{0};
};

struct ThreadState {
  asio::io_context io{1};
  asio::ssl::context tls = MakeClientTls();
  std::unique_ptr<RequestSigner> signer;
  LatencyHistogram latency;
  std::map<std::string, uint64_t> per_action;
  std::map<std::string, uint64_t> error_kinds;
  uint64_t ok = 0, errors = 0, connects = 0;
  LiveCounters live;
};

struct Shared {
  const Fixture& fx;
  std::vector<Op> draw;  // ops repeated by weight, drawn uniformly
  RunOptions opt;
  Clock::time_point start, warm, end;
  std::atomic<uint64_t> issued{0};  // request-count mode
};

asio::awaitable<void> Connection(Shared& sh, ThreadState& ts, asio::ip::tcp::endpoint server,
                                 int index) {
  auto& io = ts.io;
  HttpsConn conn(io, ts.tls, server);
  OpRunner runner(sh.fx, *ts.signer, 0x9e3779b97f4a7c15ULL * (index + 1));
  std::mt19937_64 rng(index * 7919 + 17);
  asio::steady_timer timer(io);
  const bool by_count = sh.opt.requests > 0;
  Clock::duration interval{};
  Clock::time_point due = sh.start;
  if (sh.opt.rate > 0) {
    interval = std::chrono::nanoseconds(
        static_cast<int64_t>(1e9 * sh.opt.connections / sh.opt.rate));
    due += interval * index / sh.opt.connections;
  }
  for (;;) {
    if (sh.opt.rate > 0) {
      if (due > Clock::now()) {
        timer.expires_at(due);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
      }
    } else {
      due = Clock::now();
    }
    if (by_count) {
      if (!runner.mid_operation() && sh.issued.fetch_add(1) >= sh.opt.requests) break;
    } else if (due >= sh.end && !runner.mid_operation()) {
      break;
    }
    Op op = sh.draw[sh.draw.size() == 1 ? 0 : rng() % sh.draw.size()];
    WireRequest w = runner.Next(op);
    HttpResult r = co_await conn.Send(w.post, w.target, std::move(w.body));
    auto done = Clock::now();
    bool ok = runner.OnReply(r);
    if (by_count || (due >= sh.warm && due < sh.end)) {
      ts.latency.Record(static_cast<uint64_t>((done - due).count()));
      ++ts.per_action[std::string(w.action)];
      if (ok) {
        ++ts.ok;
        ts.live.ok.fetch_add(1, std::memory_order_relaxed);
      } else {
        ++ts.errors;
        ts.live.errors.fetch_add(1, std::memory_order_relaxed);
        ++ts.error_kinds[std::string(w.action) + ": " + ReplySummary(r)];
      }
    }
    if (sh.opt.rate > 0) due += interval;
  }
  ts.connects += static_cast<uint64_t>(conn.connects());
}

}  // namespace

int64_t ReadRssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

double ReadCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = stat.rfind(')');  // the command name may contain spaces
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  long long utime = 0, stime = 0;
  fields >> utime >> stime;
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

RunResult RunLoad(const asio::ip::tcp::endpoint& server, const Fixture& fixture,
                  const std::vector<std::pair<Op, int>>& mix, const RunOptions& options) {
  Shared sh{fixture, {}, options, {}, {}, {}, {}};
  for (const auto& [op, w] : mix) {
    for (int i = 0; i < w; ++i) sh.draw.push_back(op);
  }
  int threads = std::max(1, std::min(options.threads, options.connections));
  std::vector<std::unique_ptr<ThreadState>> states;
  unsigned char tag[4];
  RAND_bytes(tag, sizeof(tag));
  for (int t = 0; t < threads; ++t) {
    auto ts = std::make_unique<ThreadState>();
    ts->signer = std::make_unique<RequestSigner>(
        fixture.appid, fixture.apikey, kms::HexEncode(kms::ByteView(tag, 4)) + "t" + std::to_string(t) + "-");
    states.push_back(std::move(ts));
  }
  sh.start = Clock::now();
  bool by_count = options.requests > 0;
  sh.warm = by_count ? sh.start : sh.start + std::chrono::duration_cast<Clock::duration>(
                                                  std::chrono::duration<double>(options.warmup_s));
  sh.end = by_count ? Clock::time_point::max()
                    : sh.warm + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(options.duration_s));
  for (int c = 0; c < options.connections; ++c) {
    ThreadState& ts = *states[c % threads];
    asio::co_spawn(ts.io, Connection(sh, ts, server, c), asio::detached);
  }

  // Progress and memory sampling run on a thread of their own; they only read atomics.
  RunResult result;
  result.server_rss_start_kb = options.server_pid > 0 ? ReadRssKb(options.server_pid) : -1;
  result.server_rss_max_kb = result.server_rss_start_kb;
  std::atomic<bool> running{true};
  double cpu_at_warm = -1, cpu_at_end = -1;
  std::thread monitor([&] {
    uint64_t last = 0;
    auto next = Clock::now();
    int tick = 0;
    while (running.load()) {
      auto step = std::chrono::milliseconds(by_count ? 250 : 50);
      next += step;
      std::this_thread::sleep_until(next);
      if (options.server_pid > 0) {
        auto now = Clock::now();
        if (cpu_at_warm < 0 && now >= sh.warm) cpu_at_warm = ReadCpuSeconds(options.server_pid);
        if (cpu_at_end < 0 && now >= sh.end) cpu_at_end = ReadCpuSeconds(options.server_pid);
      }
      if (options.server_pid > 0) {
        result.server_rss_max_kb = std::max(result.server_rss_max_kb, ReadRssKb(options.server_pid));
      }
      if (!options.progress || ++tick % (by_count ? 4 : 20) != 0) continue;
      uint64_t ok = 0, err = 0;
      for (auto& ts : states) {
        ok += ts->live.ok.load(std::memory_order_relaxed);
        err += ts->live.errors.load(std::memory_order_relaxed);
      }
      double elapsed = std::chrono::duration<double>(Clock::now() - sh.start).count();
      std::fprintf(stderr, "\r  %5.1fs  %9.0f req/s  ok %llu  errors %llu%s   ", elapsed,
                   static_cast<double>(ok + err - last), static_cast<unsigned long long>(ok),
                   static_cast<unsigned long long>(err), err ? "  (ERRORS)" : "");
      last = ok + err;
    }
    if (options.progress) std::fprintf(stderr, "\r%70s\r", "");
  });

  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back([&, t] { states[t]->io.run(); });
  states[0]->io.run();
  for (auto& th : pool) th.join();
  auto finished = Clock::now();
  running = false;
  monitor.join();
  if (options.server_pid > 0) {
    if (cpu_at_end < 0) cpu_at_end = ReadCpuSeconds(options.server_pid);
    if (cpu_at_warm >= 0 && cpu_at_end >= 0) result.server_cpu_s = cpu_at_end - cpu_at_warm;
  }

  result.seconds = by_count ? std::chrono::duration<double>(finished - sh.start).count()
                            : options.duration_s;
  for (auto& ts : states) {
    result.ok += ts->ok;
    result.errors += ts->errors;
    result.connects += ts->connects;
    result.latency.Merge(ts->latency);
    for (auto& [k, v] : ts->per_action) result.per_action[k] += v;
    for (auto& [k, v] : ts->error_kinds) result.error_kinds[k] += v;
  }
  return result;
}

}  // namespace kms::bench
