// The real ehsm-dkeycache (its test build, whose dkeyservers are replaced by a control file:
// "unavailable", "denied" or the key in hex) and ehsm-kms in cluster mode on its socket, as
// processes: health and socket mode, retries while upstream is down, the sealed copy across
// restarts, refusal of another key, and the fingerprint the store records (single mode too).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <thread>

#include "common/bytes.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "ehsm_client.h"
#include "kms_process.h"
#include "net/testing/plain_connection.h"
#include "net/testing/test_https_client.h"
#include "store/sqlite_store.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using net::testing::PlainGet;
using net::testing::TestHttpResponse;
using net::testing::TestHttpsClient;

std::string Sha256Hex(const std::string& s) { return HexEncode(crypto::Sha256(AsBytes(s)).value()); }

// Waits (up to 30 s) until `done` holds; true if it did.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class DkeyCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    // Short: the socket path must fit in a Unix socket address.
    root_ = fs::temp_directory_path() / ("dkc" + std::to_string(getpid()) + "_" +
                                         std::to_string(++counter_));
    fs::remove_all(root_);
    fs::create_directories(root_);
    policy_ = (root_ / "policy.toml").string();
    std::ofstream(policy_) << "allow_simulation = true\n[[kms]]\nmrsigner = \""
                           << Sha256Hex("ehsm-kms sim mrsigner") << "\"\nmrenclave = \""
                           << Sha256Hex("ehsm-kms sim mrenclave") << "\"\n[[dkeycache]]\n"
                           << "mrsigner = \"" << Sha256Hex("ehsm-kms sim mrsigner") << "\"\n";
    dk_a_ = HexEncode(crypto::RandomBytes(32).value());
    dk_b_ = HexEncode(crypto::RandomBytes(32).value());
  }
  void TearDown() override {
    kms_.reset();
    cache_.reset();
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  std::string socket() const { return (root_ / "run" / "dk.sock").string(); }
  std::string control() const { return (root_ / "upstream").string(); }
  std::string cache_data() const { return (root_ / "cache").string(); }
  std::string node_secret() const { return cache_data() + "/platform.secret"; }
  void Upstream(const std::string& answer) {
    std::ofstream(control() + ".tmp") << answer << "\n";
    fs::rename(control() + ".tmp", control());
  }

  void StartCache(std::vector<std::string> extra = {}) {
    setenv("EHSM_DKEYCACHE_TEST_UPSTREAM", control().c_str(), 1);
    std::vector<std::string> args = {"--dkeyserver", "127.0.0.1:1", "--socket", socket(),
                                     "--data-dir", cache_data(), "--policy", policy_,
                                     "--host", "127.0.0.1", "--health-port", "0",
                                     "--retry-initial-ms", "20", "--retry-max-ms", "200",
                                     "--revalidate-ms", "100"};
    args.insert(args.end(), extra.begin(), extra.end());
    cache_ = std::make_unique<KmsProcess>((root_ / "cache-log").string(),
                                          KmsProcess::BinaryPath("ehsm-dkeycache-test-upstream"),
                                          args, "ehsm-dkeycache health on port ([0-9]+)");
  }
  net::testing::PlainReply CacheReadyz() { return PlainGet(cache_->port(), "/readyz"); }

  void StartKms(const std::string& data, std::vector<std::string> extra) {
    kms_ = std::make_unique<KmsProcess>((root_ / data).string(), std::move(extra));
  }
  std::vector<std::string> Cluster(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--log-level", "info", "--run-mode", "cluster",
                                     "--dkeycache-socket", socket(), "--policy", policy_,
                                     "--platform-secret", node_secret(),
                                     "--sqlite-path", (root_ / "kms.db").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  TestHttpResponse KmsGet(const std::string& target) {
    TestHttpsClient client(kms_->port());
    auto r = client.Send("GET", target, "", "");
    return r.ok() ? *r : TestHttpResponse{};
  }
  bool KmsReady() { return KmsGet("/readyz").status == 200; }

  static std::string DkIdOf(const std::string& hex) {
    auto key = HexDecode(hex).value();
    auto mac = crypto::HmacSha256(key, AsBytes("ehsm-kms domain key id")).value();
    return HexEncode(ByteView(mac.data(), 8));
  }

  static unsigned ModeOf(const std::string& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0xFFFF;
    return st.st_mode & 07777;
  }

  fs::path root_;
  std::string policy_;
  std::string dk_a_, dk_b_;
  std::unique_ptr<KmsProcess> cache_;
  std::unique_ptr<KmsProcess> kms_;
  static inline int counter_ = 0;
};

TEST_F(DkeyCluster, CacheRetriesWhileUpstreamIsDownAndServesOnceItAnswers) {
  Upstream("unavailable");
  StartCache();
  ASSERT_NE(cache_->port(), 0) << cache_->output();
  EXPECT_THAT(cache_->output(), HasSubstr("dkeycache.config summary=\"dkeyserver=127.0.0.1:1 socket=" + socket()));
  EXPECT_EQ(ModeOf(socket()), 0660u);
  EXPECT_EQ(ModeOf(cache_data()), 0700u);
  EXPECT_EQ(PlainGet(cache_->port(), "/healthz").status, 200);
  auto ready = CacheReadyz();
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("not ready: no domain key yet"));
  ASSERT_TRUE(Eventually([&] { return Count(cache_->output(), "dkeycache.fetch_retry") >= 3; }))
      << cache_->output();
  EXPECT_TRUE(cache_->running());

  Upstream(dk_a_);
  ASSERT_TRUE(Eventually([&] { return CacheReadyz().status == 200; })) << cache_->output();
  EXPECT_THAT(cache_->output(), HasSubstr("dkeycache.domain_key_obtained dk_id=" + DkIdOf(dk_a_)));
  EXPECT_EQ(ModeOf(cache_data() + "/domain_key.sealed"), 0600u);
  EXPECT_EQ(cache_->Stop(), 0);
  EXPECT_FALSE(fs::exists(socket()));
}

