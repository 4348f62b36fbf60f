#pragma once
// LoadRunner: drives N keep-alive connections over T threads (one io_context each) against
// the server, closed-loop (each connection sends its next request when the previous reply
// arrived) or at a fixed total rate. With a fixed rate, latency is measured from the time a
// request was due, not when it was sent, so a stalled server cannot hide its queueing
// (no coordinated omission).

#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "latency_histogram.h"
#include "scenario.h"

namespace kms::bench {

struct RunOptions {
  int connections = 64;
  // One per core by default: one thread saturates near 21k signed Encrypts/s.
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double warmup_s = 1;
  double duration_s = 10;
  uint64_t requests = 0;  // > 0: stop after this many requests instead (no warm-up)
  double rate = 0;        // total requests/s; 0 = closed loop
  bool progress = false;  // one status line per second on stderr
  int server_pid = 0;     // > 0: sample the server's resident memory during the run
};

struct RunResult {
  double seconds = 0;  // length of the measured window
  uint64_t ok = 0;
  uint64_t errors = 0;
  uint64_t connects = 0;
  LatencyHistogram latency;
  std::map<std::string, uint64_t> per_action;   // requests by action
  std::map<std::string, uint64_t> error_kinds;  // "Action: code message" -> count
  double server_cpu_s = -1;  // server CPU time (user + system) during the measured window
  int64_t server_rss_start_kb = -1;
  int64_t server_rss_max_kb = -1;

  double rate() const { return seconds > 0 ? static_cast<double>(ok + errors) / seconds : 0; }
  // Server CPU microseconds per request: unlike req/s, hardly moved by other load on the box.
  double server_cpu_us_per_request() const {
    return server_cpu_s >= 0 && ok + errors > 0 ? 1e6 * server_cpu_s / static_cast<double>(ok + errors)
                                                : -1;
  }
};

RunResult RunLoad(const boost::asio::ip::tcp::endpoint& server, const Fixture& fixture,
                  const std::vector<std::pair<Op, int>>& mix, const RunOptions& options);

// VmRSS of `pid` in KiB from /proc, or -1.
int64_t ReadRssKb(int pid);
// User + system CPU seconds of `pid` from /proc, or -1.
double ReadCpuSeconds(int pid);

}  // namespace kms::bench
