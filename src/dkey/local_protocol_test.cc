// The node-local protocol, both ends over a real Unix socket: who gets the key, and that
// forged, replayed, foreign or garbage input gets nothing and blocks nobody.

#include "dkey/local_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <fstream>

#include "crypto/random.h"
#include "dkey/local_dk_client.h"
#include "dkey/local_dk_server.h"
#include "dkey/local_socket.h"
#include "dkey/sealed_dk.h"
#include "dkey/testing/node_fixture.h"

namespace kms::dkey {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class LocalProtocolTest : public testing::NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    dk_ = crypto::RandomBytes(32).value();
    cache_platform_ = Platform(CacheIdentity());
    policy_ = std::make_unique<Policy>(TestPolicy());
  }

  void StartServer(int workers = 4) {
    server_ = LocalDkServer::Start(
                  {.socket_path = socket(), .timeout_ms = 500, .workers = workers},
                  *cache_platform_, *policy_, [this]() -> StatusOr<SecretBytes> {
                    return SecretBytes(ByteView(dk_));
                  })
                  .value();
  }
  std::string socket() const { return Path("s/dk.sock"); }

  StatusOr<FetchedDomainKey> FetchAs(const tee::IdentityConfig& id, const std::string& secret = "") {
    auto platform = Platform(id, secret);
    auto client = NewLocalDkClient({.socket_path = socket()}, *platform, *policy_);
    return client->Fetch();
  }

  // Connects and reads the server's HELLO.
  std::pair<local::UniqueFd, local::Nonce> Hello() {
    auto fd = local::ConnectUnix(socket()).value();
    auto hello = local::ReadFrame(fd.get(), Deadline()).value();
    return {std::move(fd), local::ParseHello(hello).value()};
  }
  static local::Deadline Deadline() { return std::chrono::steady_clock::now() + 10s; }

  // Sends `request` on `fd` and returns the server's answer parsed for `client_nonce`.
  StatusOr<local::Granted> Answer(int fd, ByteView request, const local::Nonce& server_nonce,
                                  const local::Nonce& client_nonce, tee::TeePlatform& platform) {
    KMS_RETURN_IF_ERROR(local::WriteFrame(fd, request, Deadline()));
    KMS_ASSIGN_OR_RETURN(Bytes answer, local::ReadFrame(fd, Deadline()));
    return local::ParseGrant(platform, answer, server_nonce, client_nonce);
  }

  Bytes dk_;
  std::unique_ptr<tee::SimPlatform> cache_platform_;
  std::unique_ptr<Policy> policy_;
  std::unique_ptr<LocalDkServer> server_;
};

TEST_F(LocalProtocolTest, AllowedKmsGetsTheKeyOverASocketOfMode0660) {
  StartServer();
  struct stat st {};
  ASSERT_EQ(::stat(socket().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  auto got = FetchAs(KmsIdentity());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Bytes(got->dk.view().begin(), got->dk.view().end()), dk_);
  EXPECT_EQ(got->dk_id, DomainKeyId(dk_).value());
  EXPECT_EQ(got->served_by, socket());
}

TEST_F(LocalProtocolTest, IdentityOutsideTheKmsSectionIsRefusedWithTheReason) {
  StartServer();
  tee::IdentityConfig other = KmsIdentity();
  other.sim_mrenclave = std::string(64, 'e');
  auto got = FetchAs(other);
  ASSERT_EQ(got.status().code(), Code::kPermissionDenied) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("mrenclave"));
  // The dkeycache's own identity is no KMS either.
  EXPECT_EQ(FetchAs(CacheIdentity()).status().code(), Code::kPermissionDenied);
}

TEST_F(LocalProtocolTest, DebugIdentityWithoutAllowDebugIsRefused) {
  StartServer();
  tee::IdentityConfig debug = KmsIdentity();
  debug.sim_debug = true;
  EXPECT_EQ(FetchAs(debug).status().code(), Code::kPermissionDenied);
}

TEST_F(LocalProtocolTest, ProcessOfAnotherNodeIsRefused) {
  StartServer();
  auto got = FetchAs(KmsIdentity(), Path("other-node.secret"));
  ASSERT_EQ(got.status().code(), Code::kPermissionDenied) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("does not verify"));
}

