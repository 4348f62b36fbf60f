// ehsm-pccs: a PCCS-compatible collateral server over a SQLite or CouchDB store, filled by
// `ehsm-pccs import` and optionally from an upstream PCS (docs/attestation.md, "ehsm-pccs").

#include <string.h>

#include <cctype>
#include <cstdio>
#include <iostream>

#include "attest/cert_chain.h"
#include "attest/intel_root_ca.h"
#include "common/config_binder.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/stop_signals.h"
#include "common/thread_pool.h"
#include "net/https_server.h"
#include "net/self_signed_cert.h"
#include "pccs/collateral_import.h"
#include "pccs/collateral_service.h"
#include "pccs/couch_collateral_store.h"
#include "pccs/pccs_config.h"
#include "pccs/pccs_handler.h"
#include "pccs/sqlite_collateral_store.h"
#include "pccs/status_report.h"

namespace {

using kms::pccs::PccsConfig;

kms::StatusOr<kms::net::PemPair> LoadTls(const PccsConfig& c) {
  if (c.tls_cert.empty()) {
    KMS_RETURN_IF_ERROR(kms::EnsureDirectory(c.data_dir));
    return kms::net::LoadOrCreateSelfSigned(c.data_dir);
  }
  KMS_ASSIGN_OR_RETURN(kms::Bytes cert, kms::ReadFileBytes(c.tls_cert));
  KMS_ASSIGN_OR_RETURN(kms::Bytes key, kms::ReadFileBytes(c.tls_key));
  return kms::net::PemPair{std::string(kms::AsChars(cert)), std::string(kms::AsChars(key))};
}

int Fail(const std::string& what, const kms::Status& s) {
  kms::log::Error("pccs.failed", {{"what", what}, {"error", s.message()}});
  std::cerr << "ehsm-pccs: " << what << ": " << s.message() << "\n";
  return 1;
}

int64_t VerificationTime(const PccsConfig& c) {
  return c.at != 0 ? c.at : kms::SystemClock::Instance().NowMs() / 1000;
}

kms::StatusOr<std::unique_ptr<kms::pccs::CollateralStore>> OpenStore(const PccsConfig& c) {
  if (c.store == "couchdb") {
    kms::store::CouchOptions o;
    o.url = c.couchdb_url;
    o.username = c.couchdb_user;
    o.password = c.couchdb_password;
    o.database = c.couchdb_db;
    o.ca_file = c.couchdb_ca_file;
    o.request_timeout = std::chrono::milliseconds(c.couchdb_timeout_ms);
    KMS_ASSIGN_OR_RETURN(auto couch, kms::pccs::CouchCollateralStore::Open(std::move(o)));
    return std::unique_ptr<kms::pccs::CollateralStore>(std::move(couch));
  }
  KMS_RETURN_IF_ERROR(kms::EnsureDirectory(c.data_dir));
  KMS_ASSIGN_OR_RETURN(auto sqlite, kms::pccs::SqliteCollateralStore::Open(c.DbPath()));
  return std::unique_ptr<kms::pccs::CollateralStore>(std::move(sqlite));
}

// Verifies and stores `path`, printing one line per item. 0, or 1 with the refusals.
int Import(const std::string& path, kms::pccs::CollateralStore& store, int64_t at) {
  auto anchor = kms::attest::CertFromDer(kms::attest::IntelSgxRootCaDer());
  if (!anchor.ok()) return Fail("pinned root", anchor.status());
  auto imported = kms::pccs::ImportPath(path, store, **anchor, at);
  if (!imported.ok()) return Fail("import of " + path + " refused", imported.status());
  for (const kms::pccs::ImportedItem& i : *imported) {
    std::string outcome(kms::pccs::PutOutcomeName(i.outcome));
    kms::log::Info("pccs.imported", {{"item", i.description}, {"source", i.source},
                                     {"outcome", outcome}, {"next_update", i.next_update}});
    std::printf("%s: %s (valid until %s) from %s\n", outcome.c_str(), i.description.c_str(),
                kms::pccs::FormatUtc(i.next_update).c_str(), i.source.c_str());
  }
  return 0;
}

// Prints what is held. 0; 1 when it printed warnings or cannot read the store.
int Status(kms::pccs::CollateralStore& store, int64_t now) {
  auto items = store.List();
  if (!items.ok()) return Fail("cannot read the store", items.status());
  kms::pccs::StatusReport r = kms::pccs::MakeStatusReport(*items, now);
  std::fputs(r.text.c_str(), stdout);
  // For monitoring and cron: something expires within a week (or has expired).
  return r.warnings > 0 ? 1 : 0;
}

kms::StatusOr<std::unique_ptr<kms::pccs::UpstreamPcs>> MakeUpstream(const PccsConfig& c) {
  if (c.upstream.empty()) return std::unique_ptr<kms::pccs::UpstreamPcs>();
  kms::pccs::UpstreamOptions o;
  o.url = c.upstream;
  o.root_ca_crl_url = c.root_ca_crl_url;
  o.http.ca_file = c.upstream_ca_file;
  o.http.insecure = c.upstream_insecure;
  if (!c.api_key_file.empty()) {
    KMS_ASSIGN_OR_RETURN(kms::Bytes key, kms::ReadFileBytes(c.api_key_file));
    o.api_key.assign(kms::AsChars(key));
    while (!o.api_key.empty() && std::isspace(static_cast<unsigned char>(o.api_key.back()))) {
      o.api_key.pop_back();
    }
    explicit_bzero(key.data(), key.size());
  }
  return kms::pccs::UpstreamPcs::New(std::move(o));
}

int Serve(const PccsConfig& config, std::unique_ptr<kms::pccs::CollateralStore> store) {
  if (!config.collateral_dir.empty()) {
    int rc = Import(config.collateral_dir, *store, VerificationTime(config));
    if (rc != 0) return rc;
  }
  auto tls = LoadTls(config);
  if (!tls.ok()) return Fail("cannot load the TLS pair", tls.status());
  auto upstream = MakeUpstream(config);
  if (!upstream.ok()) return Fail("upstream", upstream.status());

  const sigset_t stop_signals = kms::BlockStopSignals();
  kms::pccs::PccsMetrics metrics;
  kms::pccs::ServiceOptions so;
  so.upstream = std::move(upstream).value();
  so.refresh_ahead_s = config.refresh_ahead;
  auto service = kms::pccs::CollateralService::New(std::move(store), std::move(so), metrics);
  if (!service.ok()) return Fail("cannot read the store", service.status());
  kms::ThreadPool fetchers(/*threads=*/2, /*max_queue=*/256);
  kms::pccs::PccsHandler handler(**service, metrics, &fetchers);
  kms::net::HttpsServerOptions options;
  options.host = config.host;
  options.port = static_cast<uint16_t>(config.port);
  options.threads = config.threads;
  options.max_body_bytes = 1024;  // every request is a GET
  options.cert_pem = tls->cert_pem;
  options.key_pem = std::move(tls->key_pem);
  auto server = kms::net::HttpsServer::Start(options, handler);
  if (!server.ok()) return Fail("cannot start", server.status());
  (*service)->StartRefresher();
  kms::log::Info("pccs.serving", {{"items", (*service)->View()->items().size()},
                                  {"port", (*server)->port()}});
  std::printf("ehsm-pccs listening on port %u\n", static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);

  kms::log::Info("pccs.stopping", {{"signal", kms::WaitForStopSignal(stop_signals)}});
  (*server)->Stop(/*grace_ms=*/5000);
  (*server)->Wait();
  (*service)->StopRefresher();
  fetchers.Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto config = kms::pccs::LoadPccsConfig(argc, argv);
  if (!config.ok()) {
    if (config.status().code() == kms::Code::kAborted) return 0;  // --help / --version
    std::cerr << "ehsm-pccs: " << config.status().message() << "\n";
    return 2;
  }
  kms::config::ApplyLogFlags(config->log_level, config->log_format);
  kms::log::Info("pccs.config", {{"summary", config->Summary()}});
  auto store = OpenStore(*config);
  if (!store.ok()) return Fail("cannot open " + config->StoreName(), store.status());
  int rc = 0;
  switch (config->command) {
    case kms::pccs::PccsCommand::kImport:
      rc = Import(config->import_path, **store, VerificationTime(*config));
      break;
    case kms::pccs::PccsCommand::kStatus:
      rc = Status(**store, VerificationTime(*config));
      break;
    case kms::pccs::PccsCommand::kServe:
      rc = Serve(*config, std::move(store).value());
      break;
  }
  kms::log::Flush();
  return rc;
}
