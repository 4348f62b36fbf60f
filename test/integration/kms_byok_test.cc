// BYOK end to end against the real binary: GetParametersForImport + ImportKeyMaterial for every
// symmetric keyspec with both wrapping paddings, and every way an import must be refused.

#include <openssl/rand.h>

#include "asym_fixture.h"
#include "crypto/aes_gcm.h"
#include "crypto/rsa.h"
#include "crypto/sm4.h"
#include "crypto/test_util.h"

namespace kms::testing {
namespace {

constexpr const char* kImportFailed =
    "Import key failed, Please confirm that key_material is the raw key of the keyid's keyspec "
    "wrapped with this import's public key and padding_mode.";

struct Params {
  std::string pubkey, token;
};

class KmsByok : public AsymFixture {
 protected:
  Params GetParameters(const std::string& keyid, const std::string& spec = "EH_RSA_2048") {
    auto r = Call("GetParametersForImport", {{"keyid", keyid}, {"keyspec", spec}});
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    EXPECT_EQ(MessageOf(r), "success!");
    return {ResultString(r, "pubkey"), ResultString(r, "importToken")};
  }
  static Bytes Wrap(const Params& p, ByteView raw, const std::string& padding) {
    auto pub = crypto::RsaKey::FromPem(p.pubkey);
    EXPECT_TRUE(pub.ok());
    return *(*pub)->Encrypt(padding == "EH_RSA_PKCS1" ? crypto::RsaEncryptPadding::kPkcs1
                                                      : crypto::RsaEncryptPadding::kOaepSha256,
                            raw);
  }
  boost::json::value Import(const std::string& keyid, const Params& p, ByteView wrapped,
                            const std::string& padding) {
    return Call("ImportKeyMaterial", {{"keyid", keyid},
                                      {"padding_mode", padding},
                                      {"key_material", B64(wrapped)},
                                      {"importToken", p.token}});
  }
  static Bytes RandomKey(size_t n) {
    Bytes k(n);
    RAND_bytes(k.data(), static_cast<int>(n));
    return k;
  }
};

// Decrypts the KMS's ciphertext locally with the raw key, proving the server uses it.
std::string LocalDecrypt(const std::string& spec, ByteView key, ByteView ct) {
  if (spec.starts_with("EH_AES")) {
    if (ct.size() < 28) return "";
    size_t n = ct.size() - 28;
    auto gcm = crypto::AesGcm::New(key);
    Bytes out(n);
    if (!(*gcm)->Decrypt(ct.subspan(n, 12), ct.first(n), {}, ct.subspan(n + 12), out).ok()) {
      return "";
    }
    return std::string(AsChars(out));
  }
  if (ct.size() < 16) return "";
  ByteView iv = ct.last(16), body = ct.first(ct.size() - 16);
  auto pt = spec == "EH_SM4_CTR" ? crypto::Sm4CtrDecrypt(key, iv, body)
                                 : crypto::Sm4CbcDecrypt(key, iv, body);
  return pt.ok() ? std::string(AsChars(pt->view())) : "";
}

TEST_F(KmsByok, EverySymmetricKeyspecWithPkcs1AndOaep) {
  for (std::string spec :
       {"EH_AES_GCM_128", "EH_AES_GCM_192", "EH_AES_GCM_256", "EH_SM4_CTR", "EH_SM4_CBC"}) {
    for (std::string padding : {"EH_RSA_PKCS1", "EH_RSA_PKCS1_OAEP"}) {
      std::string id = CreateKey(spec, "EH_EXTERNAL_KEY");
      Params p = GetParameters(id);
      EXPECT_EQ(p.pubkey.rfind("-----BEGIN RSA PUBLIC KEY-----\n", 0), 0u);
      size_t n = spec == "EH_AES_GCM_192" ? 24 : spec == "EH_AES_GCM_256" ? 32 : 16;
      Bytes raw = RandomKey(n);
      auto imp = Import(id, p, Wrap(p, raw, padding), padding);
      ASSERT_EQ(CodeOf(imp), 200) << spec << " " << padding << " " << MessageOf(imp);
      EXPECT_TRUE(imp.as_object().at("result").as_object().at("result").as_bool());

      auto enc = Call("Encrypt", {{"keyid", id}, {"plaintext", B64("byok data")}});
      ASSERT_EQ(CodeOf(enc), 200) << MessageOf(enc);
      EXPECT_EQ(LocalDecrypt(spec, raw, Unb64(ResultString(enc, "ciphertext"))), "byok data")
          << spec;
      auto dec = Call("Decrypt", {{"keyid", id}, {"ciphertext", ResultString(enc, "ciphertext")}});
      EXPECT_EQ(ResultString(dec, "plaintext"), B64("byok data"));
      // As upstream, imported keys do not generate data keys.
      auto gdk = Call("GenerateDataKey", {{"keyid", id}, {"keylen", 16}});
      EXPECT_EQ(CodeOf(gdk), 400);
    }
  }
}

TEST_F(KmsByok, WrappedByTheOpensslCliWithA4096BitKey) {
  crypto::testing::TempDir dir;
  std::string id = CreateKey("EH_AES_GCM_256", "EH_EXTERNAL_KEY");
  Params p = GetParameters(id, "EH_RSA_4096");
  Bytes raw = RandomKey(32);
  std::string pub = dir.Write("pub.pem", AsBytes(p.pubkey));
  std::string key = dir.Write("raw", raw);
  ASSERT_EQ(crypto::testing::RunOpenssl(
                "pkeyutl -encrypt -pubin -inkey " + pub + " -pkeyopt rsa_padding_mode:oaep " +
                "-pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 -in " + key + " -out " +
                dir.path("wrapped")),
            0);
  Bytes wrapped = dir.Read("wrapped");
  EXPECT_EQ(wrapped.size(), 512u);
  auto imp = Import(id, p, wrapped, "EH_RSA_PKCS1_OAEP");
  ASSERT_EQ(CodeOf(imp), 200) << MessageOf(imp);
  auto enc = Call("Encrypt", {{"keyid", id}, {"plaintext", B64("cli wrapped")}});
  EXPECT_EQ(LocalDecrypt("EH_AES_GCM_256", raw, Unb64(ResultString(enc, "ciphertext"))),
            "cli wrapped");
}

TEST_F(KmsByok, ReplayedTokenAndSecondImportAreRefused) {
  std::string id = CreateKey("EH_AES_GCM_256", "EH_EXTERNAL_KEY");
  Params p = GetParameters(id);
  Bytes raw = RandomKey(32);
  Bytes wrapped = Wrap(p, raw, "EH_RSA_PKCS1_OAEP");
  ASSERT_EQ(CodeOf(Import(id, p, wrapped, "EH_RSA_PKCS1_OAEP")), 200);
  auto replay = Import(id, p, wrapped, "EH_RSA_PKCS1_OAEP");
  EXPECT_EQ(CodeOf(replay), 400);
  EXPECT_NE(MessageOf(replay).find("already been imported"), std::string::npos);
  auto other = Import(id, p, Wrap(p, RandomKey(32), "EH_RSA_PKCS1_OAEP"), "EH_RSA_PKCS1_OAEP");
  EXPECT_EQ(CodeOf(other), 400);
  auto params = Call("GetParametersForImport", {{"keyid", id}, {"keyspec", "EH_RSA_2048"}});
  EXPECT_EQ(CodeOf(params), 400);
  EXPECT_NE(MessageOf(params).find("already been imported"), std::string::npos);
  // The original material is still the key.
  auto enc = Call("Encrypt", {{"keyid", id}, {"plaintext", B64("still mine")}});
  EXPECT_EQ(LocalDecrypt("EH_AES_GCM_256", raw, Unb64(ResultString(enc, "ciphertext"))),
            "still mine");
}

TEST_F(KmsByok, ForgedAndSupersededTokensAreRefused) {
  std::string id = CreateKey("EH_SM4_CBC", "EH_EXTERNAL_KEY");
  Params first = GetParameters(id);
  Params second = GetParameters(id);
  Bytes wrapped = Wrap(second, RandomKey(16), "EH_RSA_PKCS1");
  auto superseded = Import(id, {second.pubkey, first.token}, wrapped, "EH_RSA_PKCS1");
  EXPECT_EQ(MessageOf(superseded), "importToken invalid");
  std::string forged = second.token;
  forged[10] = forged[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(MessageOf(Import(id, {second.pubkey, forged}, wrapped, "EH_RSA_PKCS1")),
            "importToken invalid");
  // The upstream's token format (base64 JSON, no MAC) is not accepted.
  std::string upstream = B64("{\"keyid\":\"" + id + "\",\"timestamp\":" + NowMs() + "}");
  EXPECT_EQ(MessageOf(Import(id, {second.pubkey, upstream}, wrapped, "EH_RSA_PKCS1")),
            "importToken invalid");
  // Another key's genuine token.
  std::string id2 = CreateKey("EH_SM4_CBC", "EH_EXTERNAL_KEY");
  Params p2 = GetParameters(id2);
  EXPECT_EQ(MessageOf(Import(id, {second.pubkey, p2.token}, wrapped, "EH_RSA_PKCS1")),
            "importToken invalid");
  auto missing =
      Call("ImportKeyMaterial",
           {{"keyid", id}, {"padding_mode", "EH_RSA_PKCS1"}, {"key_material", B64(wrapped)}});
  EXPECT_EQ(MessageOf(missing), "Missing required parameters, The importToken cannot be empty.");
  // After all that, the right token still works.
  EXPECT_EQ(CodeOf(Import(id, second, wrapped, "EH_RSA_PKCS1")), 200);
}

TEST_F(KmsByok, BadKeyMaterialFailsWithOneMessage) {
  std::string id = CreateKey("EH_AES_GCM_256", "EH_EXTERNAL_KEY");
  Params p = GetParameters(id);
  for (auto [wrapped, padding] : {
           std::pair{Wrap(p, RandomKey(16), "EH_RSA_PKCS1_OAEP"), "EH_RSA_PKCS1_OAEP"},
           std::pair{Wrap(p, RandomKey(32), "EH_RSA_PKCS1_OAEP"), "EH_RSA_PKCS1"},
           std::pair{Bytes(256, 9), "EH_RSA_PKCS1"},
       }) {
    auto r = Import(id, p, wrapped, padding);
    EXPECT_EQ(CodeOf(r), 400);
    EXPECT_EQ(MessageOf(r), kImportFailed);
  }
  auto pss = Import(id, p, Bytes(256, 9), "EH_RSA_PKCS1_PSS");
  EXPECT_EQ(CodeOf(pss), 400);
  EXPECT_NE(MessageOf(pss).find("EH_RSA_PKCS1_OAEP"), std::string::npos);
  // Failed attempts do not consume the token.
  EXPECT_EQ(CodeOf(Import(id, p, Wrap(p, RandomKey(32), "EH_RSA_PKCS1"), "EH_RSA_PKCS1")), 200);
}

TEST_F(KmsByok, OnlyExternalSymmetricKeysWithRsaWrapping) {
  std::string internal = CreateKey("EH_AES_GCM_256");
  auto r1 = Call("GetParametersForImport", {{"keyid", internal}, {"keyspec", "EH_RSA_2048"}});
  EXPECT_EQ(CodeOf(r1), 400);
  EXPECT_NE(MessageOf(r1).find("EH_EXTERNAL_KEY"), std::string::npos);
  std::string ext_rsa = CreateKey("EH_RSA_2048", "EH_EXTERNAL_KEY");
  auto r2 = Call("GetParametersForImport", {{"keyid", ext_rsa}, {"keyspec", "EH_RSA_2048"}});
  EXPECT_EQ(CodeOf(r2), 400);
  EXPECT_NE(MessageOf(r2).find("AES-GCM and SM4"), std::string::npos);
  std::string ext = CreateKey("EH_AES_GCM_128", "EH_EXTERNAL_KEY");
  auto r3 = Call("GetParametersForImport", {{"keyid", ext}, {"keyspec", "EH_SM2"}});
  EXPECT_EQ(CodeOf(r3), 400);
  EXPECT_NE(MessageOf(r3).find("EH_SM2"), std::string::npos);
  auto r4 = Call("ImportKeyMaterial", {{"keyid", ext},
                                       {"padding_mode", "EH_RSA_PKCS1"},
                                       {"key_material", B64(Bytes(256, 1))},
                                       {"importToken", "AAAA"}});
  EXPECT_EQ(CodeOf(r4), 400);
  EXPECT_NE(MessageOf(r4).find("GetParametersForImport first"), std::string::npos);
  auto enc = Call("Encrypt", {{"keyid", ext}, {"plaintext", B64("x")}});
  EXPECT_EQ(CodeOf(enc), 400);
}

TEST_F(KmsByok, ImportSurvivesARestart) {
  std::string id = CreateKey("EH_AES_GCM_128", "EH_EXTERNAL_KEY");
  Params p = GetParameters(id);
  Bytes raw = RandomKey(16);
  RestartServer();
  ASSERT_EQ(CodeOf(Import(id, p, Wrap(p, raw, "EH_RSA_PKCS1_OAEP"), "EH_RSA_PKCS1_OAEP")), 200);
  RestartServer();
  auto enc = Call("Encrypt", {{"keyid", id}, {"plaintext", B64("after restart")}});
  EXPECT_EQ(LocalDecrypt("EH_AES_GCM_128", raw, Unb64(ResultString(enc, "ciphertext"))),
            "after restart");
}

}  // namespace
}  // namespace kms::testing
