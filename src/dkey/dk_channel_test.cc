// The attested channel end to end on loopback, in one process: a DkService behind a real
// TcpListener and real TLS clients, the allowed one (RaTlsUpstream) and every kind of peer that
// must get nothing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "dkey/dk_channel.h"
#include "dkey/dk_protocol.h"
#include "dkey/dk_service.h"
#include "dkey/listen.h"
#include "dkey/ra_tls_cert.h"
#include "dkey/ra_tls_test_util.h"
#include "dkey/ra_tls_upstream.h"
#include "dkey/sealed_dk.h"
#include "net/self_signed_cert.h"
#include "net/testing/plain_connection.h"

namespace kms::dkey {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using ::testing::HasSubstr;
using testing::Entry;
using testing::MustParse;
using testing::SimPlatforms;

const Bytes kDk(32, 0x5a);

// What a hand-made client saw: the response frame, or how the exchange ended without one.
struct RawOutcome {
  bool handshake_ok = false;
  std::optional<DkResponse> response;
  std::string error;
};

// A TLS client with its own context (no certificate, a plain one, a mismatched one, TLS 1.2),
// blocking; the server's exchange deadline bounds how long it can wait.
RawOutcome RawExchange(uint16_t port, ssl::context& ctx, Role role = Role::kDkeyCache) {
  RawOutcome out;
  asio::io_context ioc;
  ssl::stream<tcp::socket> s(ioc, ctx);
  boost::system::error_code ec;
  s.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  s.handshake(ssl::stream_base::client, ec);
  if (ec) {
    out.error = "handshake: " + ec.message();
    return out;
  }
  out.handshake_ok = true;
  Bytes request = EncodeDkRequest(role);
  asio::write(s, asio::buffer(request), ec);
  Bytes header(kDkResponseHeaderBytes);
  if (!ec) asio::read(s, asio::buffer(header), ec);
  if (ec) {
    out.error = "read: " + ec.message();
    return out;
  }
  auto h = ParseDkResponseHeader(header);
  if (!h.ok()) {
    out.error = h.status().message();
    return out;
  }
  Bytes frame = header;
  frame.resize(header.size() + h->body_bytes);
  asio::read(s, asio::buffer(frame.data() + header.size(), h->body_bytes), ec);
  if (ec) {
    out.error = "read body: " + ec.message();
    return out;
  }
  auto r = ParseDkResponse(frame);
  if (r.ok()) out.response.emplace(std::move(r).value());
  return out;
}

std::unique_ptr<ssl::context> ClientContext(int min_version, int max_version) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), min_version);
  SSL_CTX_set_max_proto_version(ctx->native_handle(), max_version);
  ctx->set_verify_mode(ssl::verify_none);
  return ctx;
}

void UseCredentials(ssl::context& ctx, X509& cert, EVP_PKEY& key) {
  ASSERT_EQ(SSL_CTX_use_certificate(ctx.native_handle(), &cert), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(ctx.native_handle(), &key), 1);
}

class DkChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_platform_ = platforms_.Open("ehsm-dkeyserver");
    cache_platform_ = platforms_.Open("ehsm-dkeycache");
    debug_platform_ = platforms_.Open("ehsm-dkeycache", [](tee::IdentityConfig& id) { id.sim_debug = true; });
    stranger_platform_ = platforms_.Open("ehsm-kms");
  }

  // The policy both ends read, unless a test gives the server its own.
  std::string Policy(bool allow_simulation = true) const {
    return std::string(allow_simulation ? "allow_simulation = true\n" : "") +
           Entry("dkeyserver", server_platform_->Identity()) +
           Entry("dkeycache", cache_platform_->Identity());
  }

  void StartServer(const std::string& policy) {
    auto verifier = RaTlsVerifier::New(MustParse(policy), *server_platform_);
    ASSERT_TRUE(verifier.ok()) << verifier.status().message();
    service_ = std::make_unique<DkService>(
        std::make_shared<RaTlsContextSource>(*server_platform_), *verifier,
        [] {
          return StatusOr<HeldDomainKey>(HeldDomainKey{SecretBytes(ByteView(kDk)), DomainKeyId(kDk).value()});
        },
        "test");
    listener_ = std::make_unique<TcpListener>();
    ASSERT_TRUE(listener_->Start("127.0.0.1", 0, "test", "test.accept_failed",
                                 [this](tcp::socket s) { service_->Serve(std::move(s)); })
                    .ok());
  }
  void TearDown() override { listener_.reset(); }

  StatusOr<FetchedDomainKey> FetchAs(tee::TeePlatform& platform, Role role = Role::kDkeyCache,
                                     const std::string& client_policy = "") {
    auto up = RaTlsUpstream::New(
        {.sources = {"127.0.0.1:" + std::to_string(listener_->port())}, .role = role}, platform,
        MustParse(client_policy.empty() ? Policy() : client_policy));
    EXPECT_TRUE(up.ok()) << up.status().message();
    return (*up)->Fetch();
  }

  SimPlatforms platforms_;
  std::unique_ptr<tee::SimPlatform> server_platform_, cache_platform_, debug_platform_,
      stranger_platform_;
  std::unique_ptr<DkService> service_;
  std::unique_ptr<TcpListener> listener_;
};

