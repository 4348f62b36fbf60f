// The real ehsm-dkeyserver binary: the domain key made once with --init and reused on every
// later start, not ready (saying why) without one, usage errors, the platform secret it
// creates, its health port and SIGTERM. The attested channel and replicas:
// test/integration/dkeyserver_channel_test.cc.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>

#include "common/file_util.h"
#include "common/testing/exposition_parser.h"
#include "crypto/hmac.h"
#include "dkeyserver_output.h"
#include "kms_process.h"
#include "net/testing/plain_connection.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using net::testing::PlainGet;

class DkeyServerProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dkeyserver_it_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    policy_ = (root_ / "policy.toml").string();
    std::ofstream(policy_) << "allow_simulation = true\n[[dkeycache]]\nmrsigner = \""
                           << std::string(64, 'a') << "\"\n";
  }
  void TearDown() override { fs::remove_all(root_); }

  std::unique_ptr<KmsProcess> Start(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--log-level", "info", "--health-port", "0", "--host",
                                     "127.0.0.1"};
    if (std::find(extra.begin(), extra.end(), "--policy") == extra.end()) {
      args.insert(args.end(), {"--policy", policy_});
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<KmsProcess>(data().string(), args,
                                        KmsProcess::BinaryPath("ehsm-dkeyserver"));
  }
  fs::path data() const { return root_ / "data"; }

  static uint16_t HealthPort(const KmsProcess& p) { return DkeyServerHealthPort(p); }
  static unsigned ModeOf(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0xFFFF;
    return st.st_mode & 07777;
  }

  fs::path root_;
  std::string policy_;
};

TEST_F(DkeyServerProcess, InitCreatesTheKeyOnceAndEveryRestartReusesIt) {
  std::string dk_id;
  {
    auto p = Start({"--init"});
    ASSERT_NE(p->port(), 0) << p->output();
    dk_id = LoggedDkId(*p, "dkeyserver.domain_key_created");
    ASSERT_FALSE(dk_id.empty()) << p->output();
    EXPECT_EQ(ModeOf(data() / "domain_key.sealed"), 0600u);
    EXPECT_EQ(ModeOf(data()), 0700u);
    const uint16_t health = HealthPort(*p);
    ASSERT_NE(health, 0) << p->output();
    EXPECT_EQ(PlainGet(health, "/readyz").status, 200);
    EXPECT_EQ(PlainGet(health, "/readyz").body, "ready\n");
    EXPECT_THAT(p->output(), HasSubstr("dkeyserver.config summary="));
    EXPECT_EQ(p->Stop(), 0);
  }
  const Bytes sealed = ReadFileBytes((data() / "domain_key.sealed").string()).value();
  // --init again on a data dir that holds a key: the same key, unsealed, the file untouched.
  {
    auto p = Start({"--init"});
    ASSERT_NE(p->port(), 0) << p->output();
    EXPECT_EQ(LoggedDkId(*p, "dkeyserver.domain_key_loaded"), dk_id) << p->output();
    EXPECT_EQ(LoggedDkId(*p, "dkeyserver.domain_key_created"), "");
    EXPECT_EQ(PlainGet(HealthPort(*p), "/readyz").status, 200);
    EXPECT_EQ(p->Stop(), 0);
  }
  // Without --init: the same.
  {
    auto p = Start({});
    ASSERT_NE(p->port(), 0) << p->output();
    EXPECT_EQ(LoggedDkId(*p, "dkeyserver.domain_key_loaded"), dk_id) << p->output();
    EXPECT_EQ(PlainGet(HealthPort(*p), "/readyz").status, 200);
    EXPECT_EQ(p->Stop(), 0);
  }
  EXPECT_EQ(ReadFileBytes((data() / "domain_key.sealed").string()).value(), sealed);
}