TEST_F(LocalProtocolTest, ClientRefusesAServerOutsideTheDkeycacheSection) {
  tee::IdentityConfig rogue = CacheIdentity();
  rogue.sim_mrenclave = std::string(64, 'f');
  cache_platform_ = Platform(rogue);
  StartServer();
  auto got = FetchAs(KmsIdentity());
  ASSERT_EQ(got.status().code(), Code::kPermissionDenied) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("not allowed to serve"));
}

TEST_F(LocalProtocolTest, ReportWithAlteredBytesIsRefused) {
  StartServer();
  auto kms = Platform(KmsIdentity());
  auto [fd, server_nonce] = Hello();
  local::Nonce client_nonce;
  ASSERT_TRUE(local::RandomNonce(client_nonce).ok());
  Bytes request = local::MakeRequest(*kms, server_nonce, client_nonce).value();
  request[10] ^= 0x01;  // inside mrenclave: claim another enclave
  auto got = Answer(fd.get(), request, server_nonce, client_nonce, *kms);
  ASSERT_EQ(got.status().code(), Code::kPermissionDenied);
  EXPECT_THAT(got.status().message(), HasSubstr("does not verify"));
}

TEST_F(LocalProtocolTest, ReplayedReportIsRefused) {
  StartServer();
  auto kms = Platform(KmsIdentity());
  local::Nonce client_nonce;
  ASSERT_TRUE(local::RandomNonce(client_nonce).ok());
  Bytes first_request;
  {
    auto [fd, server_nonce] = Hello();
    first_request = local::MakeRequest(*kms, server_nonce, client_nonce).value();
    ASSERT_TRUE(Answer(fd.get(), first_request, server_nonce, client_nonce, *kms).ok());
  }
  // The same bytes on a new connection: its nonce differs, so the report does not verify.
  auto [fd, server_nonce] = Hello();
  auto got = Answer(fd.get(), first_request, server_nonce, client_nonce, *kms);
  ASSERT_EQ(got.status().code(), Code::kPermissionDenied);
  EXPECT_THAT(got.status().message(), HasSubstr("does not verify"));
}

TEST_F(LocalProtocolTest, OversizedFrameIsDroppedWithoutAnAnswer) {
  StartServer();
  auto [fd, server_nonce] = Hello();
  const uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
  ASSERT_EQ(::send(fd.get(), huge, 4, MSG_NOSIGNAL), 4);
  auto answer = local::ReadFrame(fd.get(), Deadline());
  EXPECT_EQ(answer.status().code(), Code::kUnavailable);  // closed by the server
}

TEST_F(LocalProtocolTest, GarbageAndStalledPeersDoNotBlockAGoodClient) {
  StartServer(/*workers=*/2);
  std::vector<local::UniqueFd> bad;
  for (int i = 0; i < 4; ++i) {
    bad.push_back(local::ConnectUnix(socket()).value());  // stalls: never answers HELLO
  }
  auto garbage = local::ConnectUnix(socket()).value();
  const char junk[] = "GET / HTTP/1.1\r\n\r\n";
  ASSERT_GT(::send(garbage.get(), junk, sizeof(junk), MSG_NOSIGNAL), 0);
  auto got = FetchAs(KmsIdentity());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->dk_id, DomainKeyId(dk_).value());
}

TEST_F(LocalProtocolTest, NoServerIsUnavailable) {
  auto got = FetchAs(KmsIdentity());
  EXPECT_EQ(got.status().code(), Code::kUnavailable);
}

TEST_F(LocalProtocolTest, SocketPathHeldByAnotherFileIsNotReplaced) {
  std::filesystem::create_directories(Path("s"));
  { std::ofstream(socket()) << "not a socket"; }
  auto server = LocalDkServer::Start({.socket_path = socket()}, *cache_platform_, *policy_,
                                     []() -> StatusOr<SecretBytes> {
                                       return Status::Unavailable("none");
                                     });
  EXPECT_EQ(server.status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace kms::dkey
