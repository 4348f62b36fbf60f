#include "net/self_signed_cert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "crypto/ossl_ptr.h"

namespace kms::net {
namespace {

using crypto::OsslPtr;
using ::testing::HasSubstr;

OsslPtr<X509> ParseCert(const std::string& pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return OsslPtr<X509>(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

OsslPtr<EVP_PKEY> ParseKey(const std::string& pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return OsslPtr<EVP_PKEY>(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string SerialHex(X509* cert) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out(hex);
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "kms_cert_XXXXXX";
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(MakeSelfSignedCert, ProducesServerCertificateForLocalhost) {
  auto pair = MakeSelfSignedCert("kms.example", 30);
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  OsslPtr<X509> cert = ParseCert(pair->cert_pem);
  OsslPtr<EVP_PKEY> key = ParseKey(pair->key_pem);
  ASSERT_TRUE(cert);
  ASSERT_TRUE(key);

  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(X509_check_private_key(cert.get(), key.get()), 1);
  EXPECT_EQ(X509_verify(cert.get(), key.get()), 1);  // self-signed by this key
  EXPECT_TRUE(EVP_PKEY_is_a(key.get(), "EC"));
  char group[64] = {};
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(key.get(), group, sizeof(group), &len), 1);
  EXPECT_STREQ(group, "prime256v1");

  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof(cn));
  EXPECT_STREQ(cn, "kms.example");

  EXPECT_EQ(X509_check_host(cert.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "127.0.0.1", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "example.com", 0, 0, nullptr), 0);

  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_NE(X509_get_extension_flags(cert.get()) & EXFLAG_BCONS, 0u);
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));

  // Valid now, and not for longer than asked.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(cert.get())), 0);
  EXPECT_GT(X509_cmp_current_time(X509_get0_notAfter(cert.get())), 0);
  time_t in_31_days = time(nullptr) + 31 * 86400;
  EXPECT_LT(X509_cmp_time(X509_get0_notAfter(cert.get()), &in_31_days), 0);
}

TEST(MakeSelfSignedCert, SerialsAndKeysDiffer) {
  auto a = MakeSelfSignedCert("a", 1);
  auto b = MakeSelfSignedCert("a", 1);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(SerialHex(ParseCert(a->cert_pem).get()), SerialHex(ParseCert(b->cert_pem).get()));
  EXPECT_NE(a->key_pem, b->key_pem);
}

TEST(MakeSelfSignedCert, RejectsBadArguments) {
  EXPECT_FALSE(MakeSelfSignedCert("", 1).ok());
  EXPECT_FALSE(MakeSelfSignedCert("x", 0).ok());
}

TEST(LoadOrCreateSelfSigned, CreatesFilesWithPrivateKeyMode0600) {
  TempDir dir;
  auto pair = LoadOrCreateSelfSigned(dir.path());
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  struct stat st;
  ASSERT_EQ(::stat((dir.path() + "/tls.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/tls.crt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(X509_check_private_key(ParseCert(pair->cert_pem).get(), ParseKey(pair->key_pem).get()),
            1);
  // No temporary files left behind.
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2);
}

TEST(LoadOrCreateSelfSigned, SecondCallLoadsInsteadOfRegenerating) {
  TempDir dir;
  auto first = LoadOrCreateSelfSigned(dir.path());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = LoadOrCreateSelfSigned(dir.path());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(first->cert_pem, second->cert_pem);
  EXPECT_EQ(first->key_pem, second->key_pem);
}

TEST(LoadOrCreateSelfSigned, CreatesMissingDirectory) {
  TempDir dir;
  std::string sub = dir.path() + "/tls";
  ASSERT_TRUE(LoadOrCreateSelfSigned(sub).ok());
  EXPECT_TRUE(std::filesystem::exists(sub + "/tls.key"));
}

TEST(LoadOrCreateSelfSigned, OnlyKeyPresentNamesMissingCertificate) {
  TempDir dir;
  ASSERT_TRUE(LoadOrCreateSelfSigned(dir.path()).ok());
  std::filesystem::remove(dir.path() + "/tls.crt");
  auto pair = LoadOrCreateSelfSigned(dir.path());
  ASSERT_FALSE(pair.ok());
  EXPECT_EQ(pair.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(pair.status().message(), HasSubstr("tls.crt is missing"));
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/tls.crt"));  // nothing regenerated
}

TEST(LoadOrCreateSelfSigned, OnlyCertificatePresentNamesMissingKey) {
  TempDir dir;
  ASSERT_TRUE(LoadOrCreateSelfSigned(dir.path()).ok());
  std::filesystem::remove(dir.path() + "/tls.key");
  auto pair = LoadOrCreateSelfSigned(dir.path());
  ASSERT_FALSE(pair.ok());
  EXPECT_THAT(pair.status().message(), HasSubstr("tls.key is missing"));
}

TEST(SecondsUntilExpiry, ReadsNotAfter) {
  auto pair = MakeSelfSignedCert("x", 10);
  ASSERT_TRUE(pair.ok());
  auto left = SecondsUntilExpiry(pair->cert_pem);
  ASSERT_TRUE(left.ok()) << left.status().ToString();
  EXPECT_GT(*left, 9 * 86400);
  EXPECT_LE(*left, 10 * 86400);
  EXPECT_FALSE(SecondsUntilExpiry("not a certificate").ok());
}

// A pair written by an earlier start that is 10 days from notAfter: served as is, clients
// would fail in 10 days. It must be replaced by a fresh year-long pair, on disk too.
TEST(LoadOrCreateSelfSigned, RenewsAPairThatExpiresWithin30Days) {
  TempDir dir;
  auto old_pair = MakeSelfSignedCert("ehsm-kms", 10);
  ASSERT_TRUE(old_pair.ok());
  std::ofstream(dir.path() + "/tls.crt") << old_pair->cert_pem;
  std::ofstream(dir.path() + "/tls.key") << old_pair->key_pem;
  auto pair = LoadOrCreateSelfSigned(dir.path());
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_NE(pair->cert_pem, old_pair->cert_pem);
  EXPECT_NE(pair->key_pem, old_pair->key_pem);
  auto left = SecondsUntilExpiry(pair->cert_pem);
  ASSERT_TRUE(left.ok());
  EXPECT_GT(*left, 300 * 86400);
  auto again = LoadOrCreateSelfSigned(dir.path());  // the renewed pair was saved
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->cert_pem, pair->cert_pem);
}

TEST(LoadOrCreateSelfSigned, KeepsAPairWithMoreThan30DaysLeft) {
  TempDir dir;
  auto old_pair = MakeSelfSignedCert("ehsm-kms", 31);
  ASSERT_TRUE(old_pair.ok());
  std::ofstream(dir.path() + "/tls.crt") << old_pair->cert_pem;
  std::ofstream(dir.path() + "/tls.key") << old_pair->key_pem;
  auto pair = LoadOrCreateSelfSigned(dir.path());
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->cert_pem, old_pair->cert_pem);
}

TEST(LoadOrCreateSelfSigned, LoadsUserSuppliedFilesAsTheyAre) {
  TempDir dir;
  std::ofstream(dir.path() + "/tls.crt") << "CERT";
  std::ofstream(dir.path() + "/tls.key") << "KEY";
  auto pair = LoadOrCreateSelfSigned(dir.path());
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->cert_pem, "CERT");
  EXPECT_EQ(pair->key_pem, "KEY");
}

}  // namespace
}  // namespace kms::net
