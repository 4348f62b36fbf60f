// RA-TLS evidence: what the certificate carries and every way the verifier refuses it.
#include "dkey/ra_tls_cert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/collateral_dir.h"
#include "attest/dcap_test_util.h"
#include "crypto/test_util.h"
#include "dkey/ra_tls_test_util.h"
#include "dkey/ra_tls_verify.h"

namespace kms::dkey {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using testing::Entry;
using testing::MustParse;
using testing::SimPlatforms;

class RaTlsCertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    platform_ = platforms_.Open("ehsm-dkeycache");
    verifier_ = NewVerifier("allow_simulation = true\n" + Entry("dkeycache", platform_->Identity()));
  }
  std::shared_ptr<const RaTlsVerifier> NewVerifier(const std::string& policy) {
    auto v = RaTlsVerifier::New(MustParse(policy), *platform_);
    EXPECT_TRUE(v.ok()) << v.status().message();
    return std::move(v).value();
  }
  std::string Refusal(const X509& cert) {
    auto id = verifier_->Verify(cert, Role::kDkeyCache, std::chrono::system_clock::now());
    EXPECT_FALSE(id.ok());
    if (id.ok()) return "";
    EXPECT_EQ(id.status().code(), Code::kPermissionDenied);
    return id.status().message();
  }
  // A certificate on a fresh key carrying `quote`.
  crypto::OsslPtr<X509> CertWithQuote(ByteView quote, std::chrono::seconds lifetime = 1h) {
    key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    auto cert = MakeRaTlsCertificate(*key_, quote, lifetime);
    EXPECT_TRUE(cert.ok()) << cert.status().message();
    return std::move(cert).value();
  }
  Bytes QuoteFor(const EVP_PKEY& key) {
    return platform_->GenerateQuote(RaTlsReportDataForKey(key).value()).value();
  }

  SimPlatforms platforms_;
  std::unique_ptr<tee::SimPlatform> platform_;
  std::shared_ptr<const RaTlsVerifier> verifier_;
  crypto::OsslPtr<EVP_PKEY> key_;
};

TEST_F(RaTlsCertTest, CertificateCarriesAQuoteBindingItsKey) {
  auto creds = MakeRaTlsCredentials(*platform_, 1h);
  ASSERT_TRUE(creds.ok()) << creds.status().message();
  auto quote = ExtractRaTlsQuote(*creds->cert);
  ASSERT_TRUE(quote.ok()) << quote.status().message();
  auto id = verifier_->Verify(*creds->cert, Role::kDkeyCache, std::chrono::system_clock::now());
  ASSERT_TRUE(id.ok()) << id.status().message();
  EXPECT_EQ(id->tee, "sim");
  EXPECT_EQ(id->mrenclave, platform_->Identity().mrenclave);
  EXPECT_EQ(id->mrsigner, platform_->Identity().mrsigner);
  Bytes expected = RaTlsReportData(*creds->cert).value();
  EXPECT_EQ(id->report_data, expected);
  EXPECT_EQ(Bytes(expected.begin() + 32, expected.end()), Bytes(32, 0));
  // The same evidence is not good for a role whose section does not name it.
  auto other = verifier_->Verify(*creds->cert, Role::kDkeyServer, std::chrono::system_clock::now());
  EXPECT_EQ(other.status().code(), Code::kPermissionDenied);
}

TEST_F(RaTlsCertTest, TamperedQuoteIsRefused) {
  key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  Bytes quote = QuoteFor(*key_);
  quote[112] ^= 1;  // a byte of MRENCLAVE: the quote signature no longer holds
  auto cert = MakeRaTlsCertificate(*key_, quote, 1h).value();
  EXPECT_THAT(Refusal(*cert), HasSubstr("the quote does not verify"));
  Bytes truncated = QuoteFor(*key_);
  truncated.resize(100);
  auto short_cert = MakeRaTlsCertificate(*key_, truncated, 1h).value();
  EXPECT_THAT(Refusal(*short_cert), HasSubstr("does not parse"));
}

