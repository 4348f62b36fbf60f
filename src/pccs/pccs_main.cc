// ehsm-pccs: a PCCS-compatible collateral server over a directory of collateral files
// (docs/attestation.md, "ehsm-pccs").

#include <cstdio>
#include <iostream>

#include "attest/collateral_dir.h"
#include "common/config_binder.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/stop_signals.h"
#include "net/https_server.h"
#include "net/self_signed_cert.h"
#include "pccs/pccs_config.h"
#include "pccs/pccs_handler.h"

namespace {

kms::StatusOr<kms::net::PemPair> LoadTls(const kms::pccs::PccsConfig& c) {
  if (c.tls_cert.empty()) {
    KMS_RETURN_IF_ERROR(kms::EnsureDirectory(c.data_dir));
    return kms::net::LoadOrCreateSelfSigned(c.data_dir);
  }
  KMS_ASSIGN_OR_RETURN(kms::Bytes cert, kms::ReadFileBytes(c.tls_cert));
  KMS_ASSIGN_OR_RETURN(kms::Bytes key, kms::ReadFileBytes(c.tls_key));
  return kms::net::PemPair{std::string(kms::AsChars(cert)), std::string(kms::AsChars(key))};
}

int Fail(const std::string& what, const kms::Status& s) {
  kms::log::Error("pccs.start_failed", {{"error", s.message()}});
  std::cerr << "ehsm-pccs: " << what << ": " << s.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  auto config = kms::pccs::LoadPccsConfig(argc, argv);
  if (!config.ok()) {
    if (config.status().code() == kms::Code::kAborted) return 0;  // --help / --version
    std::cerr << "ehsm-pccs: " << config.status().message() << "\n";
    return 2;
  }
  kms::log::SetLevel(kms::config::LogLevelFromName(config->log_level));
  kms::log::Info("pccs.config", {{"summary", config->Summary()}});
  auto dir = kms::attest::CollateralDirectory::Load(config->collateral_dir);
  if (!dir.ok()) return Fail("cannot read the collateral", dir.status());
  for (const kms::attest::CollateralBundle& b : (*dir)->bundles()) {
    kms::log::Info("pccs.bundle", {{"file", b.file},
                                   {"tee", b.tdx ? "tdx" : "sgx"},
                                   {"fmspc", kms::HexEncode(b.fmspc)},
                                   {"ca", b.ca}});
  }
  auto tls = LoadTls(*config);
  if (!tls.ok()) return Fail("cannot load the TLS pair", tls.status());

  const sigset_t stop_signals = kms::BlockStopSignals();

  kms::pccs::PccsHandler handler(*dir);
  kms::net::HttpsServerOptions options;
  options.host = config->host;
  options.port = static_cast<uint16_t>(config->port);
  options.threads = config->threads;
  options.max_body_bytes = 1024;  // every request is a GET
  options.cert_pem = tls->cert_pem;
  options.key_pem = std::move(tls->key_pem);
  auto server = kms::net::HttpsServer::Start(options, handler);
  if (!server.ok()) return Fail("cannot start", server.status());
  std::printf("ehsm-pccs listening on port %u\n", static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);

  kms::log::Info("pccs.stopping", {{"signal", kms::WaitForStopSignal(stop_signals)}});
  (*server)->Stop(/*grace_ms=*/5000);
  (*server)->Wait();
  kms::log::Flush();
  return 0;
}
