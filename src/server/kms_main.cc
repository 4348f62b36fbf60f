// ehsm-kms: the KMS REST service. See README.md for how to run it.

#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string_view>

#include "common/log.h"
#include "common/stop_signals.h"
#include "server/audit_command.h"
#include "server/config.h"
#include "server/kms_server.h"
#include "tee/sim/sim_platform.h"
#include "common/file_util.h"

namespace {

// --export-sim-root FILE: the root a verifier pins to accept this platform's sim quotes.
int ExportSimRoot(const kms::server::KmsConfig& c) {
  auto platform = kms::tee::SimPlatform::Open({.secret_path = c.platform_secret, .identity = {}});
  kms::StatusOr<kms::Bytes> root =
      platform.ok() ? (*platform)->SimRootCaDer() : kms::StatusOr<kms::Bytes>(platform.status());
  kms::Status written = root.ok() ? kms::WriteFileAtomic(c.export_sim_root, *root, 0644)
                                  : root.status();
  if (!written.ok()) {
    std::cerr << "ehsm-kms: cannot export the sim root: " << written.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "audit") {
    return kms::server::RunAuditCommand(argc - 1, argv + 1);
  }
  auto config = kms::server::LoadConfig(argc, argv);
  if (!config.ok()) {
    if (config.status().code() == kms::Code::kAborted) return 0;  // --help / --version
    std::cerr << "ehsm-kms: " << config.status().message() << "\n";
    return 2;
  }
  if (!config->export_sim_root.empty()) return ExportSimRoot(*config);
  // Block the stop signals in every thread the server creates; main waits for them below.
  const sigset_t stop_signals = kms::BlockStopSignals();
  kms::BlockReloadSignal();  // SIGHUP reloads the TLS pair (server/tls_reloader.h)

  auto server = kms::server::KmsServer::Start(*config);
  if (!server.ok()) {
    if (server.status().code() == kms::Code::kAborted) {  // SIGTERM/SIGINT while waiting
      kms::log::Info("kms.stopped_before_start", {{"reason", server.status().message()}});
      return 0;
    }
    kms::log::Error("kms.start_failed", {{"error", server.status().message()}});
    std::cerr << "ehsm-kms: cannot start: " << server.status().message() << "\n";
    return 1;
  }
  std::printf("ehsm-kms listening on port %u\n", static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);

  kms::log::Info("kms.stopping", {{"signal", kms::WaitForStopSignal(stop_signals)}});
  (*server)->Stop(/*grace_ms=*/10000);
  return 0;
}
