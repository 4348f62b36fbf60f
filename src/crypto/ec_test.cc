#include "crypto/ec.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "crypto/pkey_pem.h"
#include "crypto/rsa.h"
#include "crypto/sm2.h"
#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

using testing::HexField;
using testing::StringField;

const EcCurve kCurves[] = {EcCurve::kP224, EcCurve::kP256, EcCurve::kSecp256k1, EcCurve::kP384,
                           EcCurve::kP521};
const DigestAlg kAllDigests[] = {DigestAlg::kSha224, DigestAlg::kSha256, DigestAlg::kSha384,
                                 DigestAlg::kSha512, DigestAlg::kSm3};

std::string Str(const SecretBytes& s) { return std::string(AsChars(s.view())); }

TEST(Ec, EveryCurveSignsWithEveryDigest) {
  const Bytes msg = ToBytes("ecdsa message");
  for (EcCurve curve : kCurves) {
    auto key = EcKey::Generate(curve);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ((*key)->curve(), curve);
    for (DigestAlg alg : kAllDigests) {
      SCOPED_TRACE(static_cast<int>(curve) * 10 + static_cast<int>(alg));
      auto sig = (*key)->Sign(alg, MessageType::kRaw, msg);
      ASSERT_TRUE(sig.ok()) << sig.status().ToString();
      EXPECT_EQ((*sig)[0], 0x30);  // DER SEQUENCE
      EXPECT_TRUE(*(*key)->Verify(alg, MessageType::kRaw, msg, *sig));
      Bytes digest = *Digest(alg, msg);
      EXPECT_TRUE(*(*key)->Verify(alg, MessageType::kDigest, digest, *sig));
      auto sig2 = (*key)->Sign(alg, MessageType::kDigest, digest);
      ASSERT_TRUE(sig2.ok());
      EXPECT_TRUE(*(*key)->Verify(alg, MessageType::kRaw, msg, *sig2));

      Bytes other = msg;
      other.back() ^= 1;
      EXPECT_FALSE(*(*key)->Verify(alg, MessageType::kRaw, other, *sig));
    }
  }
}

class EcP256 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = EcKey::Generate(EcCurve::kP256);
    ASSERT_TRUE(k.ok());
    key_ = std::move(*k);
  }
  std::unique_ptr<EcKey> key_;
};

TEST_F(EcP256, PemFormatsAndRoundTrip) {
  auto pub = key_->PublicPem();
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  auto priv = key_->PrivatePem();
  ASSERT_TRUE(priv.ok());
  EXPECT_EQ(Str(*priv).rfind("-----BEGIN EC PRIVATE KEY-----\n", 0), 0u);
  auto pair = key_->KeyPairPem();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(Str(*pair), *pub + Str(*priv));

  for (EcCurve curve : kCurves) {
    auto k = EcKey::Generate(curve);
    ASSERT_TRUE(k.ok());
    auto back = EcKey::FromPem(Str(*(*k)->KeyPairPem()));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ((*back)->curve(), curve);
    EXPECT_TRUE((*back)->has_private());
    auto sig = (*back)->Sign(DigestAlg::kSha256, MessageType::kRaw, AsBytes("m"));
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(*(*k)->Verify(DigestAlg::kSha256, MessageType::kRaw, AsBytes("m"), *sig));
  }
}