// The health port's /metrics of the real binary: parsed, showing the key it created, and
// closed to a scrape without the token.
TEST_F(DkeyServerProcess, MetricsOnTheHealthPortShowTheKeyBehindTheToken) {
  auto p = Start({"--init", "--metrics-token", "scrape-me"});
  ASSERT_NE(p->port(), 0) << p->output();
  const std::string dk_id = LoggedDkId(*p, "dkeyserver.domain_key_created");
  const uint16_t health = HealthPort(*p);
  EXPECT_EQ(PlainGet(health, "/metrics").status, 401);
  net::testing::PlainReply r = net::testing::PlainRequest(
      health, "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer scrape-me\r\n\r\n");
  ASSERT_EQ(r.status, 200) << r.head;
  auto e = metrics::testing::ParseExposition(r.body);
  ASSERT_TRUE(e.ok()) << e.status().message() << "\n" << r.body;
  EXPECT_EQ(e->Find("ehsm_domain_key_loaded")->value, 1);
  EXPECT_EQ(e->Find("ehsm_ready")->value, 1);
  EXPECT_EQ(e->Find("ehsm_domain_key_info")->labels.at("fingerprint_prefix"), dk_id.substr(0, 8));
  EXPECT_EQ(e->Find("ehsm_build_info")->labels.at("daemon"), "ehsm-dkeyserver");
  EXPECT_THAT(p->output(), ::testing::Not(HasSubstr("scrape-me")));
  EXPECT_EQ(p->Stop(), 0);
}