TEST_F(RaTlsCertTest, QuoteBoundToAnotherKeyIsRefused) {
  crypto::OsslPtr<EVP_PKEY> other(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  auto cert = CertWithQuote(QuoteFor(*other));
  EXPECT_THAT(Refusal(*cert), HasSubstr("report data does not bind the certificate's key"));
}

TEST_F(RaTlsCertTest, CertificateWithoutOrWithOversizedEvidenceIsRefused) {
  auto plain = CertWithQuote(Bytes{});  // an empty extension
  EXPECT_THAT(Refusal(*plain), HasSubstr("quote extension is empty"));
  auto huge = CertWithQuote(Bytes(kMaxRaTlsQuoteBytes + 1, 7));
  EXPECT_THAT(Refusal(*huge), HasSubstr("more than"));
  crypto::OsslPtr<X509> bare(X509_new());
  EXPECT_THAT(ExtractRaTlsQuote(*bare).status().message(), HasSubstr("carries no evidence"));
}

TEST_F(RaTlsCertTest, ExpiredCertificateIsRefused) {
  key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  auto cert = MakeRaTlsCertificate(*key_, QuoteFor(*key_), -60s).value();
  EXPECT_THAT(Refusal(*cert), HasSubstr("expired"));
}

TEST_F(RaTlsCertTest, SimQuotesNeedAllowSimulation) {
  verifier_ = NewVerifier(Entry("dkeycache", platform_->Identity()));
  auto creds = MakeRaTlsCredentials(*platform_, 1h).value();
  EXPECT_THAT(Refusal(*creds.cert), HasSubstr("simulation is not allowed"));
}

TEST_F(RaTlsCertTest, SimQuoteFromAnotherPlatformSecretIsRefused) {
  auto stranger = platforms_.Open("ehsm-dkeycache", [](tee::IdentityConfig&) {}, "other.secret");
  auto creds = MakeRaTlsCredentials(*stranger, 1h).value();
  EXPECT_THAT(Refusal(*creds.cert), HasSubstr("not the pinned sim root"));
}

TEST_F(RaTlsCertTest, SimQuoteFromAnotherPlatformSecretVerifiesUnderAPinnedExtraRoot) {
  auto stranger = platforms_.Open("ehsm-dkeycache", [](tee::IdentityConfig&) {}, "other.secret");
  auto creds = MakeRaTlsCredentials(*stranger, 1h).value();
  const std::string policy =
      "allow_simulation = true\n" + Entry("dkeycache", platform_->Identity());
  auto v = RaTlsVerifier::New(MustParse(policy), *platform_, {stranger->SimRootCaDer().value()});
  ASSERT_TRUE(v.ok()) << v.status().message();
  auto id = (*v)->Verify(*creds.cert, Role::kDkeyCache, std::chrono::system_clock::now());
  EXPECT_TRUE(id.ok()) << id.status().message();
  // Our own platform's quotes still verify, and without allow_simulation no root helps.
  auto own = MakeRaTlsCredentials(*platform_, 1h).value();
  EXPECT_TRUE((*v)->Verify(*own.cert, Role::kDkeyCache, std::chrono::system_clock::now()).ok());
  auto strict = RaTlsVerifier::New(MustParse(Entry("dkeycache", platform_->Identity())),
                                   *platform_, {stranger->SimRootCaDer().value()});
  ASSERT_TRUE(strict.ok());
  EXPECT_FALSE((*strict)->Verify(*creds.cert, Role::kDkeyCache, std::chrono::system_clock::now()).ok());
}

// A real SGX quote (test/vectors/dcap) in a certificate valid at the vector's time: the
// verifier checks it against the collateral it was given, and without one refuses it unchecked.
TEST_F(RaTlsCertTest, RealQuotesAreCheckedAgainstTheGivenCollateral) {
  using attest::testing::kSgx;
  const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(kSgx.at));
  auto cert = CertWithQuote(attest::testing::QuoteBytes("sgx_quote"));
  // Moved into the vector's collateral window and signed again.
  ASSERT_NE(ASN1_TIME_set(X509_getm_notBefore(cert.get()), kSgx.at - 3600), nullptr);
  ASSERT_NE(ASN1_TIME_set(X509_getm_notAfter(cert.get()), kSgx.at + 3600), nullptr);
  ASSERT_GT(X509_sign(cert.get(), key_.get(), EVP_sha256()), 0);

  auto unchecked = verifier_->Verify(*cert, Role::kDkeyCache, at);
  EXPECT_THAT(unchecked.status().message(), HasSubstr("cannot be verified here"));

  crypto::testing::TempDir dir;
  dir.Write("sgx-00a067110000.json", AsBytes(attest::testing::ReadVector("sgx_quote_collateral.json")));
  auto files = attest::CollateralDirectory::Load(dir.path(""));
  ASSERT_TRUE(files.ok()) << files.status().message();
  auto collateral = std::make_shared<attest::DirectoryCollateral>(std::move(files).value());
  auto v = RaTlsVerifier::New(MustParse("allow_simulation = true\n" +
                                        Entry("dkeycache", platform_->Identity())),
                              *platform_, {}, collateral);
  ASSERT_TRUE(v.ok()) << v.status().message();
  auto checked = (*v)->Verify(*cert, Role::kDkeyCache, at);
  ASSERT_EQ(checked.status().code(), Code::kPermissionDenied);
  // The quote and its chain verified; what remains is the quote's TCB status (the vector's
  // platform is not UpToDate) or its report data, which binds another key.
  EXPECT_THAT(checked.status().message(),
              ::testing::AnyOf(HasSubstr("TCB status"), HasSubstr("report data does not bind")));
}

}  // namespace
}  // namespace kms::dkey
