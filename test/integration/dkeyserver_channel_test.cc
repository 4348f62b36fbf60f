// The real ehsm-dkeyserver serving the domain key over the attested channel: to an allowed
// dkeycache (a client in this test, with the daemons' shared sim platform secret), never to
// anyone else, not held up by garbage; and replicas (--peer) that obtain the same key, serve it
// with the first dkeyserver stopped, and refuse a peer whose key differs from their own.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <thread>

#include "tee/identity_config.h"
#include "dkey/ra_tls_upstream.h"
#include "dkeyserver_output.h"
#include "kms_process.h"
#include "net/testing/plain_connection.h"
#include "tee/sim/sim_platform.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
using dkey::Role;
using ::testing::HasSubstr;
using net::testing::PlainGet;

std::string EntryFor(const std::string& role, const std::string& binary, bool debug_ok = false) {
  tee::IdentityConfig id = tee::DefaultIdentity(binary, 0);
  return "[[" + role + "]]\nmrsigner = \"" + id.sim_mrsigner + "\"\nmrenclave = \"" +
         id.sim_mrenclave + "\"\n" + (debug_ok ? "allow_debug = true\n" : "");
}

// Polls `done` every 100 ms for up to 30 s (a liveness bound, not a timing assertion).
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

class DkeyServerChannel : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("dkeyserver_channel_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    policy_ = (root_ / "policy.toml").string();
    std::ofstream(policy_) << "allow_simulation = true\n"
                           << EntryFor("dkeyserver", "ehsm-dkeyserver")
                           << EntryFor("dkeycache", "ehsm-dkeycache");
  }
  void TearDown() override { fs::remove_all(root_); }

  // A dkeyserver on data dir root_/<name>, sharing the platform secret root_/platform.secret.
  std::unique_ptr<KmsProcess> Start(const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {"--log-level", "info", "--health-port", "0", "--host",
                                     "127.0.0.1", "--policy", policy_, "--platform-secret",
                                     secret()};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<KmsProcess>((root_ / name).string(), args,
                                        KmsProcess::BinaryPath("ehsm-dkeyserver"));
  }
  std::string secret() const { return (root_ / "platform.secret").string(); }

  std::unique_ptr<tee::SimPlatform> Platform(const std::string& binary, bool debug = false) {
    tee::IdentityConfig id = tee::DefaultIdentity(binary, 0);
    id.sim_debug = debug;
    auto p = tee::SimPlatform::Open({.secret_path = secret(), .identity = tee::ToTeeIdentity(id)});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return std::move(p).value();
  }

  StatusOr<dkey::FetchedDomainKey> Fetch(uint16_t port, const std::string& binary,
                                         bool debug = false) {
    auto platform = Platform(binary, debug);
    auto up = dkey::RaTlsUpstream::New(
        {.sources = {"127.0.0.1:" + std::to_string(port)}, .role = Role::kDkeyCache}, *platform,
        dkey::Policy::LoadFile(policy_).value());
    EXPECT_TRUE(up.ok()) << up.status().message();
    return (*up)->Fetch();
  }

  static uint16_t HealthPort(const KmsProcess& p) { return DkeyServerHealthPort(p); }
  static bool Ready(const KmsProcess& p) { return PlainGet(HealthPort(p), "/readyz").status == 200; }

  fs::path root_;
  std::string policy_;
};

TEST_F(DkeyServerChannel, AllowedCacheGetsTheKeyAndOthersGetNothing) {
  auto server = Start("a", {"--init"});
  ASSERT_NE(server->port(), 0) << server->output();
  const std::string dk_id = LoggedDkId(*server, "dkeyserver.domain_key_created");
  ASSERT_FALSE(dk_id.empty()) << server->output();

  auto got = Fetch(server->port(), "ehsm-dkeycache");
  ASSERT_TRUE(got.ok()) << got.status().message() << server->output();
  EXPECT_EQ(got->dk_id, dk_id);
  EXPECT_TRUE(Eventually([&] { return server->output().find("dkeyserver.dk_released") != std::string::npos; }));
  const std::string cache_enclave = tee::DefaultIdentity("ehsm-dkeycache", 0).sim_mrenclave;
  EXPECT_THAT(server->output(), HasSubstr(cache_enclave));
  EXPECT_THAT(server->output(), ::testing::Not(HasSubstr(HexEncode(got->dk.view()))));

  // Outside [[dkeycache]], and a debug build of an allowed cache: nothing, and logged.
  EXPECT_EQ(Fetch(server->port(), "ehsm-kms").status().code(), Code::kPermissionDenied);
  EXPECT_EQ(Fetch(server->port(), "ehsm-dkeycache", /*debug=*/true).status().code(),
            Code::kPermissionDenied);
  EXPECT_TRUE(Eventually([&] { return server->output().find("dkeyserver.dk_refused") != std::string::npos; }));
  EXPECT_THAT(server->output(), HasSubstr("allow_debug is false"));
  EXPECT_EQ(server->Stop(), 0);
}

