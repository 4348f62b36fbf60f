// Start-up of the real binary: the modes of the files it creates, and refusals that must be a
// clear message rather than a crash.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ehsm_client.h"
#include "kms_process.h"
#include "net/self_signed_cert.h"
#include "net/testing/test_https_client.h"
#include "server/config.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;

class KmsStartup : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    root_ = fs::temp_directory_path() / ("kms_start_" + std::to_string(getpid()) + "_" + test);
    fs::remove_all(root_);
    fs::create_directories(root_);
    // A permissive umask like an operator's shell: the server must not inherit it.
    old_umask_ = ::umask(022);
  }
  void TearDown() override {
    ::umask(old_umask_);
    fs::remove_all(root_);
  }

  static unsigned ModeOf(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0xFFFF;
    return st.st_mode & 07777;
  }

  // Starts the server with an operator-supplied certificate (root_/op.crt) valid `days` days.
  KmsProcess StartWithOperatorCert(int days) {
    auto pair = net::MakeSelfSignedCert("ehsm-kms", days);
    EXPECT_TRUE(pair.ok());
    std::ofstream(root_ / "op.crt") << pair->cert_pem;
    std::ofstream(root_ / "op.key") << pair->key_pem;
    return KmsProcess((root_ / "data").string(),
                      {"--tls-cert", (root_ / "op.crt").string(), "--tls-key",
                       (root_ / "op.key").string()});
  }

  fs::path root_;
  mode_t old_umask_ = 0;
};

TEST_F(KmsStartup, DataDirIsOwnerOnlyAndEveryFileItCreatesIs0600) {
  fs::path data = root_ / "data";  // does not exist yet: the server creates it
  {
    KmsProcess kms(data.string());
    ASSERT_NE(kms.port(), 0) << kms.output();
    EhsmClient client(kms.port());
    client.Enroll();
    auto reply = client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
    ASSERT_EQ(reply.at("code").as_int64(), 200) << reply;
    // While it runs, SQLite's -wal and -shm exist beside kms.db.
    EXPECT_EQ(ModeOf(data), 0700u);
    int files = 0;
    for (const auto& e : fs::directory_iterator(data)) {
      if (!e.is_regular_file()) continue;
      ++files;
      EXPECT_EQ(ModeOf(e.path()), 0600u) << e.path();
    }
    EXPECT_TRUE(fs::exists(data / "kms.db-wal"));
    EXPECT_TRUE(fs::exists(data / "audit.log"));
    EXPECT_TRUE(fs::exists(data / "tls.crt"));
    EXPECT_GE(files, 5);
    EXPECT_EQ(kms.Stop(), 0);
  }
}

TEST_F(KmsStartup, AuditLogThatCannotBeOpenedRefusesToStartWithAClearMessage) {
  // A directory where the audit file should be: cannot be opened, even by root.
  fs::path audit = root_ / "audit.log";
  fs::create_directories(audit);
  KmsProcess kms((root_ / "data").string(), {"--audit-log", audit.string()});
  EXPECT_EQ(kms.port(), 0);
  EXPECT_EQ(kms.WaitExit(), 1) << kms.output();
  EXPECT_NE(kms.output().find("cannot open audit log " + audit.string()), std::string::npos)
      << kms.output();
}

// An operator's certificate 10 days from notAfter: the server cannot renew it, so it must
// say so at start (and daily after).
TEST_F(KmsStartup, WarnsAtStartWhenTheOperatorsCertificateExpiresWithin30Days) {
  fs::path cert = root_ / "op.crt";
  KmsProcess kms = StartWithOperatorCert(10);
  ASSERT_NE(kms.port(), 0) << kms.output();
  EXPECT_NE(kms.output().find("net.tls_cert_expires_soon path=" + cert.string()),
            std::string::npos)
      << kms.output();
  EXPECT_EQ(kms.Stop(), 0);
}

TEST_F(KmsStartup, NoExpiryWarningForACertificateWithMoreThan30DaysLeft) {
  fs::path cert = root_ / "op.crt";
  KmsProcess kms = StartWithOperatorCert(90);
  ASSERT_NE(kms.port(), 0) << kms.output();
  EXPECT_EQ(kms.output().find("net.tls_cert_expires_soon"), std::string::npos) << kms.output();
  EXPECT_EQ(kms.Stop(), 0);
}

rlimit OpenFileLimit() {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  return lim;
}

