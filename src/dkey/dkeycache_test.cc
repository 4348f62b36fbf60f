// DkeyCache as a library, with a scripted upstream in place of the dkeyservers and a real KMS
// client on its socket: retries while the upstream is down, the sealed copy across restarts,
// refusal of another key, and serving from memory when the copy cannot be written.

#include "dkey/dkeycache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "attest/dcap_test_util.h"
#include "common/file_util.h"
#include "crypto/random.h"
#include "dkey/local_dk_client.h"
#include "dkey/sealed_dk.h"
#include "dkey/testing/node_fixture.h"
#include "dkey/testing/test_upstream.h"
#include "net/testing/plain_connection.h"

namespace kms::dkey {
namespace {

using ::testing::HasSubstr;
using testing::ScriptedUpstream;

class DkeyCacheTest : public testing::NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    dk_a_ = crypto::RandomBytes(32).value();
    dk_b_ = crypto::RandomBytes(32).value();
  }
  void TearDown() override {
    cache_.reset();
    NodeFixture::TearDown();
  }

  DkeyCacheConfig Config() {
    DkeyCacheConfig c;
    c.dkeyserver = "127.0.0.1:1";
    c.dkeyservers = {c.dkeyserver};
    c.socket = Path("run/dk.sock");
    c.data_dir = Path("data");
    c.host = "127.0.0.1";
    c.health_port = 0;
    c.retry_initial_ms = 2;
    c.retry_max_ms = 10;
    c.revalidate_ms = 5;
    c.identity = CacheIdentity();
    c.identity.platform_secret = secret();
    return c;
  }

  // Starts a cache whose upstream is a fresh ScriptedUpstream, left in upstream_.
  void StartCache(const std::function<void(ScriptedUpstream&)>& script = {}) {
    cache_.reset();
    auto upstream = std::make_unique<ScriptedUpstream>();
    upstream_ = upstream.get();
    if (script) script(*upstream);
    auto started = DkeyCache::Start(Config(), TestPolicy(),
                                    [&](const DkeyCacheConfig&, tee::TeePlatform&,
                                        const Policy&, std::shared_ptr<const attest::CollateralSource>) {
                                      return std::move(upstream);
                                    });
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    cache_ = std::move(started).value();
  }

  StatusOr<FetchedDomainKey> KmsFetch() {
    auto platform = Platform(KmsIdentity());
    Policy policy = TestPolicy();
    return NewLocalDkClient({.socket_path = Config().socket}, *platform, policy)->Fetch();
  }
  net::testing::PlainReply Readyz() { return net::testing::PlainGet(*cache_->health_port(), "/readyz"); }
  std::string IdOf(const Bytes& dk) { return DomainKeyId(dk).value(); }

  Bytes dk_a_, dk_b_;
  ScriptedUpstream* upstream_ = nullptr;
  std::unique_ptr<DkeyCache> cache_;
};

TEST_F(DkeyCacheTest, RetriesWhileTheUpstreamIsDownThenServesTheKey) {
  StartCache();
  ASSERT_TRUE(Eventually([&] { return upstream_->fetches() >= 3; }));
  EXPECT_EQ(cache_->Ready().code(), Code::kUnavailable);
  auto ready = Readyz();
  EXPECT_EQ(ready.status, 503);
  EXPECT_THAT(ready.body, HasSubstr("not ready: no domain key yet: scripted upstream: unavailable"));
  EXPECT_EQ(net::testing::PlainGet(*cache_->health_port(), "/healthz").status, 200);
  EXPECT_EQ(KmsFetch().status().code(), Code::kPermissionDenied);  // refused: none held

  upstream_->Grant(dk_a_);
  ASSERT_TRUE(Eventually([&] { return cache_->Ready().ok(); }));
  EXPECT_EQ(Readyz().status, 200);
  EXPECT_EQ(cache_->dk_id(), IdOf(dk_a_));
  auto got = KmsFetch();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->dk_id, IdOf(dk_a_));
  EXPECT_TRUE(std::filesystem::exists(Path("data/domain_key.sealed")));
}

TEST_F(DkeyCacheTest, DeniedUpstreamIsRetriedAsWell) {
  StartCache([](ScriptedUpstream& u) { u.Deny(); });
  ASSERT_TRUE(Eventually([&] { return upstream_->fetches() >= 3; }));
  EXPECT_THAT(cache_->Ready().message(), HasSubstr("denied"));
  upstream_->Grant(dk_a_);
  EXPECT_TRUE(Eventually([&] { return cache_->Ready().ok(); }));
}

