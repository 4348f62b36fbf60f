#pragma once
// ApiTestEnv: a KmsContext as the server wires it — a real SQLite store in a temp dir, seen
// through a store wrapper the test chooses, a vault with a fixed domain key, an injected clock —
// with one enrolled tenant and helpers to create keys and sign requests.

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include <boost/json/serialize.hpp>

#include "api/action.h"
#include "attest/dcap_verifier.h"
#include "attest/intel_root_ca.h"
#include "crypto/base64.h"
#include "keys/test_domain_key.h"
#include "protocol/canonical.h"
#include "protocol/request_sign.h"
#include "store/sqlite_store.h"
#include "store/testing/forwarding_store.h"
#include "tee/sim/sim_platform.h"

namespace kms::api::testing {

inline constexpr int64_t kStartMs = 1800000000000;

// `Wrapper` is a ForwardingStore subclass constructed from the SQLite store.
template <typename Wrapper>
class ApiTestEnv {
 public:
  // With `attested`, the context has the platform and a verifier that accepts this platform's
  // sim quotes, as ehsm-kms --allow-simulation wires them.
  explicit ApiTestEnv(const Clock& clock, ServiceOptions options = {}, bool attested = false) {
    static std::atomic<int> serial{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_api_env_" + std::to_string(::getpid()) + "_" + std::to_string(serial++));
    std::filesystem::create_directories(dir_);
    sqlite_ = std::move(store::SqliteStore::Open((dir_ / "kms.db").string())).value();
    store_ = std::make_unique<Wrapper>(*sqlite_);
    platform_ = std::move(tee::SimPlatform::Open(
                              {.secret_path = (dir_ / "secret").string(), .identity = {}}))
                    .value();
    vault_ = std::make_unique<keys::KeyVault>(*platform_, keys::TestDomainKey());
    Attestation attestation;
    if (attested) {
      attest::SimulationTrust sim{.allow_simulation = true,
                                  .sim_root_ca_der = platform_->SimRootCaDer().value()};
      attestation = {.platform = platform_.get(),
                     .verifier = std::move(attest::DcapQuoteVerifier::New(
                                               nullptr, attest::IntelSgxRootCaDer(), sim))
                                     .value()};
    }
    ctx_ = std::make_unique<KmsContext>(*store_, *vault_, clock, std::move(options),
                                        std::move(attestation));
    Reply enrolled = Enroll(*ctx_, {"", boost::json::object(), "rid"});
    EXPECT_EQ(enrolled.code, 200) << enrolled.message;
    appid_ = Field(enrolled, "appid");
    apikey_ = Field(enrolled, "apikey");
  }
  ~ApiTestEnv() {
    ctx_.reset();
    vault_.reset();
    store_.reset();
    sqlite_.reset();
    std::filesystem::remove_all(dir_);
  }

  KmsContext& ctx() { return *ctx_; }
  Wrapper& store() { return *store_; }
  const std::string& appid() const { return appid_; }

  // Runs `handler` as the enrolled tenant.
  Reply Run(ActionHandler handler, const boost::json::object& payload) {
    return handler(*ctx_, {appid_, payload, "rid"});
  }
  // A new internal AES-256 key of the tenant; returns its keyid.
  std::string CreateAesKey() {
    Reply created = Run(&CreateKey, {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
    EXPECT_EQ(created.code, 200) << created.message;
    return Field(created, "keyid");
  }
  static boost::json::object EncryptPayload(const std::string& keyid) {
    return {{"keyid", keyid}, {"plaintext", crypto::Base64Encode(AsBytes("hello"))}};
  }
  // A request body signed as the tenant, with `timestamp_ms` and a nonce unique per call.
  std::string SignedBody(const boost::json::object& payload, int64_t timestamp_ms) {
    boost::json::object body{{"appid", appid_},
                             {"nonce", "n" + std::to_string(++nonces_)},
                             {"timestamp", std::to_string(timestamp_ms)},
                             {"payload", payload}};
    body["sign"] = protocol::ComputeRequestSign(
                       apikey_, protocol::SigningString(body, protocol::EmptyValues::kDrop))
                       .value();
    return boost::json::serialize(body);
  }

  static std::string Field(const Reply& r, const char* name) {
    const auto* o = r.result.if_object();
    const auto* v = o != nullptr ? o->if_contains(name) : nullptr;
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> sqlite_;
  std::unique_ptr<Wrapper> store_;
  std::unique_ptr<tee::SimPlatform> platform_;
  std::unique_ptr<keys::KeyVault> vault_;
  std::unique_ptr<KmsContext> ctx_;
  std::string appid_;
  std::string apikey_;
  int nonces_ = 0;
};

}  // namespace kms::api::testing