TEST_F(DkeyCluster, CacheRestartedWhileUpstreamIsDownIsReadyFromItsSealedCopy) {
  Upstream(dk_a_);
  StartCache();
  ASSERT_TRUE(Eventually([&] { return CacheReadyz().status == 200; })) << cache_->output();
  EXPECT_EQ(cache_->Stop(), 0);
  Upstream("unavailable");
  StartCache();
  ASSERT_NE(cache_->port(), 0) << cache_->output();
  EXPECT_EQ(CacheReadyz().status, 200);
  EXPECT_THAT(cache_->output(), HasSubstr("dkeycache.domain_key_loaded dk_id=" + DkIdOf(dk_a_)));
  ASSERT_TRUE(Eventually([&] { return Count(cache_->output(), "dkeycache.fetch_retry") >= 2; }));
  EXPECT_EQ(CacheReadyz().status, 200);
}

TEST_F(DkeyCluster, CacheRefusesAnotherKeyAndKeepsItsOwn) {
  Upstream(dk_a_);
  StartCache();
  ASSERT_TRUE(Eventually([&] { return CacheReadyz().status == 200; })) << cache_->output();
  Upstream(dk_b_);
  ASSERT_TRUE(Eventually([&] {
    return cache_->output().find("dkeycache.domain_key_mismatch") != std::string::npos;
  })) << cache_->output();
  EXPECT_THAT(cache_->output(), HasSubstr("held_dk_id=" + DkIdOf(dk_a_) +
                                          " offered_dk_id=" + DkIdOf(dk_b_)));
  EXPECT_EQ(CacheReadyz().status, 200);
  // A KMS on the node still gets the held key.
  StartKms("kms", Cluster());
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  ASSERT_TRUE(Eventually([&] { return KmsReady(); })) << kms_->output();
  EXPECT_THAT(kms_->output(), HasSubstr("kms.domain_key_obtained dk_id=" + DkIdOf(dk_a_)));
}

TEST_F(DkeyCluster, CacheUsageErrorsExit2) {
  auto p = std::make_unique<KmsProcess>((root_ / "usage").string(),
                                        KmsProcess::BinaryPath("ehsm-dkeycache"),
                                        std::vector<std::string>{"--data-dir", cache_data(),
                                                                 "--policy", policy_},
                                        "never printed ([0-9]+)");
  EXPECT_EQ(p->WaitExit(), 2);
  EXPECT_THAT(p->output(), HasSubstr("ehsm-dkeycache: --dkeyserver is required"));
}

