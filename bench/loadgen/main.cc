// ehsm-bench: load generator for ehsm-kms. Signs every request freshly (unique nonce and
// current timestamp), keeps N TLS connections alive, and reports requests/s, latency
// percentiles and errors. Exit status: 0 ok, 1 the run had errors, 2 bad usage or failed
// setup, 3 the scenario was skipped because the server does not offer it.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdio>
#include <iostream>

#include "load_runner.h"
#include "setup.h"

namespace {

using namespace kms::bench;

double Ms(uint64_t ns) { return static_cast<double>(ns) / 1e6; }

boost::json::object ToJson(const std::string& scenario, const RunOptions& o, const RunResult& r,
                           const SetupResult& s) {
  boost::json::object j;
  j["scenario"] = scenario;
  j["connections"] = o.connections;
  j["threads"] = o.threads;
  j["target_rate"] = o.rate;
  j["seconds"] = r.seconds;
  j["requests_per_second"] = r.rate();
  j["ok"] = r.ok;
  j["errors"] = r.errors;
  j["connects"] = r.connects;
  boost::json::object lat;
  lat["p50_ms"] = Ms(r.latency.Quantile(0.50));
  lat["p90_ms"] = Ms(r.latency.Quantile(0.90));
  lat["p99_ms"] = Ms(r.latency.Quantile(0.99));
  lat["max_ms"] = Ms(r.latency.max_ns());
  lat["mean_ms"] = r.latency.MeanNs() / 1e6;
  j["latency"] = lat;
  boost::json::object actions;
  for (const auto& [k, v] : r.per_action) actions[k] = v;
  j["per_action"] = actions;
  boost::json::object errs;
  for (const auto& [k, v] : r.error_kinds) errs[k] = v;
  j["error_kinds"] = errs;
  boost::json::array notes;
  for (const auto& n : s.notes) notes.emplace_back(n);
  j["notes"] = notes;
  j["server_cpu_us_per_request"] = r.server_cpu_us_per_request();
  j["server_rss_start_kb"] = r.server_rss_start_kb;
  j["server_rss_max_kb"] = r.server_rss_max_kb;
  return j;
}

void PrintHuman(const std::string& scenario, const RunOptions& o, const RunResult& r,
                const SetupResult& s) {
  for (const auto& n : s.notes) std::printf("note: %s\n", n.c_str());
  std::printf("%s: %d connections, %d threads, %s\n", scenario.c_str(), o.connections, o.threads,
              o.rate > 0 ? ("target " + std::to_string(static_cast<int64_t>(o.rate)) + " req/s")
                               .c_str()
                         : "closed loop");
  std::printf("  %.0f requests/s over %.1f s (%llu ok, %llu errors, %llu connects)\n", r.rate(),
              r.seconds, static_cast<unsigned long long>(r.ok),
              static_cast<unsigned long long>(r.errors),
              static_cast<unsigned long long>(r.connects));
  std::printf("  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
              Ms(r.latency.Quantile(0.50)), Ms(r.latency.Quantile(0.90)),
              Ms(r.latency.Quantile(0.99)), Ms(r.latency.max_ns()));
  for (const auto& [k, v] : r.per_action) {
    std::printf("  %-34s %llu\n", k.c_str(), static_cast<unsigned long long>(v));
  }
  if (r.server_cpu_s >= 0) {
    std::printf("  server CPU: %.1f us per request\n", r.server_cpu_us_per_request());
  }
  if (r.server_rss_max_kb >= 0) {
    std::printf("  server RSS: %.1f MiB at start, %.1f MiB peak\n", r.server_rss_start_kb / 1024.0,
                r.server_rss_max_kb / 1024.0);
  }
}

void PrintErrors(const RunResult& r) {
  if (r.errors == 0) return;
  std::fprintf(stderr, "\n!!! %llu ERRORS (%.2f%% of requests) !!!\n",
               static_cast<unsigned long long>(r.errors),
               100.0 * static_cast<double>(r.errors) / static_cast<double>(r.ok + r.errors));
  for (const auto& [k, v] : r.error_kinds) {
    std::fprintf(stderr, "  %8llu  %s\n", static_cast<unsigned long long>(v), k.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ehsm-bench: load generator for ehsm-kms"};
  std::string host = "127.0.0.1";
  int port = 0;
  std::string scenario_name = "encrypt";
  bool list = false, json = false, tsv = false, no_progress = false;
  RunOptions run;
  SetupOptions setup;
  app.add_option("--host", host, "server address (IPv4/IPv6 literal)");
  app.add_option("--port", port, "server port");
  app.add_option("-s,--scenario", scenario_name, "scenario to run (see --list)");
  app.add_flag("--list", list, "list scenarios and exit");
  app.add_option("-c,--connections", run.connections, "keep-alive connections")
      ->check(CLI::PositiveNumber);
  app.add_option("-t,--threads", run.threads, "client threads (one io_context each)")
      ->check(CLI::PositiveNumber);
  app.add_option("-d,--duration", run.duration_s, "measured seconds");
  app.add_option("-w,--warmup", run.warmup_s, "seconds of load before measuring");
  app.add_option("-n,--requests", run.requests, "stop after this many requests (no warm-up)");
  app.add_option("-r,--rate", run.rate, "total requests/s (default: closed loop, as fast as replies come)");
  app.add_option("-k,--keys", setup.aes_keys, "AES-256 keys to create and spread requests over")
      ->check(CLI::PositiveNumber);
  app.add_option("--keys-file", setup.keys_file,
                 "credentials and keyids written by populate_keys (instead of enrolling)");
  app.add_option("--keys-limit", setup.keys_file_limit, "use only the first N keyids of the file");
  app.add_option("--server-pid", run.server_pid, "sample this process's resident memory");
  app.add_flag("--json", json, "print the result as JSON on stdout");
  app.add_flag("--tsv", tsv,
               "print one tab-separated line: scenario, req/s, p50, p90, p99, max (ms), ok, "
               "errors, server RSS at start and peak (KiB), server CPU us/request; or 'scenario skipped reason'");
  app.add_flag("--no-progress", no_progress, "no status line, even on a terminal");
  CLI11_PARSE(app, argc, argv);

  if (list) {
    for (const auto& s : Scenarios()) std::printf("%-14s %s\n", s.name.c_str(), s.what.c_str());
    return 0;
  }
  const ScenarioDef* scenario = FindScenario(scenario_name);
  if (scenario == nullptr || port <= 0) {
    std::fprintf(stderr, "ehsm-bench: %s\n",
                 scenario ? "--port is required" : "unknown scenario (see --list)");
    return 2;
  }
  run.progress = !no_progress && isatty(STDERR_FILENO);

  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) {
    std::fprintf(stderr, "ehsm-bench: bad --host %s\n", host.c_str());
    return 2;
  }
  boost::asio::ip::tcp::endpoint server(address, static_cast<uint16_t>(port));

  Fixture fixture;
  SetupResult s = RunSetup(server, *scenario, setup, fixture);
  if (!s.ok) {
    std::fprintf(stderr, "ehsm-bench: setup failed: %s\n", s.error.c_str());
    return 2;
  }
  if (s.mix.empty()) {
    for (const auto& n : s.notes) std::fprintf(stderr, "ehsm-bench: %s\n", n.c_str());
    std::fprintf(stderr, "ehsm-bench: scenario %s skipped: the server offers none of its "
                 "operations\n", scenario->name.c_str());
    if (json) {
      boost::json::object j{{"scenario", scenario->name}, {"skipped", true}};
      boost::json::array notes;
      for (const auto& n : s.notes) notes.emplace_back(n);
      j["notes"] = notes;
      std::cout << boost::json::serialize(j) << "\n";
    }
    if (tsv) {
      std::string why = s.notes.empty() ? "not offered" : s.notes.front();
      std::printf("%s\tskipped\t%s\n", scenario->name.c_str(), why.c_str());
    }
    return 3;
  }

  RunResult r = RunLoad(server, fixture, s.mix, run);
  if (json) {
    std::cout << boost::json::serialize(ToJson(scenario->name, run, r, s)) << "\n";
  } else if (tsv) {
    std::printf("%s\t%.0f\t%.3f\t%.3f\t%.3f\t%.3f\t%llu\t%llu\t%lld\t%lld\t%.1f\n",
                scenario->name.c_str(), r.rate(), Ms(r.latency.Quantile(0.5)),
                Ms(r.latency.Quantile(0.9)), Ms(r.latency.Quantile(0.99)), Ms(r.latency.max_ns()),
                static_cast<unsigned long long>(r.ok), static_cast<unsigned long long>(r.errors),
                static_cast<long long>(r.server_rss_start_kb),
                static_cast<long long>(r.server_rss_max_kb), r.server_cpu_us_per_request());
  } else {
    PrintHuman(scenario->name, run, r, s);
  }
  PrintErrors(r);
  return r.errors ? 1 : 0;
}
