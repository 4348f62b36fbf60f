#pragma once
// Fixture: a fresh data directory and a running ehsm-kms per test.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "ehsm_client.h"
#include "kms_process.h"

namespace kms::testing {

class KmsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    StartServer();
  }
  void TearDown() override {
    client_.reset();
    kms_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartServer(std::vector<std::string> extra = {}) {
    kms_ = std::make_unique<KmsProcess>(data_dir(), extra_args_or(extra));
    ASSERT_NE(kms_->port(), 0) << kms_->output();
    client_ = std::make_unique<EhsmClient>(kms_->port());
  }
  void RestartServer() {
    Credentials saved = client_->credentials();
    client_.reset();
    ASSERT_EQ(kms_->Stop(), 0) << kms_->output();
    StartServer();
    client_->credentials() = saved;
  }
  virtual std::vector<std::string> extra_args_or(std::vector<std::string> extra) { return extra; }

  std::string data_dir() const { return (dir_ / "data").string(); }

  // Creates a key and returns its keyid ("" on failure, with the test failed).
  std::string CreateKey(const std::string& keyspec, const std::string& origin = "EH_INTERNAL_KEY",
                        const std::string& usage = "") {
    boost::json::object p{{"keyspec", keyspec}, {"origin", origin}};
    if (!usage.empty()) p["keyusage"] = usage;
    auto r = client_->Call("CreateKey", p);
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    return ResultString(r, "keyid");
  }

  std::filesystem::path dir_;
  std::unique_ptr<KmsProcess> kms_;
  std::unique_ptr<EhsmClient> client_;
};

}  // namespace kms::testing