TEST_F(DkChannelTest, AllowedCacheGetsTheKeyAndItsId) {
  StartServer(Policy());
  auto got = FetchAs(*cache_platform_);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(Bytes(got->dk.view().begin(), got->dk.view().end()), kDk);
  EXPECT_EQ(got->dk_id, DomainKeyId(kDk).value());
  EXPECT_EQ(got->served_by, "127.0.0.1:" + std::to_string(listener_->port()));
}

TEST_F(DkChannelTest, IdentityOutsideItsRoleGetsNothing) {
  StartServer(Policy());
  auto stranger = FetchAs(*stranger_platform_);
  EXPECT_EQ(stranger.status().code(), Code::kPermissionDenied);
  EXPECT_THAT(stranger.status().message(), HasSubstr("refused us"));
  // An allowed cache asking as a replica: [[dkeyserver]] does not name it.
  auto as_replica = FetchAs(*cache_platform_, Role::kDkeyServer);
  EXPECT_EQ(as_replica.status().code(), Code::kPermissionDenied);
}

TEST_F(DkChannelTest, DebugIdentityNeedsAllowDebug) {
  StartServer(Policy());
  EXPECT_EQ(FetchAs(*debug_platform_).status().code(), Code::kPermissionDenied);
  listener_.reset();
  StartServer(Policy() + "allow_debug = true\n");  // the [[dkeycache]] entry, last
  EXPECT_TRUE(FetchAs(*debug_platform_).ok());
}

TEST_F(DkChannelTest, SimulationRefusedUnlessAllowed) {
  StartServer(Policy(/*allow_simulation=*/false));
  auto got = FetchAs(*cache_platform_);
  EXPECT_EQ(got.status().code(), Code::kPermissionDenied);
}

TEST_F(DkChannelTest, ClientRefusesAServerOutsideDkeyserverSection) {
  StartServer(Policy());
  const std::string client_policy = "allow_simulation = true\n" +
                                    Entry("dkeyserver", stranger_platform_->Identity()) +
                                    Entry("dkeycache", cache_platform_->Identity());
  auto got = FetchAs(*cache_platform_, Role::kDkeyCache, client_policy);
  EXPECT_EQ(got.status().code(), Code::kPermissionDenied);
  EXPECT_THAT(got.status().message(), HasSubstr("failed our check"));
}

TEST_F(DkChannelTest, ClientWithoutCertificateFailsTheHandshake) {
  StartServer(Policy());
  auto ctx = ClientContext(TLS1_3_VERSION, TLS1_3_VERSION);
  RawOutcome r = RawExchange(listener_->port(), *ctx);
  EXPECT_FALSE(r.response.has_value());
  EXPECT_FALSE(r.error.empty());
}

TEST_F(DkChannelTest, PlainCertificateWithoutEvidenceIsRefused) {
  StartServer(Policy());
  auto pair = net::MakeSelfSignedCert("plain", 1).value();
  auto ctx = ClientContext(TLS1_3_VERSION, TLS1_3_VERSION);
  ctx->use_certificate_chain(asio::buffer(pair.cert_pem));
  ctx->use_private_key(asio::buffer(pair.key_pem), ssl::context::pem);
  RawOutcome r = RawExchange(listener_->port(), *ctx);
  ASSERT_TRUE(r.response.has_value()) << r.error;
  EXPECT_FALSE(r.response->granted);
}

