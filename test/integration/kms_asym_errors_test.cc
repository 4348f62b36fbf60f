// Client mistakes with asymmetric keys: each is a 400 whose message says what is wrong, and
// decryption failures all read the same.

#include "asym_fixture.h"

namespace kms::testing {
namespace {

constexpr const char* kDecryptFailed =
    "Decryption failed, Please confirm that your parameters are correct.";

class KmsAsymErrors : public AsymFixture {};

TEST_F(KmsAsymErrors, WrongKeyForTheActionNamesKeyspecUsageAndNeed) {
  std::string rsa_sign = CreateKey("EH_RSA_2048", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  auto enc = Call("AsymmetricEncrypt",
                  {{"keyid", rsa_sign}, {"plaintext", B64("x")}, {"padding_mode", "EH_RSA_PKCS1"}});
  EXPECT_EQ(CodeOf(enc), 400);
  EXPECT_EQ(MessageOf(enc),
            "AsymmetricEncrypt needs an RSA or SM2 key with usage EH_KEYUSAGE_ENCRYPT_DECRYPT; "
            "keyid has keyspec EH_RSA_2048 and usage EH_KEYUSAGE_SIGN_VERIFY");

  std::string ec = CreateKey("EH_EC_P256", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
  auto ec_enc = Call("AsymmetricEncrypt",
                     {{"keyid", ec}, {"plaintext", B64("x")}, {"padding_mode", "EH_PAD_NONE"}});
  EXPECT_EQ(CodeOf(ec_enc), 400);
  EXPECT_NE(MessageOf(ec_enc).find("keyspec EH_EC_P256"), std::string::npos);

  std::string sm2_enc = CreateKey("EH_SM2", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
  auto sign = SignCall("Sign", sm2_enc, B64("m"), "EH_RAW", "EH_SM3", "EH_PAD_NONE");
  EXPECT_EQ(CodeOf(sign), 400);
  EXPECT_EQ(MessageOf(sign),
            "Sign needs an RSA, EC or SM2 key with usage EH_KEYUSAGE_SIGN_VERIFY; keyid has "
            "keyspec EH_SM2 and usage EH_KEYUSAGE_ENCRYPT_DECRYPT");

  std::string aes = CreateKey("EH_AES_GCM_128");
  auto pub = Call("GetPublicKey", {{"keyid", aes}});
  EXPECT_EQ(CodeOf(pub), 400);
  EXPECT_NE(MessageOf(pub).find("EH_AES_GCM_128"), std::string::npos);
  // Symmetric actions refuse asymmetric keys the same way.
  auto sym = Call("Encrypt", {{"keyid", rsa_sign}, {"plaintext", B64("x")}});
  EXPECT_EQ(CodeOf(sym), 400);
  EXPECT_NE(MessageOf(sym).find("EH_RSA_2048"), std::string::npos);
}

TEST_F(KmsAsymErrors, UnsupportedParameters) {
  std::string rsa = CreateKey("EH_RSA_2048", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  auto sm3 = SignCall("Sign", rsa, B64("m"), "EH_RAW", "EH_SM3", "EH_RSA_PKCS1");
  EXPECT_EQ(CodeOf(sm3), 400);
  EXPECT_NE(MessageOf(sm3).find("EH_SM3"), std::string::npos);
  auto nopad = SignCall("Sign", rsa, B64("m"), "EH_RAW", "EH_SHA_256", "EH_PAD_NONE");
  EXPECT_EQ(CodeOf(nopad), 400);
  EXPECT_NE(MessageOf(nopad).find("EH_RSA_PKCS1_PSS"), std::string::npos);

  std::string rsa_enc = CreateKey("EH_RSA_2048");  // no keyusage: encrypt/decrypt
  auto pss =
      Call("AsymmetricEncrypt",
           {{"keyid", rsa_enc}, {"plaintext", B64("x")}, {"padding_mode", "EH_RSA_PKCS1_PSS"}});
  EXPECT_EQ(CodeOf(pss), 400);
  EXPECT_NE(MessageOf(pss).find("EH_RSA_PKCS1_OAEP"), std::string::npos);
  // OAEP-SHA-256 carries at most k - 66 = 190 bytes for RSA-2048.
  auto ok = Call("AsymmetricEncrypt", {{"keyid", rsa_enc},
                                       {"plaintext", B64(Bytes(190, 1))},
                                       {"padding_mode", "EH_RSA_PKCS1_OAEP"}});
  EXPECT_EQ(CodeOf(ok), 200) << MessageOf(ok);
  auto big = Call("AsymmetricEncrypt", {{"keyid", rsa_enc},
                                        {"plaintext", B64(Bytes(191, 1))},
                                        {"padding_mode", "EH_RSA_PKCS1_OAEP"}});
  EXPECT_EQ(CodeOf(big), 400);
  EXPECT_NE(MessageOf(big).find("at most 190"), std::string::npos) << MessageOf(big);
}

TEST_F(KmsAsymErrors, DigestSizeAndSignatureShape) {
  std::string ec = CreateKey("EH_EC_P256", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  std::string short_digest = B64(Bytes(20, 1));
  auto sign = SignCall("Sign", ec, short_digest, "EH_DIGEST", "EH_SHA_256", "EH_PAD_NONE");
  EXPECT_EQ(CodeOf(sign), 400);
  EXPECT_NE(MessageOf(sign).find("32-byte"), std::string::npos);
  std::string sig = Sign(ec, B64(Bytes(32, 1)), "EH_DIGEST", "EH_SHA_256", "EH_PAD_NONE");
  // Verify answers false for a wrong-size digest, as upstream.
  EXPECT_EQ(Verify(ec, short_digest, "EH_DIGEST", "EH_SHA_256", "EH_PAD_NONE", sig), 0);
  // Malformed DER for EC is simply a signature that does not verify.
  EXPECT_EQ(Verify(ec, B64("m"), "EH_RAW", "EH_SHA_256", "EH_PAD_NONE", B64("junk")), 0);

  std::string rsa = CreateKey("EH_RSA_2048", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  auto wrong_len =
      SignCall("Verify", rsa, B64("m"), "EH_RAW", "EH_SHA_256", "EH_RSA_PKCS1", B64(Bytes(100, 1)));
  EXPECT_EQ(CodeOf(wrong_len), 400);
  EXPECT_NE(MessageOf(wrong_len).find("must be 256 bytes"), std::string::npos);
  EXPECT_EQ(Verify(rsa, B64("m"), "EH_RAW", "EH_SHA_256", "EH_RSA_PKCS1", B64(Bytes(256, 1))), 0);
}

TEST_F(KmsAsymErrors, DecryptionFailuresReadTheSame) {
  std::string rsa = CreateKey("EH_RSA_2048");
  auto enc = Call("AsymmetricEncrypt",
                  {{"keyid", rsa}, {"plaintext", B64("x")}, {"padding_mode", "EH_RSA_PKCS1"}});
  Bytes ct = Unb64(ResultString(enc, "ciphertext"));
  Bytes flipped = ct;
  flipped[10] ^= 1;
  for (auto [cipher, padding] : {std::pair{ct, "EH_RSA_PKCS1_OAEP"},          // wrong padding
                                 std::pair{flipped, "EH_RSA_PKCS1"},          // tampered
                                 std::pair{Bytes(17, 1), "EH_RSA_PKCS1"}}) {  // wrong size
    auto dec = Call("AsymmetricDecrypt",
                    {{"keyid", rsa}, {"ciphertext", B64(cipher)}, {"padding_mode", padding}});
    EXPECT_EQ(CodeOf(dec), 400);
    EXPECT_EQ(MessageOf(dec), kDecryptFailed);
  }
  std::string sm2 = CreateKey("EH_SM2");
  auto dec =
      Call("AsymmetricDecrypt",
           {{"keyid", sm2}, {"ciphertext", B64("not sm2")}, {"padding_mode", "EH_PAD_NONE"}});
  EXPECT_EQ(MessageOf(dec), kDecryptFailed);
}

TEST_F(KmsAsymErrors, ValidatorMessages) {
  std::string rsa = CreateKey("EH_RSA_2048");
  auto missing = Call("AsymmetricEncrypt", {{"keyid", rsa}, {"plaintext", B64("x")}});
  EXPECT_EQ(MessageOf(missing), "Missing required parameters, The padding_mode cannot be empty.");
  auto bad_enum = Call("AsymmetricEncrypt",
                       {{"keyid", rsa}, {"plaintext", B64("x")}, {"padding_mode", "OAEP"}});
  EXPECT_EQ(MessageOf(bad_enum), "Parameter invalid, The padding_mode type is incorrect.");
  auto no_digest = Call("Sign", {{"keyid", rsa},
                                 {"message", B64("m")},
                                 {"message_type", "EH_RAW"},
                                 {"padding_mode", "EH_RSA_PKCS1"}});
  EXPECT_EQ(MessageOf(no_digest), "Missing required parameters, The digest_mode cannot be empty.");
  auto unknown = Call("GetPublicKey", {{"keyid", "00000000-0000-4000-8000-000000000000"}});
  EXPECT_EQ(MessageOf(unknown), "keyid error");
}

TEST_F(KmsAsymErrors, ExportDataKeyMistakes) {
  std::string aes = CreateKey("EH_AES_GCM_256");
  auto dk = Call("GenerateDataKey", {{"keyid", aes}, {"keylen", 16}, {"aad", B64("ctx")}});
  std::string wrapped = ResultString(dk, "ciphertext");
  std::string rsa = CreateKey("EH_RSA_2048");
  auto none = Call("ExportDataKey", {{"keyid", aes}, {"ukeyid", rsa}});
  EXPECT_EQ(MessageOf(none), "Missing required parameters, The olddatakey_base cannot be empty.");
  auto bad_aad =
      Call("ExportDataKey",
           {{"keyid", aes}, {"ukeyid", rsa}, {"aad", B64("other")}, {"olddatakey_base", wrapped}});
  EXPECT_EQ(CodeOf(bad_aad), 400);
  EXPECT_EQ(MessageOf(bad_aad), kDecryptFailed);
  auto unknown = Call("ExportDataKey", {{"keyid", aes},
                                        {"ukeyid", "no-such-key"},
                                        {"aad", B64("ctx")},
                                        {"olddatakey_base", wrapped}});
  EXPECT_EQ(MessageOf(unknown), "keyid error");
  std::string signer = CreateKey("EH_RSA_2048", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  auto bad_target =
      Call("ExportDataKey",
           {{"keyid", aes}, {"ukeyid", signer}, {"aad", B64("ctx")}, {"olddatakey_base", wrapped}});
  EXPECT_EQ(CodeOf(bad_target), 400);
  EXPECT_EQ(MessageOf(bad_target).rfind("ukeyid: ExportDataKey needs an RSA or SM2 key", 0), 0u)
      << MessageOf(bad_target);
  auto not_b64 =
      Call("ExportDataKey", {{"keyid", aes}, {"ukeyid", rsa}, {"olddatakey_base", "%%%"}});
  EXPECT_EQ(MessageOf(not_b64),
            "Parameter invalid, The olddatakey_base not a vailed base64 string.");
}

TEST_F(KmsAsymErrors, ExternalAsymmetricKeyHasNoMaterial) {
  std::string ext = CreateKey("EH_EC_P256", "EH_EXTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY");
  auto sign = SignCall("Sign", ext, B64("m"), "EH_RAW", "EH_SHA_256", "EH_PAD_NONE");
  EXPECT_EQ(CodeOf(sign), 400);
  EXPECT_NE(MessageOf(sign).find("needs key material"), std::string::npos);
  auto pub = Call("GetPublicKey", {{"keyid", ext}});
  EXPECT_EQ(CodeOf(pub), 400);
}

}  // namespace
}  // namespace kms::testing
