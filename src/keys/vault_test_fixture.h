#pragma once
// A KeyVault on the simulated platform with a fixed domain key, and stored-key helpers, for
// the vault's unit tests.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "keys/key_vault.h"
#include "keys/test_domain_key.h"
#include "tee/sim/sim_platform.h"

namespace kms::keys {

// A key as the store would hold it.
struct StoredKey {
  BlobBinding binding;
  KeySpec spec;
  Origin origin;
  KeyUsage usage;
  Bytes blob;
  KeyRef ref() const { return {binding, spec, origin, usage, ByteView(blob)}; }
};

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_vault_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    platform_ = std::move(tee::SimPlatform::Open(
                              {.secret_path = (dir_ / "secret").string(), .identity = {}}))
                    .value();
    vault_ = std::make_unique<KeyVault>(*platform_, TestDomainKey());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  StoredKey Create(KeySpec spec, KeyUsage usage = KeyUsage::kEncryptDecrypt,
                   Origin origin = Origin::kInternal, const std::string& creator = "app") {
    StoredKey s{{"kid-" + std::to_string(n_++), creator, std::string(Name(spec)),
                 std::string(Name(origin)), std::string(Name(usage))},
                spec,
                origin,
                usage,
                {}};
    auto blob = vault_->CreateKey(s.binding, spec, origin, usage);
    EXPECT_TRUE(blob.ok()) << blob.status().ToString();
    if (blob.ok()) s.blob = *blob;
    return s;
  }

  std::filesystem::path dir_;
  std::unique_ptr<tee::SimPlatform> platform_;
  std::unique_ptr<KeyVault> vault_;
  int n_ = 0;
};

}  // namespace kms::keys
