#include "crypto/sm2.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

std::string Str(const SecretBytes& s) { return std::string(AsChars(s.view())); }

class Sm2 : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = Sm2Key::Generate();
    ASSERT_TRUE(k.ok());
    key_ = std::move(*k);
  }
  std::unique_ptr<Sm2Key> key_;
};

TEST_F(Sm2, PemFormatsAndRoundTrip) {
  auto pub = key_->PublicPem();
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(pub->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  auto priv = key_->PrivatePem();
  ASSERT_TRUE(priv.ok());
  EXPECT_EQ(Str(*priv).rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  auto pair = key_->KeyPairPem();
  ASSERT_TRUE(pair.ok());
  EXPECT_EQ(Str(*pair), *pub + Str(*priv));

  auto back = Sm2Key::FromPem(Str(*pair));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE((*back)->has_private());
  auto sig = (*back)->Sign(AsBytes("m"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(*key_->Verify(AsBytes("m"), *sig));
}

TEST_F(Sm2, SignVerify) {
  for (size_t n : {0, 1, 64, 6144}) {
    Bytes msg(n, static_cast<uint8_t>(n));
    auto sig = key_->Sign(msg);
    ASSERT_TRUE(sig.ok()) << sig.status().ToString();
    EXPECT_EQ((*sig)[0], 0x30);
    EXPECT_TRUE(*key_->Verify(msg, *sig));
    msg.push_back(1);
    EXPECT_FALSE(*key_->Verify(msg, *sig));
  }
}

TEST_F(Sm2, DigestSigningMatchesMessageSigning) {
  // MessageDigest computes Z by hand; OpenSSL's Verify computes it itself, so agreement in both
  // directions checks the Z formula and that SignDigest signs e without hashing it again.
  auto e = key_->MessageDigest(AsBytes("digest me"));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->size(), 32u);
  auto sig = key_->SignDigest(*e);
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(*key_->Verify(AsBytes("digest me"), *sig));
  EXPECT_FALSE(*key_->Verify(AsBytes("digest mE"), *sig));
  auto msg_sig = key_->Sign(AsBytes("digest me"));
  ASSERT_TRUE(msg_sig.ok());
  EXPECT_TRUE(*key_->VerifyDigest(*e, *msg_sig));
  Bytes other_e = *e;
  other_e[0] ^= 1;
  EXPECT_FALSE(*key_->VerifyDigest(other_e, *msg_sig));
  EXPECT_FALSE(*key_->VerifyDigest(*e, Bytes{0x30, 0x00}));
}

TEST_F(Sm2, DigestOfWrongSizeIsRefused) {
  EXPECT_EQ(key_->SignDigest(Bytes(31)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(key_->VerifyDigest(Bytes(33), Bytes(70)).status().code(), Code::kInvalidArgument);
}

TEST_F(Sm2, BadSignaturesAreFalse) {
  auto sig = key_->Sign(AsBytes("m"));
  ASSERT_TRUE(sig.ok());
  for (size_t bit = 0; bit < sig->size() * 8; ++bit) {
    Bytes bad = *sig;
    bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    auto r = key_->Verify(AsBytes("m"), bad);
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(*r) << bit;
  }
  EXPECT_FALSE(*key_->Verify(AsBytes("m"), {}));
  auto other = Sm2Key::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(*(*other)->Verify(AsBytes("m"), *sig));
}

TEST_F(Sm2, PublicOnlyKey) {
  auto pub = Sm2Key::FromPem(*key_->PublicPem());
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE((*pub)->has_private());
  auto sig = key_->Sign(AsBytes("m"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(*(*pub)->Verify(AsBytes("m"), *sig));
  auto ct = (*pub)->Encrypt(AsBytes("p"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Str(*key_->Decrypt(*ct)), "p");
  EXPECT_EQ((*pub)->Sign(AsBytes("m")).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ((*pub)->Decrypt(*ct).status().code(), Code::kFailedPrecondition);
  EXPECT_EQ((*pub)->PrivatePem().status().code(), Code::kFailedPrecondition);
}

TEST_F(Sm2, EncryptDecrypt) {
  for (size_t n : {1, 16, 32, 255, 1000}) {
    Bytes pt(n, static_cast<uint8_t>(n));
    auto ct = key_->Encrypt(pt);
    ASSERT_TRUE(ct.ok()) << ct.status().ToString();
    EXPECT_EQ((*ct)[0], 0x30);  // DER SEQUENCE{x, y, hash, ciphertext}
    EXPECT_GT(ct->size(), n + 32 + 64);
    auto back = key_->Decrypt(*ct);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), pt);
  }
  EXPECT_EQ(key_->Encrypt({}).status().code(), Code::kInvalidArgument);
}

TEST_F(Sm2, TamperedCiphertextIsRejected) {
  auto ct = key_->Encrypt(AsBytes("sixteen byte key"));
  ASSERT_TRUE(ct.ok());
  for (size_t i = 0; i < ct->size(); ++i) {
    Bytes bad = *ct;
    bad[i] ^= 0x01;
    EXPECT_EQ(key_->Decrypt(bad).status().code(), Code::kDataLoss) << i;
  }
  EXPECT_EQ(key_->Decrypt({}).status().code(), Code::kDataLoss);
  EXPECT_EQ(key_->Decrypt(Bytes(10, 0x30)).status().code(), Code::kDataLoss);
  auto other = Sm2Key::Generate();
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->Decrypt(*ct).status().code(), Code::kDataLoss);
}

TEST_F(Sm2, InteroperatesWithOpensslCli) {
  testing::TempDir dir;
  const std::string pub = dir.Write("pub.pem", AsBytes(*key_->PublicPem()));
  const std::string priv = dir.Write("priv.pem", key_->PrivatePem()->view());
  const std::string msg = dir.Write("msg", AsBytes("sm2 interop"));
  const std::string id_opts = " -rawin -digest sm3 -pkeyopt distid:1234567812345678 ";

  auto sig = key_->Sign(AsBytes("sm2 interop"));
  ASSERT_TRUE(sig.ok());
  std::string sig_path = dir.Write("sig", *sig);
  EXPECT_EQ(testing::RunOpenssl("pkeyutl -verify -pubin -inkey " + pub + id_opts + "-in " + msg +
                                " -sigfile " + sig_path),
            0);
  // With another ID the signature must not verify: the ID is really part of what we sign.
  EXPECT_NE(testing::RunOpenssl("pkeyutl -verify -pubin -inkey " + pub +
                                " -rawin -digest sm3 -pkeyopt distid:1234567812345679 -in " + msg +
                                " -sigfile " + sig_path),
            0);

  ASSERT_EQ(testing::RunOpenssl("pkeyutl -sign -inkey " + priv + id_opts + "-in " + msg +
                                " -out " + dir.path("osig")),
            0);
  EXPECT_TRUE(*key_->Verify(AsBytes("sm2 interop"), dir.Read("osig")));

  ASSERT_EQ(testing::RunOpenssl("pkeyutl -encrypt -pubin -inkey " + pub + " -in " + msg +
                                " -out " + dir.path("oct")),
            0);
  auto pt = key_->Decrypt(dir.Read("oct"));
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(Str(*pt), "sm2 interop");

  auto ct = key_->Encrypt(AsBytes("to openssl"));
  ASSERT_TRUE(ct.ok());
  std::string ct_path = dir.Write("ct", *ct);
  ASSERT_EQ(testing::RunOpenssl("pkeyutl -decrypt -inkey " + priv + " -in " + ct_path + " -out " +
                                dir.path("ct.pt")),
            0);
  EXPECT_EQ(AsChars(dir.Read("ct.pt")), "to openssl");
}

}  // namespace
}  // namespace kms::crypto
