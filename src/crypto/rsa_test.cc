#include "crypto/rsa.h"

#include <gtest/gtest.h>

#include <openssl/core_names.h>

#include <string>
#include <vector>

#include "crypto/pkey_pem.h"
#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

using testing::HexField;
using testing::StringField;

const DigestAlg kShaAlgs[] = {DigestAlg::kSha224, DigestAlg::kSha256, DigestAlg::kSha384,
                              DigestAlg::kSha512};

std::string Str(const SecretBytes& s) { return std::string(AsChars(s.view())); }

class RsaTest : public ::testing::Test {
 protected:
  // One key for the whole suite: 2048-bit generation dominates the run time otherwise.
  static void SetUpTestSuite() {
    auto k = RsaKey::Generate(2048);
    ASSERT_TRUE(k.ok());
    key_ = std::move(*k).release();
  }
  static void TearDownTestSuite() {
    delete key_;
    key_ = nullptr;
  }
  static RsaKey* key_;
};
RsaKey* RsaTest::key_ = nullptr;

TEST(Rsa, GeneratesEverySupportedSizeWithE65537) {
  for (int bits : {2048, 3072, 4096}) {
    auto key = RsaKey::Generate(bits);
    ASSERT_TRUE(key.ok()) << bits;
    EXPECT_EQ((*key)->bits(), bits);
    EXPECT_EQ((*key)->size(), static_cast<size_t>(bits / 8));
    BIGNUM* e = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(&(*key)->pkey(), OSSL_PKEY_PARAM_RSA_E, &e), 1);
    OsslPtr<BIGNUM> owned(e);
    EXPECT_EQ(BN_get_word(e), 65537u);
    // Each size signs and encrypts end to end.
    auto sig = (*key)->Sign(RsaSignPadding::kPss, DigestAlg::kSha512, MessageType::kRaw,
                            AsBytes("m"));
    ASSERT_TRUE(sig.ok());
    EXPECT_EQ(sig->size(), (*key)->size());
    EXPECT_TRUE(*(*key)->Verify(RsaSignPadding::kPss, DigestAlg::kSha512, MessageType::kRaw,
                                AsBytes("m"), *sig));
    auto ct = (*key)->Encrypt(RsaEncryptPadding::kOaepSha256, AsBytes("data key"));
    ASSERT_TRUE(ct.ok());
    auto pt = (*key)->Decrypt(RsaEncryptPadding::kOaepSha256, *ct);
    ASSERT_TRUE(pt.ok());
    EXPECT_EQ(Str(*pt), "data key");
  }
}

TEST(Rsa, RejectsUnsupportedSizes) {
  for (int bits : {0, 512, 1024, 2047, 2049, 8192}) {
    EXPECT_EQ(RsaKey::Generate(bits).status().code(), Code::kInvalidArgument) << bits;
  }
}

