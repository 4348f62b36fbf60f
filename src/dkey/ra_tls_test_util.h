#pragma once
// Test support for the attested channel: sim platforms on one shared platform secret (as a sim
// deployment runs them), identities, and policies naming them.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tee/identity_config.h"
#include "dkey/policy.h"
#include "tee/sim/sim_platform.h"

namespace kms::dkey::testing {

class SimPlatforms {
 public:
  SimPlatforms() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ratls_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~SimPlatforms() { std::filesystem::remove_all(dir_); }

  // A platform on the shared secret claiming `binary`'s default identity, changed by `edit`.
  template <typename Edit>
  std::unique_ptr<tee::SimPlatform> Open(const std::string& binary, Edit edit,
                                         const std::string& secret = "platform.secret") {
    tee::IdentityConfig id = tee::DefaultIdentity(binary, 0);
    edit(id);
    auto p = tee::SimPlatform::Open(
        {.secret_path = (dir_ / secret).string(), .identity = tee::ToTeeIdentity(id)});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return std::move(p).value();
  }
  std::unique_ptr<tee::SimPlatform> Open(const std::string& binary) {
    return Open(binary, [](tee::IdentityConfig&) {});
  }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

inline std::string Hex(const Bytes& b) { return HexEncode(b); }

// A [[role]] entry for exactly `id` (mrsigner and mrenclave).
inline std::string Entry(const std::string& role, const tee::TeeIdentity& id,
                         const std::string& extra = "") {
  return "[[" + role + "]]\nmrsigner = \"" + Hex(id.mrsigner) + "\"\nmrenclave = \"" +
         Hex(id.mrenclave) + "\"\n" + extra;
}

inline Policy MustParse(const std::string& text) {
  auto p = Policy::Parse(text, "policy.toml");
  EXPECT_TRUE(p.ok()) << p.status().message();
  return std::move(p).value();
}

}  // namespace kms::dkey::testing
