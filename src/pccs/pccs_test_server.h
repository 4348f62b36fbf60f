#pragma once
// A PccsHandler on a real in-process HTTPS server (loopback, port 0, self-signed), over a
// CollateralService with a real SQLite store, for the tests of the handler, of fetch-through
// and of PccsClient. `tamper` may rewrite any answer before it is sent, to play a broken or
// hostile PCCS; `requests` counts what arrived.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>

#include "attest/dcap_test_util.h"
#include "common/thread_pool.h"
#include "crypto/test_util.h"
#include "net/https_server.h"
#include "net/self_signed_cert.h"
#include "pccs/collateral_import.h"
#include "pccs/collateral_service.h"
#include "pccs/pccs_handler.h"
#include "pccs/sqlite_collateral_store.h"

namespace kms::pccs::testing {

// The time inside the collateral window of the named vector (attest/dcap_test_util.h).
inline int64_t VectorTime(const std::string& name) {
  for (const attest::testing::Vector& v :
       {attest::testing::kSgx, attest::testing::kTdx, attest::testing::kTdxOutdated}) {
    if (name == v.name) return v.at;
  }
  ADD_FAILURE() << "no vector " << name;
  return 0;
}

// Imports the bundle of each named vector (e.g. "sgx_quote"), each as of its own time.
inline void ImportVectors(const crypto::testing::TempDir& tmp, CollateralStore& store,
                          std::initializer_list<const char*> names) {
  auto anchor = attest::testing::IntelRoot();
  for (const char* name : names) {
    std::string file = std::string(name) + ".json";
    tmp.Write(file, AsBytes(attest::testing::ReadVector(std::string(name) + "_collateral.json")));
    auto r = ImportPath(tmp.path(file), store, *anchor, VectorTime(name));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }
}

// A SQLite store in `tmp` (file `db`) holding the named vectors.
inline std::unique_ptr<CollateralStore> VectorStore(const crypto::testing::TempDir& tmp,
                                                    std::initializer_list<const char*> names,
                                                    const std::string& db = "pccs.db") {
  auto store = SqliteCollateralStore::Open(tmp.path(db));
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return nullptr;
  ImportVectors(tmp, **store, names);
  return std::move(store).value();
}

class TestPccs final : public net::HttpHandler {
 public:
  using Tamper = std::function<void(const std::string& target, net::HttpResponse&)>;

  // Serves `store`; `options` may carry an upstream and a clock.
  explicit TestPccs(std::unique_ptr<CollateralStore> store, ServiceOptions options = {})
      : pool_(2, 64) {
    auto service = CollateralService::New(std::move(store), std::move(options), metrics_);
    EXPECT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
    handler_ = std::make_unique<PccsHandler>(*service_, metrics_, &pool_);
    auto pair = net::MakeSelfSignedCert("localhost", 30);
    EXPECT_TRUE(pair.ok());
    cert_pem_ = pair->cert_pem;
    net::HttpsServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 1;
    o.cert_pem = pair->cert_pem;
    o.key_pem = pair->key_pem;
    auto server = net::HttpsServer::Start(o, *this);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    if (server.ok()) server_ = std::move(server).value();
  }
  ~TestPccs() override {
    pool_.Shutdown();  // fetch-throughs in flight answer while the server still runs
    server_.reset();
  }

  void Handle(net::HttpRequest request, net::Responder respond) override {
    ++requests_;
    std::string target = request.target;
    handler_->Handle(std::move(request), [this, target, respond](net::HttpResponse r) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (tamper_) tamper_(target, r);
      }
      respond(std::move(r));
    });
  }

  void set_tamper(Tamper t) {
    std::lock_guard<std::mutex> lock(mu_);
    tamper_ = std::move(t);
  }
  uint16_t port() const { return server_ ? server_->port() : 0; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port()); }
  const std::string& cert_pem() const { return cert_pem_; }
  int requests() const { return requests_.load(); }
  CollateralService& service() { return *service_; }
  PccsHandler& handler() { return *handler_; }
  PccsMetrics& metrics() { return metrics_; }

 private:
  PccsMetrics metrics_;
  std::unique_ptr<CollateralService> service_;
  ThreadPool pool_;
  std::unique_ptr<PccsHandler> handler_;
  std::string cert_pem_;
  std::mutex mu_;
  Tamper tamper_;  // guarded by mu_
  std::atomic<int> requests_{0};
  std::unique_ptr<net::HttpsServer> server_;  // last: stopped before the rest goes
};

}  // namespace kms::pccs::testing