TEST_F(DkeyCacheTest, RestartWhileTheUpstreamIsDownIsReadyFromTheSealedCopy) {
  StartCache([&](ScriptedUpstream& u) { u.Grant(dk_a_); });
  ASSERT_TRUE(Eventually([&] { return cache_->Ready().ok(); }));
  cache_->Stop();
  StartCache();  // upstream down from the start
  EXPECT_TRUE(cache_->Ready().ok());
  EXPECT_EQ(cache_->dk_id(), IdOf(dk_a_));
  ASSERT_TRUE(Eventually([&] { return upstream_->fetches() >= 3; }));
  EXPECT_EQ(Readyz().status, 200);
  auto got = KmsFetch();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->dk_id, IdOf(dk_a_));
}

TEST_F(DkeyCacheTest, AnotherKeyFromUpstreamIsRefusedAndTheHeldOneKept) {
  StartCache([&](ScriptedUpstream& u) { u.Grant(dk_a_); });
  ASSERT_TRUE(Eventually([&] { return cache_->Ready().ok(); }));
  const Bytes sealed = ReadFileBytes(Path("data/domain_key.sealed")).value();
  upstream_->Grant(dk_b_);
  const int seen = upstream_->fetches();
  ASSERT_TRUE(Eventually([&] { return upstream_->fetches() >= seen + 3; }));
  EXPECT_EQ(cache_->dk_id(), IdOf(dk_a_));
  EXPECT_EQ(KmsFetch()->dk_id, IdOf(dk_a_));
  EXPECT_EQ(ReadFileBytes(Path("data/domain_key.sealed")).value(), sealed);
  // And after a restart, the sealed copy still holds the first.
  StartCache([&](ScriptedUpstream& u) { u.Grant(dk_b_); });
  ASSERT_TRUE(Eventually([&] { return upstream_->fetches() >= 3; }));
  EXPECT_EQ(cache_->dk_id(), IdOf(dk_a_));
}

TEST_F(DkeyCacheTest, UnwritableSealedCopyStillServesFromMemory) {
  // A directory where the sealed file goes: no file can be renamed over it.
  std::filesystem::create_directories(Path("data/domain_key.sealed/x"));
  StartCache([&](ScriptedUpstream& u) { u.Grant(dk_a_); });
  ASSERT_TRUE(Eventually([&] { return cache_->Ready().ok(); }));
  auto got = KmsFetch();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->dk_id, IdOf(dk_a_));
  EXPECT_TRUE(std::filesystem::is_directory(Path("data/domain_key.sealed")));
}

TEST_F(DkeyCacheTest, KmsOutsideThePolicyGetsNothing) {
  StartCache([&](ScriptedUpstream& u) { u.Grant(dk_a_); });
  ASSERT_TRUE(Eventually([&] { return cache_->Ready().ok(); }));
  tee::IdentityConfig other = KmsIdentity();
  other.sim_isvprodid = 7;
  other.sim_mrenclave = std::string(64, '1');
  auto platform = Platform(other);
  Policy policy = TestPolicy();
  auto got = NewLocalDkClient({.socket_path = Config().socket}, *platform, policy)->Fetch();
  EXPECT_EQ(got.status().code(), Code::kPermissionDenied);
}

// --collateral-dir with the real DCAP vectors: the upstream gets a source that verifies the
// vector's SGX quote; a directory that cannot be read keeps the cache from starting.
TEST_F(DkeyCacheTest, CollateralDirReachesTheUpstreamOrFailsTheStart) {
  std::filesystem::create_directories(Path("collateral"));
  ASSERT_TRUE(WriteFileAtomic(Path("collateral/sgx-00a067110000.json"),
                              AsBytes(attest::testing::ReadVector("sgx_quote_collateral.json")),
                              0600)
                  .ok());
  DkeyCacheConfig c = Config();
  c.collateral.collateral_dir = Path("collateral");
  std::shared_ptr<const attest::CollateralSource> given;
  auto started = DkeyCache::Start(c, TestPolicy(),
                                  [&](const DkeyCacheConfig&, tee::TeePlatform&, const Policy&,
                                      std::shared_ptr<const attest::CollateralSource> source) {
                                    given = source;
                                    return std::make_unique<ScriptedUpstream>();
                                  });
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  ASSERT_NE(given, nullptr);
  auto verifier = attest::DcapQuoteVerifier::New(given).value();
  auto v = verifier->Verify(attest::testing::QuoteBytes("sgx_quote"),
                            std::chrono::system_clock::time_point(
                                std::chrono::seconds(attest::testing::kSgx.at)));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->verified) << v->error;
  started.value()->Stop();

  c.collateral.collateral_dir = Path("no-such-dir");
  auto refused = DkeyCache::Start(c, TestPolicy(),
                                  [&](const DkeyCacheConfig&, tee::TeePlatform&, const Policy&,
                                      std::shared_ptr<const attest::CollateralSource>) {
                                    return std::make_unique<ScriptedUpstream>();
                                  });
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr(Path("no-such-dir")));
}

}  // namespace
}  // namespace kms::dkey
