// Asymmetric actions end to end against the real binary: every keyspec × operation, and
// cross-checks with the openssl command-line tool.

#include "asym_fixture.h"
#include "crypto/digest.h"
#include "crypto/test_util.h"

namespace kms::testing {
namespace {

using crypto::testing::RunOpenssl;
using crypto::testing::TempDir;

class KmsAsym : public AsymFixture {};

constexpr const char* kEcSpecs[] = {"EH_EC_P224", "EH_EC_P256", "EH_EC_P256K", "EH_EC_P384",
                                    "EH_EC_P521"};
constexpr const char* kDigests[] = {"EH_SHA_224", "EH_SHA_256", "EH_SHA_384", "EH_SHA_512",
                                    "EH_SM3"};
constexpr size_t kDigestSizes[] = {28, 32, 48, 64, 32};

TEST_F(KmsAsym, PublicKeysInTheUpstreamPemFormsLoadInOpenssl) {
  TempDir dir;
  int n = 0;
  for (std::string spec : {"EH_RSA_2048", "EH_EC_P224", "EH_EC_P256", "EH_EC_P256K", "EH_EC_P384",
                           "EH_EC_P521", "EH_SM2"}) {
    for (std::string usage : {"EH_KEYUSAGE_SIGN_VERIFY", "EH_KEYUSAGE_ENCRYPT_DECRYPT"}) {
      std::string id = CreateKey(spec, "EH_INTERNAL_KEY", usage);
      std::string pem = PublicKey(id);
      std::string head = spec.starts_with("EH_RSA") ? "-----BEGIN RSA PUBLIC KEY-----\n"
                                                    : "-----BEGIN PUBLIC KEY-----\n";
      EXPECT_EQ(pem.rfind(head, 0), 0u) << spec << ": " << pem;
      EXPECT_EQ(pem.back(), '\n');
      std::string path = dir.Write("pub" + std::to_string(n++) + ".pem", AsBytes(pem));
      EXPECT_EQ(RunOpenssl("pkey -pubin -noout -in " + path), 0) << spec;
    }
  }
}

TEST_F(KmsAsym, RsaSignVerifyEveryPaddingDigestAndMessageType) {
  std::string id = CreateKey("EH_RSA_2048", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  for (std::string padding : {"EH_RSA_PKCS1", "EH_RSA_PKCS1_PSS"}) {
    for (size_t i = 0; i < 4; ++i) {
      std::string raw = B64("message to sign");
      std::string sig = Sign(id, raw, "EH_RAW", kDigests[i], padding);
      EXPECT_EQ(Unb64(sig).size(), 256u);
      EXPECT_EQ(Verify(id, raw, "EH_RAW", kDigests[i], padding, sig), 1) << kDigests[i];
      EXPECT_EQ(Verify(id, B64("message to sigN"), "EH_RAW", kDigests[i], padding, sig), 0);
      std::string digest = B64(Bytes(kDigestSizes[i], 0x11));
      std::string dsig = Sign(id, digest, "EH_DIGEST", kDigests[i], padding);
      EXPECT_EQ(Verify(id, digest, "EH_DIGEST", kDigests[i], padding, dsig), 1);
    }
  }
}

TEST_F(KmsAsym, EcdsaEveryCurveEveryDigestBothMessageTypes) {
  for (const char* spec : kEcSpecs) {
    std::string id = CreateKey(spec, "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
    for (size_t i = 0; i < 5; ++i) {
      // Padding is ignored for EC (real clients send EH_RSA_PKCS1 or EH_PAD_NONE).
      std::string raw = B64("ec message");
      std::string sig = Sign(id, raw, "EH_RAW", kDigests[i], "EH_RSA_PKCS1");
      EXPECT_EQ(Unb64(sig)[0], 0x30) << "DER SEQUENCE";
      EXPECT_EQ(Verify(id, raw, "EH_RAW", kDigests[i], "EH_PAD_NONE", sig), 1)
          << spec << " " << kDigests[i];
      EXPECT_EQ(Verify(id, B64("other"), "EH_RAW", kDigests[i], "EH_PAD_NONE", sig), 0);
      std::string digest = B64(Bytes(kDigestSizes[i], 0x22));
      std::string dsig = Sign(id, digest, "EH_DIGEST", kDigests[i], "EH_PAD_NONE");
      EXPECT_EQ(Verify(id, digest, "EH_DIGEST", kDigests[i], "EH_PAD_NONE", dsig), 1);
    }
  }
}

TEST_F(KmsAsym, Sm2SignaturesRawAndDigest) {
  std::string id = CreateKey("EH_SM2", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  std::string raw = B64("sm2 message");
  std::string sig = Sign(id, raw, "EH_RAW", "EH_SM3", "EH_PAD_NONE");
  EXPECT_EQ(Verify(id, raw, "EH_RAW", "EH_SM3", "EH_PAD_NONE", sig), 1);
  EXPECT_EQ(Verify(id, B64("sm2 messagE"), "EH_RAW", "EH_SM3", "EH_PAD_NONE", sig), 0);
  // digest_mode is ignored for SM2 on both sides (always SM3).
  EXPECT_EQ(Verify(id, raw, "EH_RAW", "EH_SHA_256", "EH_RSA_PKCS1", sig), 1);
  std::string e = B64(Bytes(32, 0x33));
  std::string dsig = Sign(id, e, "EH_DIGEST", "EH_SM3", "EH_PAD_NONE");
  EXPECT_EQ(Verify(id, e, "EH_DIGEST", "EH_SM3", "EH_PAD_NONE", dsig), 1);
  // EH_DIGEST signs e itself, so it is not a signature of e as a raw message.
  EXPECT_EQ(Verify(id, e, "EH_RAW", "EH_SM3", "EH_PAD_NONE", dsig), 0);
}

TEST_F(KmsAsym, SignaturesVerifyWithOpenssl) {
  TempDir dir;
  std::string msg_path = dir.Write("msg", AsBytes("checked by openssl"));
  std::string msg = B64("checked by openssl");
  struct Case {
    std::string spec, digest, padding, openssl_args;
  };
  for (const Case& c : {
           Case{"EH_RSA_2048", "EH_SHA_256", "EH_RSA_PKCS1", "dgst -sha256"},
           Case{"EH_RSA_3072", "EH_SHA_384", "EH_RSA_PKCS1_PSS",
                "dgst -sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:digest"},
           Case{"EH_EC_P256", "EH_SHA_256", "EH_PAD_NONE", "dgst -sha256"},
           Case{"EH_EC_P256K", "EH_SHA_256", "EH_PAD_NONE", "dgst -sha256"},
           Case{"EH_EC_P384", "EH_SHA_384", "EH_PAD_NONE", "dgst -sha384"},
           Case{"EH_EC_P521", "EH_SHA_512", "EH_PAD_NONE", "dgst -sha512"},
           Case{"EH_EC_P224", "EH_SHA_224", "EH_PAD_NONE", "dgst -sha224"},
       }) {
    std::string id = CreateKey(c.spec, "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
    std::string pub = dir.Write(c.spec + ".pem", AsBytes(PublicKey(id)));
    std::string sig =
        dir.Write(c.spec + ".sig", Unb64(Sign(id, msg, "EH_RAW", c.digest, c.padding)));
    EXPECT_EQ(
        RunOpenssl(c.openssl_args + " -verify " + pub + " -signature " + sig + " " + msg_path), 0)
        << c.spec;
    // And openssl's signature over a tampered message does not pass our Verify.
    EXPECT_EQ(Verify(id, B64("checked by openssL"), "EH_RAW", c.digest, c.padding,
                     B64(dir.Read(c.spec + ".sig"))),
              0);
  }
  std::string sm2 = CreateKey("EH_SM2", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  std::string pub = dir.Write("sm2.pem", AsBytes(PublicKey(sm2)));
  std::string sig = dir.Write("sm2.sig", Unb64(Sign(sm2, msg, "EH_RAW", "EH_SM3", "EH_PAD_NONE")));
  EXPECT_EQ(RunOpenssl("pkeyutl -verify -pubin -inkey " + pub +
                       " -rawin -digest sm3 -pkeyopt distid:1234567812345678 -in " + msg_path +
                       " -sigfile " + sig),
            0);
}

TEST_F(KmsAsym, EncryptDecryptRsaAndSm2) {
  for (std::string spec : {"EH_RSA_2048", "EH_RSA_3072", "EH_RSA_4096", "EH_SM2"}) {
    std::string id = CreateKey(spec, "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
    for (std::string padding : {"EH_RSA_PKCS1", "EH_RSA_PKCS1_OAEP"}) {
      auto enc =
          Call("AsymmetricEncrypt",
               {{"keyid", id}, {"plaintext", B64("asym secret")}, {"padding_mode", padding}});
      ASSERT_EQ(CodeOf(enc), 200) << spec << " " << MessageOf(enc);
      std::string ct = ResultString(enc, "ciphertext");
      if (spec != "EH_SM2") {
        size_t k = spec == "EH_RSA_2048" ? 256 : spec == "EH_RSA_3072" ? 384 : 512;
        EXPECT_EQ(Unb64(ct).size(), k);
      }
      auto dec =
          Call("AsymmetricDecrypt", {{"keyid", id}, {"ciphertext", ct}, {"padding_mode", padding}});
      ASSERT_EQ(CodeOf(dec), 200) << spec << " " << MessageOf(dec);
      EXPECT_EQ(ResultString(dec, "plaintext"), B64("asym secret"));
    }
  }
}

TEST_F(KmsAsym, OpensslCiphertextsDecrypt) {
  TempDir dir;
  std::string msg_path = dir.Write("msg", AsBytes("from openssl"));
  std::string rsa = CreateKey("EH_RSA_2048", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
  std::string rsa_pub = dir.Write("rsa.pem", AsBytes(PublicKey(rsa)));
  struct Case {
    std::string padding, opts;
  };
  for (const Case& c : {Case{"EH_RSA_PKCS1", "-pkeyopt rsa_padding_mode:pkcs1"},
                        Case{"EH_RSA_PKCS1_OAEP",
                             "-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 "
                             "-pkeyopt rsa_mgf1_md:sha256"}}) {
    ASSERT_EQ(RunOpenssl("pkeyutl -encrypt -pubin -inkey " + rsa_pub + " " + c.opts + " -in " +
                         msg_path + " -out " + dir.path("ct")),
              0);
    auto dec =
        Call("AsymmetricDecrypt",
             {{"keyid", rsa}, {"ciphertext", B64(dir.Read("ct"))}, {"padding_mode", c.padding}});
    ASSERT_EQ(CodeOf(dec), 200) << c.padding << " " << MessageOf(dec);
    EXPECT_EQ(ResultString(dec, "plaintext"), B64("from openssl"));
  }
  std::string sm2 = CreateKey("EH_SM2", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
  std::string sm2_pub = dir.Write("sm2.pem", AsBytes(PublicKey(sm2)));
  ASSERT_EQ(RunOpenssl("pkeyutl -encrypt -pubin -inkey " + sm2_pub + " -in " + msg_path + " -out " +
                       dir.path("sm2ct")),
            0);
  auto dec = Call(
      "AsymmetricDecrypt",
      {{"keyid", sm2}, {"ciphertext", B64(dir.Read("sm2ct"))}, {"padding_mode", "EH_PAD_NONE"}});
  ASSERT_EQ(CodeOf(dec), 200) << MessageOf(dec);
  EXPECT_EQ(ResultString(dec, "plaintext"), B64("from openssl"));
}

TEST_F(KmsAsym, ExportDataKeyToRsaAndSm2) {
  std::string aes = CreateKey("EH_AES_GCM_256");
  auto dk = Call("GenerateDataKey", {{"keyid", aes}, {"keylen", 32}, {"aad", B64("ctx")}});
  ASSERT_EQ(CodeOf(dk), 200);
  for (std::string spec : {"EH_RSA_3072", "EH_SM2"}) {
    std::string target = CreateKey(spec, "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
    for (std::string field : {"olddatakey_base", "olddatakey"}) {
      auto exp = Call("ExportDataKey", {{"keyid", aes},
                                        {"ukeyid", target},
                                        {"aad", B64("ctx")},
                                        {field, ResultString(dk, "ciphertext")}});
      ASSERT_EQ(CodeOf(exp), 200) << spec << " " << MessageOf(exp);
      auto back = Call("AsymmetricDecrypt", {{"keyid", target},
                                             {"ciphertext", ResultString(exp, "newdatakey")},
                                             {"padding_mode", "EH_RSA_PKCS1_OAEP"}});
      ASSERT_EQ(CodeOf(back), 200) << MessageOf(back);
      EXPECT_EQ(ResultString(back, "plaintext"), ResultString(dk, "plaintext"));
    }
  }
}

}  // namespace
}  // namespace kms::testing
