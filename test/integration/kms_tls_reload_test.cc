// TLS certificate reload of the real ehsm-kms: on SIGHUP and on a file change, new connections
// get the new pair while an established keep-alive connection keeps working; a bad pair keeps
// the old one.

#include <gtest/gtest.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/ossl_ptr.h"
#include "hardening_test_util.h"
#include "kms_process.h"
#include "net/self_signed_cert.h"
#include "net/testing/test_https_client.h"

namespace kms::testing {
namespace {

using net::PemPair;
using net::testing::TestHttpsClient;
using net::testing::TestHttpsClientOptions;

PemPair NewPair(const std::string& name) {
  auto pair = net::MakeSelfSignedCert(name, 30 + 60);
  EXPECT_TRUE(pair.ok()) << pair.status().message();
  return pair.ok() ? *pair : PemPair{};
}

// `pair` re-signed with a validity that ended yesterday.
PemPair Expired(const PemPair& pair) {
  crypto::OsslPtr<BIO> cb(BIO_new_mem_buf(pair.cert_pem.data(), static_cast<int>(pair.cert_pem.size())));
  crypto::OsslPtr<BIO> kb(BIO_new_mem_buf(pair.key_pem.data(), static_cast<int>(pair.key_pem.size())));
  crypto::OsslPtr<X509> cert(PEM_read_bio_X509(cb.get(), nullptr, nullptr, nullptr));
  crypto::OsslPtr<EVP_PKEY> key(PEM_read_bio_PrivateKey(kb.get(), nullptr, nullptr, nullptr));
  EXPECT_TRUE(cert && key);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -2 * 86400);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), -86400);
  EXPECT_GT(X509_sign(cert.get(), key.get(), EVP_sha256()), 0);
  crypto::OsslPtr<BIO> out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert.get());
  char* data = nullptr;
  const long n = BIO_get_mem_data(out.get(), &data);  // NOLINT(runtime/int): OpenSSL's type
  return PemPair{std::string(data, static_cast<size_t>(n)), pair.key_pem};
}

// A client that trusts only `trusted`'s certificate.
std::unique_ptr<TestHttpsClient> ClientTrusting(uint16_t port, const PemPair& trusted) {
  TestHttpsClientOptions o;
  o.port = port;
  o.ca_pem = trusted.cert_pem;
  o.timeout_ms = 5000;
  return std::make_unique<TestHttpsClient>(o);
}

bool HandshakeTrusting(uint16_t port, const PemPair& trusted) {
  return ClientTrusting(port, trusted)->Connect().ok();
}

int GetVersion(TestHttpsClient& client) {
  auto r = client.Send("GET", "/ehsm?Action=GetVersion", "", "");
  return r.ok() ? r->status : 0;
}

class KmsTlsReloadTest : public ::testing::Test {
 protected:
  void Start(const std::string& interval_ms) {
    ReplaceFile(cert_, a_.cert_pem);
    ReplaceFile(key_, a_.key_pem);
    kms_ = std::make_unique<KmsProcess>(
        dir_ / "data", std::vector<std::string>{"--tls-cert", cert_, "--tls-key", key_,
                                                "--tls-reload-interval-ms", interval_ms});
    ASSERT_GT(kms_->port(), 0) << kms_->output();
  }
  void Install(const PemPair& p) {
    ReplaceFile(key_, p.key_pem);
    ReplaceFile(cert_, p.cert_pem);
  }
  size_t Refusals() const {
    const std::string out = kms_->output();
    size_t n = 0;
    for (size_t at = out.find("net.tls_reload_refused"); at != std::string::npos;
         at = out.find("net.tls_reload_refused", at + 1)) {
      ++n;
    }
    return n;
  }

  ScratchDir dir_;
  const std::string cert_ = dir_ / "tls.crt";
  const std::string key_ = dir_ / "tls.key";
  const PemPair a_ = NewPair("pair-a");
  const PemPair b_ = NewPair("pair-b");
  std::unique_ptr<KmsProcess> kms_;
};

TEST_F(KmsTlsReloadTest, SighupServesTheNewPairAndKeepsEstablishedConnections) {
  Start("0");  // SIGHUP only
  auto old_client = ClientTrusting(kms_->port(), a_);
  ASSERT_EQ(GetVersion(*old_client), 200);
  Install(b_);
  kms_->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return HandshakeTrusting(kms_->port(), b_); })) << kms_->output();
  EXPECT_FALSE(HandshakeTrusting(kms_->port(), a_));
  // The keep-alive connection made under the old pair still answers, on the same connection.
  EXPECT_EQ(GetVersion(*old_client), 200);
  EXPECT_EQ(old_client->connections_opened(), 1);
  EXPECT_TRUE(kms_->running());
}

TEST_F(KmsTlsReloadTest, ChangedFilesAreNoticedWithoutASignal) {
  Start("200");
  ASSERT_TRUE(HandshakeTrusting(kms_->port(), a_));
  Install(b_);
  EXPECT_TRUE(Eventually([&] { return HandshakeTrusting(kms_->port(), b_); })) << kms_->output();
}

TEST_F(KmsTlsReloadTest, BadPairsKeepTheOldOne) {
  Start("0");
  struct Bad {
    std::string what;
    PemPair pair;
  };
  const Bad bad[] = {
      {"key of another certificate", PemPair{b_.cert_pem, a_.key_pem}},
      {"expired", Expired(b_)},
      {"not PEM", PemPair{"garbage", "garbage"}},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    const size_t before = Refusals();
    Install(b.pair);
    kms_->Signal(SIGHUP);
    ASSERT_TRUE(Eventually([&] { return Refusals() > before; })) << kms_->output();
    EXPECT_TRUE(HandshakeTrusting(kms_->port(), a_));
  }
  // Unreadable: the certificate path is a directory.
  const size_t before = Refusals();
  std::filesystem::remove(cert_);
  std::filesystem::create_directory(cert_);
  kms_->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return Refusals() > before; })) << kms_->output();
  EXPECT_TRUE(HandshakeTrusting(kms_->port(), a_));
  EXPECT_NE(kms_->output().find("keeping the previous certificate"), std::string::npos);
}

TEST_F(KmsTlsReloadTest, SighupWithTheSelfSignedPairDoesNotStopTheServer) {
  KmsProcess kms(dir_ / "data", {"--log-level", "info"});
  ASSERT_GT(kms.port(), 0) << kms.output();
  kms.Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return kms.output().find("net.tls_reload_skipped") != std::string::npos; }));
  TestHttpsClient client(kms.port());
  EXPECT_EQ(GetVersion(client), 200);
}

}  // namespace
}  // namespace kms::testing
