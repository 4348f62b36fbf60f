#pragma once
// Test fixture pieces for the node-local protocol: a temporary node directory with one
// platform secret, platforms claiming the default identities of ehsm-kms and ehsm-dkeycache,
// and a policy admitting exactly those.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tee/identity_config.h"
#include "dkey/policy.h"
#include "tee/sim/sim_platform.h"

namespace kms::dkey::testing {

class NodeFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short: a Unix socket path must fit in 108 bytes.
    dir_ = std::filesystem::temp_directory_path() /
           ("dk" + std::to_string(::getpid()) + "_" + std::to_string(++counter_));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string secret() const { return Path("platform.secret"); }

  static tee::IdentityConfig KmsIdentity() { return tee::DefaultIdentity("ehsm-kms", 0); }
  static tee::IdentityConfig CacheIdentity() { return tee::DefaultIdentity("ehsm-dkeycache", 0); }

  std::unique_ptr<tee::SimPlatform> Platform(const tee::IdentityConfig& id,
                                             const std::string& secret_path = "") {
    return std::move(tee::SimPlatform::Open(
                         {.secret_path = secret_path.empty() ? secret() : secret_path,
                          .identity = tee::ToTeeIdentity(id)}))
        .value();
  }

  // [[kms]]: ehsm-kms's default enclave only; [[dkeycache]]: ehsm-dkeycache's.
  static std::string PolicyText() {
    return "allow_simulation = true\n[[kms]]\nmrsigner = \"" + KmsIdentity().sim_mrsigner +
           "\"\nmrenclave = \"" + KmsIdentity().sim_mrenclave +
           "\"\n[[dkeycache]]\nmrsigner = \"" + CacheIdentity().sim_mrsigner +
           "\"\nmrenclave = \"" + CacheIdentity().sim_mrenclave + "\"\n";
  }
  static Policy TestPolicy() { return Policy::Parse(PolicyText(), "test policy").value(); }

  // Waits (up to 20 s) until `done` holds; true if it did.
  static bool Eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
  }

  std::filesystem::path dir_;
  static inline int counter_ = 0;
};

}  // namespace kms::dkey::testing