// Sets this process's soft open-file limit for the lifetime of the object; children inherit it.
class ScopedSoftFileLimit {
 public:
  explicit ScopedSoftFileLimit(rlim_t soft) : saved_(OpenFileLimit()) {
    rlimit lim = saved_;
    lim.rlim_cur = std::min(soft, lim.rlim_max);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  ~ScopedSoftFileLimit() { setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_;
};

// Containers often start processes at a soft limit of 1024 under a far higher hard limit.
TEST_F(KmsStartup, RaisesTheSoftOpenFileLimitAndDerivesMaxConnectionsFromIt) {
  const rlim_t hard = OpenFileLimit().rlim_max;
  if (hard == RLIM_INFINITY || hard <= 1024) GTEST_SKIP() << "hard limit " << hard;
  ScopedSoftFileLimit low(1024);
  KmsProcess kms((root_ / "data").string(), {"--log-level", "info"});
  ASSERT_NE(kms.port(), 0) << kms.output();
  const auto expected = server::DefaultMaxConnections(static_cast<int64_t>(hard));
  EXPECT_NE(kms.output().find("kms.fd_limit_raised from=1024 to=" + std::to_string(hard)),
            std::string::npos)
      << kms.output();
  EXPECT_NE(kms.output().find("max_connections=" + std::to_string(expected) + " "),
            std::string::npos)
      << kms.output();
  EXPECT_EQ(kms.Stop(), 0);
}

TEST_F(KmsStartup, MaxConnectionsBeyondTheOpenFileLimitRefusesToStartNamingTheFlag) {
  const rlim_t hard = OpenFileLimit().rlim_max;
  if (hard == RLIM_INFINITY || hard > server::kMaxConnectionsLimit) GTEST_SKIP();
  const std::string n = std::to_string(hard);
  KmsProcess kms((root_ / "data").string(), {"--max-connections", n});
  EXPECT_EQ(kms.port(), 0);
  EXPECT_EQ(kms.WaitExit(), 1) << kms.output();
  EXPECT_NE(kms.output().find("--max-connections " + n + " needs more open files"),
            std::string::npos)
      << kms.output();

  KmsProcess bad((root_ / "data2").string(), {"--first-request-timeout-ms", "0"});
  EXPECT_EQ(bad.WaitExit(), 2) << bad.output();
  EXPECT_NE(bad.output().find("--first-request-timeout-ms"), std::string::npos) << bad.output();
}

// The attack from the security review, scaled down: idle TLS connections opened up to twice
// the limit must not keep a new client out.
TEST_F(KmsStartup, IdleConnectionsOverMaxConnectionsDoNotStarveANewClient) {
  constexpr int kLimit = 300;
  constexpr int kIdle = 600;
  // This process keeps about 4 descriptors per test client open.
  ScopedSoftFileLimit room(OpenFileLimit().rlim_max);
  if (OpenFileLimit().rlim_cur < 5 * kIdle + 200) GTEST_SKIP() << "open-file limit too low";
  KmsProcess kms((root_ / "data").string(),
                 {"--max-connections", std::to_string(kLimit), "--threads", "2"});
  ASSERT_NE(kms.port(), 0) << kms.output();
  std::vector<std::unique_ptr<net::testing::TestHttpsClient>> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<net::testing::TestHttpsClient>(kms.port()));
    ASSERT_TRUE(idle.back()->Connect().ok()) << "connection " << i;
  }
  EhsmClient client(kms.port());
  auto reply = client.Get("GetVersion");
  EXPECT_EQ(CodeOf(reply), 200) << reply;
  EXPECT_TRUE(idle.front()->WaitForPeerClose());  // the oldest idle one made room
  EXPECT_EQ(kms.Stop(), 0);
}

// The domain key id a server logged at start ("dk_id=<16 hex digits>", at log level info), or
// "" if none.
std::string LoggedDomainKeyId(const std::string& output) {
  const std::string tag = "dk_id=";
  size_t at = output.find(tag);
  return at == std::string::npos ? "" : output.substr(at + tag.size(), 16);
}

// A data dir whose sealed domain key belongs to another deployment must not start on a store
// of this one: every request would fail one by one. An empty store, and a store whose blobs are
// this domain key's, start as before.
TEST_F(KmsStartup, RefusesAStoreWhoseBlobsWereWrappedByAnotherDomainKey) {
  fs::path a = root_ / "a";
  fs::path b = root_ / "b";
  std::string id_a;
  {
    KmsProcess kms(a.string(), {"--log-level", "info"});
    ASSERT_NE(kms.port(), 0) << kms.output();
    EhsmClient client(kms.port());
    client.Enroll();
    auto reply =
        client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
    ASSERT_EQ(CodeOf(reply), 200) << reply;
    id_a = LoggedDomainKeyId(kms.output());
    EXPECT_EQ(kms.Stop(), 0);
  }
  ASSERT_EQ(id_a.size(), 16u);
  {
    KmsProcess again(a.string());  // its own blobs: starts
    EXPECT_NE(again.port(), 0) << again.output();
    EXPECT_EQ(again.Stop(), 0);
  }
  std::string id_b;
  {
    // An empty store: starts and makes its own domain key.
    KmsProcess fresh(b.string(), {"--log-level", "info"});
    ASSERT_NE(fresh.port(), 0) << fresh.output();
    id_b = LoggedDomainKeyId(fresh.output());
    EXPECT_EQ(fresh.Stop(), 0);
  }
  ASSERT_EQ(id_b.size(), 16u);
  ASSERT_NE(id_a, id_b);

  // B's domain key on A's store, once by pointing B at it and once by copying it into B.
  auto expect_refused = [&](const fs::path& db) {
    KmsProcess swapped(b.string(), {"--sqlite-path", db.string()});
    EXPECT_EQ(swapped.port(), 0) << swapped.output();
    EXPECT_EQ(swapped.WaitExit(), 1) << swapped.output();
    const std::string out = swapped.output();
    EXPECT_NE(out.find("cannot start"), std::string::npos) << out;
    EXPECT_NE(out.find("another domain key"), std::string::npos) << out;
    EXPECT_NE(out.find(id_a), std::string::npos) << out;
    EXPECT_NE(out.find(id_b), std::string::npos) << out;
  };
  expect_refused(a / "kms.db");
  fs::copy_file(a / "kms.db", b / "kms.db", fs::copy_options::overwrite_existing);
  expect_refused(b / "kms.db");
}

}  // namespace
}  // namespace kms::testing