TEST_F(DkChannelTest, CertificateWhoseKeyIsNotTheQuotedOneIsRefused) {
  StartServer(Policy());
  crypto::OsslPtr<EVP_PKEY> quoted(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  crypto::OsslPtr<EVP_PKEY> used(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Bytes quote = cache_platform_->GenerateQuote(RaTlsReportDataForKey(*quoted).value()).value();
  auto cert = MakeRaTlsCertificate(*used, quote, std::chrono::hours(1)).value();
  auto ctx = ClientContext(TLS1_3_VERSION, TLS1_3_VERSION);
  UseCredentials(*ctx, *cert, *used);
  RawOutcome r = RawExchange(listener_->port(), *ctx);
  ASSERT_TRUE(r.response.has_value()) << r.error;
  EXPECT_FALSE(r.response->granted);
  // The same client with its evidence in order gets the key: the refusal was the binding.
  auto good = MakeRaTlsCredentials(*cache_platform_, std::chrono::hours(1)).value();
  auto good_ctx = ClientContext(TLS1_3_VERSION, TLS1_3_VERSION);
  UseCredentials(*good_ctx, *good.cert, *good.key);
  RawOutcome ok = RawExchange(listener_->port(), *good_ctx);
  ASSERT_TRUE(ok.response.has_value()) << ok.error;
  EXPECT_TRUE(ok.response->granted);
}

TEST_F(DkChannelTest, Tls12OnlyClientFailsTheHandshake) {
  StartServer(Policy());
  auto good = MakeRaTlsCredentials(*cache_platform_, std::chrono::hours(1)).value();
  auto ctx = ClientContext(TLS1_2_VERSION, TLS1_2_VERSION);
  UseCredentials(*ctx, *good.cert, *good.key);
  RawOutcome r = RawExchange(listener_->port(), *ctx);
  EXPECT_FALSE(r.handshake_ok);
  EXPECT_FALSE(r.response.has_value());
}

TEST_F(DkChannelTest, StallingAndGarbagePeersDoNotBlockAnAllowedClient) {
  StartServer(Policy());
  // Connected and silent: the server waits for its ClientHello until the exchange deadline.
  net::testing::PlainConnection staller(listener_->port(), 100);
  ASSERT_TRUE(staller.connected());
  net::testing::PlainConnection garbage(listener_->port(), 10000);
  ASSERT_TRUE(garbage.connected());
  garbage.Send(std::string(4096, '\x16'));
  // A valid handshake, then a request that never completes.
  auto good = MakeRaTlsCredentials(*cache_platform_, std::chrono::hours(1)).value();
  asio::io_context ioc;
  auto ctx = ClientContext(TLS1_3_VERSION, TLS1_3_VERSION);
  UseCredentials(*ctx, *good.cert, *good.key);
  ssl::stream<tcp::socket> half(ioc, *ctx);
  half.lowest_layer().connect({asio::ip::make_address("127.0.0.1"), listener_->port()});
  half.handshake(ssl::stream_base::client);
  asio::write(half, asio::buffer("EDK", 3));

  auto got = FetchAs(*cache_platform_);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->dk_id, DomainKeyId(kDk).value());
  bool closed = false;
  garbage.ReadAll(&closed);  // the garbage sender is dropped
  EXPECT_TRUE(closed);
}

TEST_F(DkChannelTest, UnreachableSourcesAreUnavailableAndNamed) {
  StartServer(Policy());
  const uint16_t port = listener_->port();
  listener_.reset();
  auto up = RaTlsUpstream::New({.sources = {"127.0.0.1:" + std::to_string(port)}},
                               *cache_platform_, MustParse(Policy()));
  ASSERT_TRUE(up.ok());
  auto got = (*up)->Fetch();
  EXPECT_EQ(got.status().code(), Code::kUnavailable);
  EXPECT_THAT(got.status().message(), HasSubstr("127.0.0.1:" + std::to_string(port)));
  EXPECT_EQ((*up)->Describe(), "dkeyserver 127.0.0.1:" + std::to_string(port));
  EXPECT_FALSE(RaTlsUpstream::New({.sources = {"nohost"}}, *cache_platform_, MustParse(Policy())).ok());
}

}  // namespace
}  // namespace kms::dkey