TEST_F(DkeyServerChannel, GarbageIsDroppedAndDoesNotBlockAnAllowedCache) {
  auto server = Start("a", {"--init"});
  ASSERT_NE(server->port(), 0) << server->output();
  net::testing::PlainConnection staller(server->port(), 100);
  ASSERT_TRUE(staller.connected());
  net::testing::PlainConnection garbage(server->port(), 10000);
  ASSERT_TRUE(garbage.connected());
  garbage.Send("GET / HTTP/1.0\r\n\r\n");  // upstream eHSM's request for the key
  bool closed = false;
  garbage.ReadAll(&closed);
  EXPECT_TRUE(closed);
  auto got = Fetch(server->port(), "ehsm-dkeycache");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_THAT(server->output(), HasSubstr("dkeyserver.connection_dropped"));
  EXPECT_EQ(server->Stop(), 0);
}

TEST_F(DkeyServerChannel, ReplicaObtainsTheKeyAndServesItWithThePeerStopped) {
  auto first = Start("a", {"--init"});
  ASSERT_NE(first->port(), 0) << first->output();
  const std::string dk_id = LoggedDkId(*first, "dkeyserver.domain_key_created");
  auto replica = Start("b", {"--peer", "127.0.0.1:" + std::to_string(first->port())});
  ASSERT_NE(replica->port(), 0) << replica->output();
  ASSERT_TRUE(Eventually([&] { return Ready(*replica); })) << replica->output();
  EXPECT_EQ(LoggedDkId(*replica, "dkeyserver.domain_key_obtained"), dk_id) << replica->output();
  EXPECT_TRUE(fs::exists(root_ / "b" / "domain_key.sealed"));
  EXPECT_THAT(first->output(), HasSubstr("role=dkeyserver"));

  EXPECT_EQ(first->Stop(), 0);
  auto got = Fetch(replica->port(), "ehsm-dkeycache");
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->dk_id, dk_id);
  // Restarted while its peer is still down: it serves its own sealed copy.
  EXPECT_EQ(replica->Stop(), 0);
  replica = Start("b", {"--peer", "127.0.0.1:" + std::to_string(first->port())});
  ASSERT_NE(replica->port(), 0) << replica->output();
  EXPECT_EQ(LoggedDkId(*replica, "dkeyserver.domain_key_loaded"), dk_id);
  EXPECT_TRUE(Ready(*replica));
  EXPECT_EQ(Fetch(replica->port(), "ehsm-dkeycache").value().dk_id, dk_id);
}

TEST_F(DkeyServerChannel, ReplicaWithoutAReachablePeerIsNotReadyAndSaysWhy) {
  auto replica = Start("b", {"--peer", "127.0.0.1:1"});
  ASSERT_NE(replica->port(), 0) << replica->output();
  std::string body;
  EXPECT_TRUE(Eventually([&] {
    auto r = PlainGet(HealthPort(*replica), "/readyz");
    body = r.body;
    return r.status == 503 && body.find("connect failed") != std::string::npos;
  })) << body;
  EXPECT_THAT(body, HasSubstr("obtaining it from --peer 127.0.0.1:1"));
  EXPECT_THAT(replica->output(), HasSubstr("dkeyserver.peer_fetch_failed"));
  EXPECT_EQ(replica->Stop(), 0);
}

TEST_F(DkeyServerChannel, ReplicaWithADifferentKeyRefusesThePeersKey) {
  auto first = Start("a", {"--init"});
  ASSERT_NE(first->port(), 0) << first->output();
  const std::string first_id = LoggedDkId(*first, "dkeyserver.domain_key_created");
  std::string own_id;
  {
    auto other = Start("b", {"--init"});
    ASSERT_NE(other->port(), 0) << other->output();
    own_id = LoggedDkId(*other, "dkeyserver.domain_key_created");
    EXPECT_EQ(other->Stop(), 0);
  }
  ASSERT_NE(own_id, first_id);
  auto replica = Start("b", {"--peer", "127.0.0.1:" + std::to_string(first->port())});
  ASSERT_NE(replica->port(), 0) << replica->output();
  ASSERT_TRUE(Eventually([&] {
    return replica->output().find("dkeyserver.domain_key_mismatch") != std::string::npos;
  })) << replica->output();
  EXPECT_THAT(replica->output(), HasSubstr("held_dk_id=" + own_id));
  EXPECT_THAT(replica->output(), HasSubstr("peer_dk_id=" + first_id));
  EXPECT_EQ(Fetch(replica->port(), "ehsm-dkeycache").value().dk_id, own_id);
}

}  // namespace
}  // namespace kms::testing