TEST_F(DkeyServerProcess, WithoutInitAndWithoutAKeyItRunsNotReadySayingWhy) {
  auto p = Start({});
  ASSERT_NE(p->port(), 0) << p->output();
  const uint16_t health = HealthPort(*p);
  ASSERT_NE(health, 0);
  auto ready = PlainGet(health, "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "not ready: no domain key: start with --init or --peer\n");
  EXPECT_EQ(PlainGet(health, "/healthz").status, 200);
  EXPECT_THAT(p->output(), HasSubstr("dkeyserver.not_ready"));
  EXPECT_FALSE(fs::exists(data() / "domain_key.sealed"));
  EXPECT_EQ(p->Stop(), 0);
}

// A sealed key that does not unseal here (the platform secret changed) is never replaced, even
// with --init: the server stays up, not ready, naming the file.
TEST_F(DkeyServerProcess, KeyThatDoesNotUnsealIsKeptAndReported) {
  {
    auto p = Start({"--init"});
    ASSERT_NE(p->port(), 0) << p->output();
    EXPECT_EQ(p->Stop(), 0);
  }
  const Bytes sealed = ReadFileBytes((data() / "domain_key.sealed").string()).value();
  fs::remove(data() / "platform.secret");
  auto p = Start({"--init"});
  ASSERT_NE(p->port(), 0) << p->output();
  auto ready = PlainGet(HealthPort(*p), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("domain_key.sealed cannot be unsealed"));
  EXPECT_EQ(ReadFileBytes((data() / "domain_key.sealed").string()).value(), sealed);
}

TEST_F(DkeyServerProcess, MissingPlatformSecretIsCreatedOwnerOnly) {
  const fs::path secret = root_ / "secrets" / "platform.secret";
  fs::create_directories(secret.parent_path());
  auto p = Start({"--init", "--platform-secret", secret.string()});
  ASSERT_NE(p->port(), 0) << p->output();
  EXPECT_EQ(fs::file_size(secret), 32u);
  EXPECT_EQ(ModeOf(secret), 0600u);
  EXPECT_FALSE(fs::exists(data() / "platform.secret"));
  EXPECT_EQ(p->Stop(), 0);
}

// A platform secret mounted read-only (a Kubernetes Secret) is read, never rewritten; a missing
// one that cannot be created is a start error naming the file.
TEST_F(DkeyServerProcess, ReadOnlyPlatformSecretIsUsedAsIs) {
  const fs::path dir = root_ / "mounted";
  fs::create_directories(dir);
  const Bytes secret(32, 0x5a);
  ASSERT_TRUE(WriteFileAtomic((dir / "platform.secret").string(), secret, 0440).ok());
  {
    auto p = Start({"--init", "--platform-secret", (dir / "platform.secret").string()});
    ASSERT_NE(p->port(), 0) << p->output();
    EXPECT_EQ(p->Stop(), 0);
  }
  EXPECT_EQ(ReadFileBytes((dir / "platform.secret").string()).value(), secret);
  EXPECT_EQ(ModeOf(dir / "platform.secret"), 0440u);
  EXPECT_FALSE(fs::exists(data() / "platform.secret"));
  auto again = Start({"--platform-secret", (dir / "platform.secret").string()});
  ASSERT_NE(again->port(), 0) << again->output();
  EXPECT_EQ(PlainGet(HealthPort(*again), "/readyz").status, 200);  // the key unseals with it
  EXPECT_EQ(again->Stop(), 0);

  auto missing = Start({"--init", "--platform-secret", (root_ / "absent" / "platform.secret").string()});
  EXPECT_EQ(missing->port(), 0);
  EXPECT_EQ(missing->WaitExit(), 1);
  EXPECT_THAT(missing->output(), HasSubstr("platform secret"));
  EXPECT_THAT(missing->output(), HasSubstr((root_ / "absent" / "platform.secret").string()));
}

// --collateral-dir with the real DCAP vectors gives the attested channel its collateral; a
// directory that cannot be read is a start error naming it.
TEST_F(DkeyServerProcess, CollateralDirIsLoadedOrFailsTheStart) {
  const fs::path dir = root_ / "collateral";
  fs::create_directories(dir);
  fs::copy_file(fs::path(KMS_TEST_DATA_DIR) / "dcap" / "sgx_quote_collateral.json",
                dir / "sgx-00a067110000.json");
  {
    auto p = Start({"--init", "--collateral-dir", dir.string()});
    ASSERT_NE(p->port(), 0) << p->output();
    EXPECT_THAT(p->output(), HasSubstr("dkeyserver.collateral_dir"));
    EXPECT_THAT(p->output(), HasSubstr("collateral_dir=" + dir.string()));
    EXPECT_EQ(PlainGet(HealthPort(*p), "/readyz").status, 200);
    EXPECT_EQ(p->Stop(), 0);
  }
  auto bad = Start({"--collateral-dir", (root_ / "no-such-dir").string()});
  EXPECT_EQ(bad->port(), 0);
  EXPECT_EQ(bad->WaitExit(), 1);
  EXPECT_THAT(bad->output(), HasSubstr("ehsm-dkeyserver: cannot start"));
  EXPECT_THAT(bad->output(), HasSubstr((root_ / "no-such-dir").string()));
}

TEST_F(DkeyServerProcess, UsageErrorsExit2WithAClearMessage) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::ofstream(root_ / "bad.toml") << "[[kms]]\nmrsigner = \"short\"\n";
  const std::vector<Case> cases = {
      {{"--port", "http"}, "--port"},
      {{"--sim-mrsigner", "xyz"}, "sim_mrsigner must be 64 hex digits"},
      {{"--tee", "sgx"}, "tee must be sim"},
      {{"--peer", "no-port"}, "peer must be HOST:PORT"},
      {{"--bogus"}, "--bogus"},
      {{"--policy", (root_ / "none.toml").string()}, "none.toml does not exist"},
      {{"--policy", (root_ / "bad.toml").string()}, "[[kms]] entry 1 (line 1): key mrsigner"},
  };
  for (const Case& c : cases) {
    auto p = Start(c.args);
    EXPECT_EQ(p->port(), 0);
    EXPECT_EQ(p->WaitExit(), 2) << c.message;
    EXPECT_THAT(p->output(), HasSubstr("ehsm-dkeyserver: ")) << c.message;
    EXPECT_THAT(p->output(), HasSubstr(c.message));
  }
}

TEST_F(DkeyServerProcess, HelpShowsTheDefaultIdentityAndVersionNamesTheBinary) {
  auto help = Start({"--help"});
  EXPECT_EQ(help->WaitExit(), 0);
  const std::string enclave =
      HexEncode(crypto::Sha256(AsBytes("ehsm-dkeyserver sim mrenclave")).value());
  const std::string signer = HexEncode(crypto::Sha256(AsBytes("ehsm-kms sim mrsigner")).value());
  EXPECT_THAT(help->output(), HasSubstr(enclave));
  EXPECT_THAT(help->output(), HasSubstr(signer));
  EXPECT_THAT(help->output(), HasSubstr("--sim-debug"));
  auto version = Start({"--version"});
  EXPECT_EQ(version->WaitExit(), 0);
  EXPECT_THAT(version->output(), HasSubstr("ehsm-dkeyserver 0.3.2"));
}

}  // namespace
}  // namespace kms::testing