TEST_F(RsaTest, PemFormatsAndRoundTrip) {
  auto pub = key_->PublicPem();
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->rfind("-----BEGIN RSA PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(pub->back(), '\n');
  auto priv = key_->PrivatePem();
  ASSERT_TRUE(priv.ok());
  EXPECT_EQ(Str(*priv).rfind("-----BEGIN RSA PRIVATE KEY-----\n", 0), 0u);
  auto pair = key_->KeyPairPem();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(Str(*pair), *pub + Str(*priv));

  auto back = RsaKey::FromPem(Str(*pair));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->has_private());
  EXPECT_EQ(Str(*(*back)->KeyPairPem()), Str(*pair));
  // The reloaded key decrypts what the original encrypted.
  auto ct = key_->Encrypt(RsaEncryptPadding::kPkcs1, AsBytes("x"));
  ASSERT_TRUE(ct.ok());
  auto pt = (*back)->Decrypt(RsaEncryptPadding::kPkcs1, *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(Str(*pt), "x");
}

TEST_F(RsaTest, PublicOnlyKeyEncryptsAndVerifiesButCannotUsePrivateOps) {
  auto pub = RsaKey::FromPem(*key_->PublicPem());
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE((*pub)->has_private());
  auto sig = key_->Sign(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw,
                        AsBytes("m"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(*(*pub)->Verify(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw,
                              AsBytes("m"), *sig));
  auto ct = (*pub)->Encrypt(RsaEncryptPadding::kOaepSha256, AsBytes("p"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Str(*key_->Decrypt(RsaEncryptPadding::kOaepSha256, *ct)), "p");

  EXPECT_EQ((*pub)->PrivatePem().status().code(), Code::kFailedPrecondition);
  EXPECT_EQ((*pub)->KeyPairPem().status().code(), Code::kFailedPrecondition);
  EXPECT_EQ((*pub)->Decrypt(RsaEncryptPadding::kOaepSha256, *ct).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ((*pub)->Sign(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw,
                         AsBytes("m"))
                .status()
                .code(),
            Code::kFailedPrecondition);
}

TEST_F(RsaTest, EncryptionRoundTripsUpToTheSizeLimit) {
  EXPECT_EQ(key_->MaxPlaintextSize(RsaEncryptPadding::kPkcs1), 256u - 11);
  EXPECT_EQ(key_->MaxPlaintextSize(RsaEncryptPadding::kOaepSha256), 256u - 66);
  for (auto padding : {RsaEncryptPadding::kPkcs1, RsaEncryptPadding::kOaepSha256}) {
    size_t max = key_->MaxPlaintextSize(padding);
    for (size_t n : {size_t{0}, size_t{1}, size_t{32}, max}) {
      Bytes pt(n, static_cast<uint8_t>(n));
      auto ct = key_->Encrypt(padding, pt);
      ASSERT_TRUE(ct.ok()) << n;
      EXPECT_EQ(ct->size(), 256u);
      auto back = key_->Decrypt(padding, *ct);
      ASSERT_TRUE(back.ok()) << n;
      EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), pt);
    }
    EXPECT_EQ(key_->Encrypt(padding, Bytes(max + 1)).status().code(), Code::kInvalidArgument);
  }
}

TEST_F(RsaTest, DecryptionFailuresAreIndistinguishable) {
  auto ct = key_->Encrypt(RsaEncryptPadding::kOaepSha256, AsBytes("secret"));
  ASSERT_TRUE(ct.ok());
  std::vector<Status> failures;
  Bytes flipped = *ct;
  flipped[100] ^= 1;
  failures.push_back(key_->Decrypt(RsaEncryptPadding::kOaepSha256, flipped).status());
  // Right ciphertext, wrong padding scheme.
  failures.push_back(key_->Decrypt(RsaEncryptPadding::kPkcs1, *ct).status());
  failures.push_back(key_->Decrypt(RsaEncryptPadding::kOaepSha256, Bytes(255, 1)).status());
  failures.push_back(key_->Decrypt(RsaEncryptPadding::kOaepSha256, Bytes(256, 0xff)).status());
  failures.push_back(key_->Decrypt(RsaEncryptPadding::kPkcs1, Bytes(256, 0)).status());
  failures.push_back(key_->Decrypt(RsaEncryptPadding::kPkcs1, {}).status());
  for (const Status& s : failures) {
    EXPECT_EQ(s.code(), Code::kDataLoss);
    EXPECT_EQ(s, failures[0]) << s.ToString();
  }
}

TEST_F(RsaTest, SignaturesRoundTripForEveryDigestAndPadding) {
  const Bytes msg = ToBytes("message to sign");
  for (auto padding : {RsaSignPadding::kPkcs1, RsaSignPadding::kPss}) {
    for (DigestAlg alg : kShaAlgs) {
      auto sig = key_->Sign(padding, alg, MessageType::kRaw, msg);
      ASSERT_TRUE(sig.ok()) << sig.status().ToString();
      EXPECT_EQ(sig->size(), 256u);
      EXPECT_TRUE(*key_->Verify(padding, alg, MessageType::kRaw, msg, *sig));
      // Signing the digest is the same operation as signing the message.
      Bytes digest = *Digest(alg, msg);
      EXPECT_TRUE(*key_->Verify(padding, alg, MessageType::kDigest, digest, *sig));
      auto sig2 = key_->Sign(padding, alg, MessageType::kDigest, digest);
      ASSERT_TRUE(sig2.ok());
      EXPECT_TRUE(*key_->Verify(padding, alg, MessageType::kRaw, msg, *sig2));
      if (padding == RsaSignPadding::kPkcs1) {
        EXPECT_EQ(*sig, *sig2);  // deterministic
      }

      Bytes other = msg;
      other[0] ^= 1;
      EXPECT_FALSE(*key_->Verify(padding, alg, MessageType::kRaw, other, *sig));
      Bytes bad = *sig;
      bad[17] ^= 0x40;
      EXPECT_FALSE(*key_->Verify(padding, alg, MessageType::kRaw, msg, bad));
      auto other_padding =
          padding == RsaSignPadding::kPkcs1 ? RsaSignPadding::kPss : RsaSignPadding::kPkcs1;
      EXPECT_FALSE(*key_->Verify(other_padding, alg, MessageType::kRaw, msg, *sig));
    }
  }
}

TEST_F(RsaTest, StructuralMisuseIsAnError) {
  const Bytes msg = ToBytes("m");
  auto sig = key_->Sign(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw, msg);
  ASSERT_TRUE(sig.ok());
  // Digest of the wrong size.
  EXPECT_EQ(key_->Sign(RsaSignPadding::kPss, DigestAlg::kSha256, MessageType::kDigest, Bytes(31))
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(key_->Verify(RsaSignPadding::kPkcs1, DigestAlg::kSha384, MessageType::kDigest,
                         Bytes(32), *sig)
                .status()
                .code(),
            Code::kInvalidArgument);
  // Signature of the wrong length.
  Bytes longer = *sig;
  longer.push_back(0);
  EXPECT_EQ(key_->Verify(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw, msg,
                         longer)
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(
      key_->Verify(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw, msg, {})
          .status()
          .code(),
      Code::kInvalidArgument);
  // OpenSSL 3.0 refuses SM3 with RSA.
  EXPECT_EQ(key_->Sign(RsaSignPadding::kPkcs1, DigestAlg::kSm3, MessageType::kRaw, msg)
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST_F(RsaTest, InteroperatesWithOpensslCli) {
  testing::TempDir dir;
  const std::string pub = dir.Write("pub.pem", AsBytes(*key_->PublicPem()));
  const std::string priv = dir.Write("priv.pem", key_->PrivatePem()->view());
  const std::string msg = dir.Write("msg", AsBytes("interop message"));

  // Our signatures verify with openssl dgst.
  auto pkcs1 = key_->Sign(RsaSignPadding::kPkcs1, DigestAlg::kSha256, MessageType::kRaw,
                          AsBytes("interop message"));
  ASSERT_TRUE(pkcs1.ok());
  std::string sig = dir.Write("sig1", *pkcs1);
  EXPECT_EQ(testing::RunOpenssl("dgst -sha256 -verify " + pub + " -signature " + sig + " " + msg),
            0);
  auto pss = key_->Sign(RsaSignPadding::kPss, DigestAlg::kSha384, MessageType::kRaw,
                        AsBytes("interop message"));
  ASSERT_TRUE(pss.ok());
  sig = dir.Write("sig2", *pss);
  const std::string pss_opts =
      " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest -sigopt rsa_mgf1_md:sha384 ";
  EXPECT_EQ(testing::RunOpenssl("dgst -sha384" + pss_opts + "-verify " + pub + " -signature " +
                                sig + " " + msg),
            0);
  // A wrong signature fails there too, so the check above is not vacuous.
  Bytes bad = *pss;
  bad[0] ^= 1;
  sig = dir.Write("sig3", bad);
  EXPECT_NE(testing::RunOpenssl("dgst -sha384" + pss_opts + "-verify " + pub + " -signature " +
                                sig + " " + msg),
            0);

  // openssl's signatures verify with us.
  ASSERT_EQ(testing::RunOpenssl("dgst -sha512" + std::string(" -sigopt rsa_padding_mode:pss ") +
                                "-sigopt rsa_pss_saltlen:digest -sign " + priv + " -out " +
                                dir.path("osig") + " " + msg),
            0);
  EXPECT_TRUE(*key_->Verify(RsaSignPadding::kPss, DigestAlg::kSha512, MessageType::kRaw,
                            AsBytes("interop message"), dir.Read("osig")));

  // openssl's OAEP-SHA256 and PKCS#1 ciphertexts decrypt with us.
  ASSERT_EQ(testing::RunOpenssl("pkeyutl -encrypt -pubin -inkey " + pub +
                                " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 "
                                "-pkeyopt rsa_mgf1_md:sha256 -in " + msg + " -out " +
                                dir.path("oaep")),
            0);
  auto pt = key_->Decrypt(RsaEncryptPadding::kOaepSha256, dir.Read("oaep"));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(Str(*pt), "interop message");
  ASSERT_EQ(testing::RunOpenssl("pkeyutl -encrypt -pubin -inkey " + pub + " -in " + msg +
                                " -out " + dir.path("pkcs1")),
            0);
  pt = key_->Decrypt(RsaEncryptPadding::kPkcs1, dir.Read("pkcs1"));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(Str(*pt), "interop message");

  // Our OAEP ciphertext decrypts with openssl.
  auto ct = key_->Encrypt(RsaEncryptPadding::kOaepSha256, AsBytes("from us"));
  ASSERT_TRUE(ct.ok());
  std::string ct_path = dir.Write("ours", *ct);
  ASSERT_EQ(testing::RunOpenssl("pkeyutl -decrypt -inkey " + priv +
                                " -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 "
                                "-pkeyopt rsa_mgf1_md:sha256 -in " + ct_path + " -out " +
                                dir.path("ours.pt")),
            0);
  EXPECT_EQ(AsChars(dir.Read("ours.pt")), "from us");
}

TEST(Rsa, FromPemRejectsOtherKeyTypes) {
  OsslPtr<EVP_PKEY> ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  ASSERT_NE(ec, nullptr);
  auto pem = EncodePublicKeyPem(*ec, PemStructure::kSubjectPublicKeyInfo);
  ASSERT_TRUE(pem.ok());
  EXPECT_EQ(RsaKey::FromPem(*pem).status().code(), Code::kInvalidArgument);
}

// Wycheproof: one TEST_P per file, every vector checked inside with its tcId in the trace.
// "acceptable" cases may go either way.
class RsaWycheproof : public ::testing::TestWithParam<const char*> {};

TEST_P(RsaWycheproof, File) {
  const std::string file = GetParam();
  auto root = testing::LoadWycheproof(file);
  const std::string schema = StringField(root, "schema");
  int checked = 0;
  for (const auto& gv : root.at("testGroups").as_array()) {
    const auto& g = gv.as_object();
    const bool decrypt = g.contains("privateKeyPem");
    auto key = RsaKey::FromPem(StringField(g, decrypt ? "privateKeyPem" : "publicKeyPem"));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      const std::string result = StringField(t, "result");
      SCOPED_TRACE(file + " tcId " + std::to_string(t.at("tcId").as_int64()) + " " +
                   StringField(t, "comment"));
      if (result == "acceptable") continue;
      const bool valid = result == "valid";
      Bytes msg = HexField(t, "msg");
      if (decrypt) {
        const bool oaep = schema.find("oaep") != std::string::npos;
        auto pt = (*key)->Decrypt(oaep ? RsaEncryptPadding::kOaepSha256 : RsaEncryptPadding::kPkcs1,
                                  HexField(t, "ct"));
        // Only the empty OAEP label is supported, so a labelled ciphertext must not decrypt.
        bool expect_ok = valid && (!oaep || HexField(t, "label").empty());
        ASSERT_EQ(pt.ok(), expect_ok) << pt.status().ToString();
        if (expect_ok) {
          EXPECT_EQ(Bytes(pt->view().begin(), pt->view().end()), msg);
        }
      } else {
        const bool pss = schema.find("pss") != std::string::npos;
        auto ok = (*key)->Verify(pss ? RsaSignPadding::kPss : RsaSignPadding::kPkcs1,
                                 DigestAlg::kSha256, MessageType::kRaw, msg, HexField(t, "sig"));
        // Rejection may be false or, for a wrong-length signature, an error.
        EXPECT_EQ(ok.ok() && *ok, valid) << ok.status().ToString();
      }
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

INSTANTIATE_TEST_SUITE_P(Wycheproof, RsaWycheproof,
                         ::testing::Values("rsa_signature_2048_sha256_test.json",
                                           "rsa_pss_2048_sha256_mgf1_32_test.json",
                                           "rsa_oaep_2048_sha256_mgf1sha256_test.json",
                                           "rsa_pkcs1_2048_test.json"),
                         testing::FileParamName);

}  // namespace
}  // namespace kms::crypto