TEST_F(DkeyCluster, ClusterKmsWaitsForTheKeyAnsweringOnlyGetVersionThenServes) {
  Upstream("unavailable");
  StartCache();
  ASSERT_NE(cache_->port(), 0) << cache_->output();
  StartKms("kms", Cluster());
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  TestHttpResponse ready = KmsGet("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "not ready: waiting for the domain key from the dkeycache\n");
  EXPECT_EQ(KmsGet("/healthz").status, 200);
  EhsmClient api(kms_->port());
  EXPECT_EQ(CodeOf(api.Get("GetVersion")), 200);
  EXPECT_EQ(CodeOf(api.Get("Enroll")), 500);
  ASSERT_TRUE(Eventually([&] { return Count(kms_->output(), "kms.domain_key_retry") >= 2; }))
      << kms_->output();

  Upstream(dk_a_);
  ASSERT_TRUE(Eventually([&] { return KmsReady(); })) << kms_->output() << cache_->output();
  EXPECT_EQ(CodeOf(api.Get("Enroll")), 200);
  EXPECT_THAT(cache_->output(), HasSubstr("dkeycache.domain_key_granted uid="));
  // The first KMS of the deployment recorded the fingerprint.
  EXPECT_EQ(kms_->Stop(), 0);
  auto store = store::SqliteStore::Open((root_ / "kms.db").string());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->GetDomainKeyId().value(), DkIdOf(dk_a_));
}

TEST_F(DkeyCluster, ClusterKmsWithAnotherKeyThanTheStoreRecordsRefusesToServe) {
  Upstream(dk_a_);
  StartCache();
  StartKms("kms-a", Cluster());
  ASSERT_TRUE(Eventually([&] { return KmsReady(); })) << kms_->output();
  EXPECT_EQ(kms_->Stop(), 0);
  cache_.reset();
  // The node's dkeycache lost its data and was handed another key (a re-initialised
  // dkeyserver): the KMS on the same store must refuse it.
  fs::remove_all(cache_data());
  Upstream(dk_b_);
  StartCache();
  ASSERT_TRUE(Eventually([&] { return CacheReadyz().status == 200; })) << cache_->output();
  StartKms("kms-b", Cluster());
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  ASSERT_TRUE(Eventually([&] {
    return kms_->output().find("kms.domain_key_mismatch") != std::string::npos;
  })) << kms_->output();
  EXPECT_THAT(kms_->output(), HasSubstr("dk_id=" + DkIdOf(dk_b_) + " store_dk_id=" + DkIdOf(dk_a_)));
  TestHttpResponse ready = KmsGet("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("domain key mismatch"));
  EhsmClient api(kms_->port());
  EXPECT_EQ(CodeOf(api.Get("GetVersion")), 200);
  EXPECT_EQ(CodeOf(api.Get("Enroll")), 500);
  EXPECT_EQ(KmsGet("/healthz").status, 200);
}

TEST_F(DkeyCluster, KmsIdentityOutsideThePolicyGetsNothing) {
  Upstream(dk_a_);
  StartCache();
  ASSERT_TRUE(Eventually([&] { return CacheReadyz().status == 200; })) << cache_->output();
  StartKms("kms", Cluster({"--sim-mrenclave", std::string(64, 'c')}));
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  ASSERT_TRUE(Eventually([&] {
    return cache_->output().find("dkeycache.domain_key_refused") != std::string::npos;
  })) << cache_->output();
  EXPECT_THAT(cache_->output(), HasSubstr("mrenclave"));
  EXPECT_EQ(KmsGet("/readyz").status, 503);
  EhsmClient api(kms_->port());
  EXPECT_EQ(CodeOf(api.Get("Enroll")), 500);
}

TEST_F(DkeyCluster, SingleModeRecordsTheFingerprintAndRefusesAnotherKey) {
  const std::string db = (root_ / "shared.db").string();
  StartKms("single-a", {"--log-level", "info", "--sqlite-path", db});
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  std::smatch m;
  std::string out = kms_->output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("kms.domain_key_ready dk_id=([0-9a-f]{16})")))
      << out;
  const std::string first = m[1];
  EXPECT_EQ(kms_->Stop(), 0);
  {
    auto store = store::SqliteStore::Open(db);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->GetDomainKeyId().value(), first);
  }
  // Another data dir (another sealed key) on the same, still empty, store.
  StartKms("single-b", {"--log-level", "info", "--sqlite-path", db});
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  EXPECT_THAT(kms_->output(), HasSubstr("kms.domain_key_mismatch"));
  EXPECT_THAT(kms_->output(), HasSubstr("store_dk_id=" + first));
  TestHttpResponse ready = KmsGet("/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("the store records dk_id " + first));
  EhsmClient api(kms_->port());
  EXPECT_EQ(CodeOf(api.Get("GetVersion")), 200);
  EXPECT_EQ(CodeOf(api.Get("Enroll")), 500);
}

}  // namespace
}  // namespace kms::testing