TEST_F(EcP256, PublicOnlyKeyVerifiesButCannotSign) {
  auto pub = EcKey::FromPem(*key_->PublicPem());
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE((*pub)->has_private());
  auto sig = key_->Sign(DigestAlg::kSha256, MessageType::kRaw, AsBytes("m"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(*(*pub)->Verify(DigestAlg::kSha256, MessageType::kRaw, AsBytes("m"), *sig));
  EXPECT_EQ((*pub)->Sign(DigestAlg::kSha256, MessageType::kRaw, AsBytes("m")).status().code(),
            Code::kFailedPrecondition);
  EXPECT_EQ((*pub)->PrivatePem().status().code(), Code::kFailedPrecondition);
}

TEST_F(EcP256, BadSignaturesAreFalseAndMisuseIsAnError) {
  const Bytes msg = ToBytes("m");
  auto sig = key_->Sign(DigestAlg::kSha256, MessageType::kRaw, msg);
  ASSERT_TRUE(sig.ok());
  for (size_t bit = 0; bit < sig->size() * 8; ++bit) {
    Bytes bad = *sig;
    bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    auto r = key_->Verify(DigestAlg::kSha256, MessageType::kRaw, msg, bad);
    ASSERT_TRUE(r.ok()) << bit;
    EXPECT_FALSE(*r) << bit;
  }
  Bytes trailing = *sig;
  trailing.push_back(0);
  EXPECT_FALSE(*key_->Verify(DigestAlg::kSha256, MessageType::kRaw, msg, trailing));
  EXPECT_FALSE(*key_->Verify(DigestAlg::kSha256, MessageType::kRaw, msg, {}));
  EXPECT_FALSE(*key_->Verify(DigestAlg::kSha256, MessageType::kRaw, msg, Bytes(70, 0x30)));
  // Signed under one digest, checked under another.
  EXPECT_FALSE(*key_->Verify(DigestAlg::kSm3, MessageType::kRaw, msg, *sig));

  EXPECT_EQ(key_->Sign(DigestAlg::kSha256, MessageType::kDigest, Bytes(20)).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(key_->Verify(DigestAlg::kSha512, MessageType::kDigest, Bytes(32), *sig)
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST_F(EcP256, KeyTypesDoNotMix) {
  auto sm2 = Sm2Key::Generate();
  ASSERT_TRUE(sm2.ok());
  EXPECT_EQ(EcKey::FromPem(Str(*(*sm2)->KeyPairPem())).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Sm2Key::FromPem(Str(*key_->KeyPairPem())).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RsaKey::FromPem(Str(*key_->KeyPairPem())).status().code(), Code::kInvalidArgument);
  // A curve outside the supported set.
  OsslPtr<EVP_PKEY> brainpool(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "brainpoolP256r1"));
  ASSERT_NE(brainpool, nullptr);
  EXPECT_EQ(EcKey::FromPem(*EncodePublicKeyPem(*brainpool, PemStructure::kSubjectPublicKeyInfo))
                .status()
                .code(),
            Code::kInvalidArgument);
}

// Const methods share one EVP_PKEY across threads.
TEST(Ec, ConcurrentUseOfOneKey) {
  auto ec = EcKey::Generate(EcCurve::kP256);
  auto sm2 = Sm2Key::Generate();
  ASSERT_TRUE(ec.ok());
  ASSERT_TRUE(sm2.ok());
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        Bytes msg = {static_cast<uint8_t>(t), static_cast<uint8_t>(i)};
        auto s1 = (*ec)->Sign(DigestAlg::kSha256, MessageType::kRaw, msg);
        auto s2 = (*sm2)->Sign(msg);
        auto ct = (*sm2)->Encrypt(msg);
        if (!s1.ok() || !s2.ok() || !ct.ok() ||
            !*(*ec)->Verify(DigestAlg::kSha256, MessageType::kRaw, msg, *s1) ||
            !*(*sm2)->Verify(msg, *s2) || !(*sm2)->Decrypt(*ct).ok()) {
          ++failures[static_cast<size_t>(t)];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(Ec, InteroperatesWithOpensslCli) {
  for (EcCurve curve : {EcCurve::kP256, EcCurve::kSecp256k1, EcCurve::kP521}) {
    auto key = EcKey::Generate(curve);
    ASSERT_TRUE(key.ok());
    testing::TempDir dir;
    const std::string pub = dir.Write("pub.pem", AsBytes(*(*key)->PublicPem()));
    const std::string priv = dir.Write("priv.pem", (*key)->PrivatePem()->view());
    const std::string msg = dir.Write("msg", AsBytes("interop"));

    auto sig = (*key)->Sign(DigestAlg::kSha384, MessageType::kRaw, AsBytes("interop"));
    ASSERT_TRUE(sig.ok());
    std::string sig_path = dir.Write("sig", *sig);
    EXPECT_EQ(testing::RunOpenssl("dgst -sha384 -verify " + pub + " -signature " + sig_path +
                                  " " + msg),
              0);
    EXPECT_NE(testing::RunOpenssl("dgst -sha256 -verify " + pub + " -signature " + sig_path +
                                  " " + msg),
              0);

    ASSERT_EQ(testing::RunOpenssl("dgst -sha512 -sign " + priv + " -out " + dir.path("osig") +
                                  " " + msg),
              0);
    EXPECT_TRUE(*(*key)->Verify(DigestAlg::kSha512, MessageType::kRaw, AsBytes("interop"),
                                dir.Read("osig")));
  }
}

// Wycheproof ECDSA verification: one TEST_P per file; "acceptable" cases may go either way.
class EcdsaWycheproof : public ::testing::TestWithParam<const char*> {};

TEST_P(EcdsaWycheproof, File) {
  const std::string file = GetParam();
  const std::map<std::string, DigestAlg> digests = {{"SHA-224", DigestAlg::kSha224},
                                                    {"SHA-256", DigestAlg::kSha256},
                                                    {"SHA-384", DigestAlg::kSha384},
                                                    {"SHA-512", DigestAlg::kSha512}};
  auto root = testing::LoadWycheproof(file);
  int valid = 0, invalid = 0;
  for (const auto& gv : root.at("testGroups").as_array()) {
    const auto& g = gv.as_object();
    auto key = EcKey::FromPem(StringField(g, "publicKeyPem"));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    DigestAlg alg = digests.at(StringField(g, "sha"));
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& t = tv.as_object();
      const std::string result = StringField(t, "result");
      SCOPED_TRACE(file + " tcId " + std::to_string(t.at("tcId").as_int64()) + " " +
                   StringField(t, "comment"));
      if (result == "acceptable") continue;
      auto ok = (*key)->Verify(alg, MessageType::kRaw, HexField(t, "msg"), HexField(t, "sig"));
      ASSERT_TRUE(ok.ok()) << ok.status().ToString();
      EXPECT_EQ(*ok, result == "valid");
      (result == "valid" ? valid : invalid)++;
    }
  }
  EXPECT_GT(valid, 10);
  EXPECT_GT(invalid, 10);
}

INSTANTIATE_TEST_SUITE_P(Wycheproof, EcdsaWycheproof,
                         ::testing::Values("ecdsa_secp224r1_sha224_test.json",
                                           "ecdsa_secp256r1_sha256_test.json",
                                           "ecdsa_secp256k1_sha256_test.json",
                                           "ecdsa_secp384r1_sha384_test.json",
                                           "ecdsa_secp521r1_sha512_test.json"),
                         testing::FileParamName);

}  // namespace
}  // namespace kms::crypto
