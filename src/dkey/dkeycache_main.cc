// ehsm-dkeycache: the node's holder of the domain key. See docs/dkey.md.

#include <signal.h>

#include <cstdio>
#include <iostream>

#include "common/config_binder.h"
#include "common/log.h"
#include "dkey/dkeycache.h"
#include "dkey/dkeycache_config.h"
#include "dkey/dkeycache_upstream.h"
#include "dkey/policy.h"

int main(int argc, char** argv) {
  auto config = kms::dkey::LoadDkeyCacheConfig(argc, argv);
  if (!config.ok()) {
    if (config.status().code() == kms::Code::kAborted) return 0;  // --help / --version
    std::cerr << "ehsm-dkeycache: " << config.status().message() << "\n";
    return 2;
  }
  // The policy is input like the flags: a bad one is a usage error, before anything starts.
  auto policy = kms::dkey::Policy::LoadFile(config->policy);
  if (!policy.ok()) {
    std::cerr << "ehsm-dkeycache: " << policy.status().message() << "\n";
    return 2;
  }
  // Logs go to stderr only: nothing is written outside --data-dir except the socket.
  kms::config::ApplyLogFlags(config->log_level, config->log_format);
  kms::log::Info("dkeycache.config", {{"summary", config->Summary()}});
  kms::log::Info("dkeycache.policy", {{"summary", policy->Summary()}});

  // Block the stop signals in every thread the cache creates; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto cache = kms::dkey::DkeyCache::Start(*config, std::move(policy).value(),
                                           kms::dkey::NewDkeyServerUpstream);
  if (!cache.ok()) {
    kms::log::Error("dkeycache.start_failed", {{"error", cache.status().message()}});
    std::cerr << "ehsm-dkeycache: cannot start: " << cache.status().message() << "\n";
    return 1;
  }
  std::printf("ehsm-dkeycache serving on %s\n", config->socket.c_str());
  if (auto health = (*cache)->health_port()) {
    std::printf("ehsm-dkeycache health on port %u\n", static_cast<unsigned>(*health));
  }
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  kms::log::Info("dkeycache.stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
  (*cache)->Stop();
  kms::log::Flush();
  return 0;
}
