#pragma once
// A PccsHandler on a real in-process HTTPS server (loopback, port 0, self-signed), for the
// tests of the handler and of PccsClient. `tamper` may rewrite any answer before it is sent,
// to play a broken or hostile PCCS; `requests` counts what arrived.

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>

#include "attest/dcap_test_util.h"
#include "crypto/test_util.h"
#include "net/https_server.h"
#include "net/self_signed_cert.h"
#include "pccs/pccs_handler.h"

namespace kms::pccs::testing {

// A directory holding the collateral bundles of the named vectors (e.g. "sgx_quote").
inline std::shared_ptr<const attest::CollateralDirectory> VectorDirectory(
    const crypto::testing::TempDir& tmp, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    tmp.Write(std::string(name) + ".json",
              AsBytes(attest::testing::ReadVector(std::string(name) + "_collateral.json")));
  }
  auto dir = attest::CollateralDirectory::Load(tmp.path(""));
  EXPECT_TRUE(dir.ok()) << dir.status().ToString();
  return dir.ok() ? *dir : nullptr;
}

class TestPccs final : public net::HttpHandler {
 public:
  using Tamper = std::function<void(const std::string& target, net::HttpResponse&)>;

  explicit TestPccs(std::shared_ptr<const attest::CollateralDirectory> dir)
      : handler_(std::move(dir)) {
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
  ~TestPccs() override { server_.reset(); }

  void Handle(net::HttpRequest request, net::Responder respond) override {
    ++requests_;
    net::HttpResponse r = handler_.Answer(request.method, request.target);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (tamper_) tamper_(request.target, r);
    }
    respond(std::move(r));
  }

  void set_tamper(Tamper t) {
    std::lock_guard<std::mutex> lock(mu_);
    tamper_ = std::move(t);
  }
  uint16_t port() const { return server_ ? server_->port() : 0; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port()); }
  const std::string& cert_pem() const { return cert_pem_; }
  int requests() const { return requests_.load(); }

 private:
  PccsHandler handler_;
  std::string cert_pem_;
  std::mutex mu_;
  Tamper tamper_;  // guarded by mu_
  std::atomic<int> requests_{0};
  std::unique_ptr<net::HttpsServer> server_;  // last: stopped before the rest goes
};

}  // namespace kms::pccs::testing
