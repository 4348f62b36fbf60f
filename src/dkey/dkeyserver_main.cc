// ehsm-dkeyserver: holds the deployment's domain key. See docs/dkey.md for what this build does
// and what is still to come.

#include <signal.h>

#include <cstdio>
#include <iostream>

#include "common/config_binder.h"
#include "common/log.h"
#include "common/stop_signals.h"
#include "dkey/dkeyserver.h"
#include "dkey/dkeyserver_config.h"
#include "dkey/policy.h"

int main(int argc, char** argv) {
  auto config = kms::dkey::LoadDkeyServerConfig(argc, argv);
  if (!config.ok()) {
    if (config.status().code() == kms::Code::kAborted) return 0;  // --help / --version
    std::cerr << "ehsm-dkeyserver: " << config.status().message() << "\n";
    return 2;
  }
  // The policy is input like the flags: a bad one is a usage error, before anything starts.
  auto policy = kms::dkey::Policy::LoadFile(config->policy);
  if (!policy.ok()) {
    std::cerr << "ehsm-dkeyserver: " << policy.status().message() << "\n";
    return 2;
  }
  // Logs go to stderr only: nothing is written outside --data-dir.
  kms::config::ApplyLogFlags(config->log_level, config->log_format);
  kms::log::Info("dkeyserver.config", {{"summary", config->Summary()}});
  kms::log::Info("dkeyserver.policy", {{"summary", policy->Summary()}});

  // Block the stop signals in every thread the server creates; main waits for them below.
  const sigset_t stop_signals = kms::BlockStopSignals();

  auto server = kms::dkey::DkeyServer::Start(*config, std::move(policy).value());
  if (!server.ok()) {
    kms::log::Error("dkeyserver.start_failed", {{"error", server.status().message()}});
    std::cerr << "ehsm-dkeyserver: cannot start: " << server.status().message() << "\n";
    return 1;
  }
  std::printf("ehsm-dkeyserver listening on port %u\n", static_cast<unsigned>((*server)->port()));
  if (auto health = (*server)->health_port()) {
    std::printf("ehsm-dkeyserver health on port %u\n", static_cast<unsigned>(*health));
  }
  std::fflush(stdout);

  kms::log::Info("dkeyserver.stopping", {{"signal", kms::WaitForStopSignal(stop_signals)}});
  (*server)->Stop();
  kms::log::Flush();
  return 0;
}
