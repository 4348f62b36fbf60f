// The REST API end to end against the real binary: every issue-2 action, before and after a
// restart.

#include <boost/json/serialize.hpp>

#include <fstream>
#include <map>
#include <regex>

#include "crypto/base64.h"
#include "kms_test_fixture.h"

namespace kms::testing {
namespace {

using boost::json::object;

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

class KmsActions : public KmsFixture {};

TEST_F(KmsActions, GetVersionAndEnrollAnswerAsTheSeedShows) {
  for (std::string path : {"/ehsm", "/ehsm/"}) {
    auto v = client_->Get("GetVersion", path);
    EXPECT_EQ(CodeOf(v), 200);
    EXPECT_EQ(MessageOf(v), "success!");
    EXPECT_EQ(ResultString(v, "version"), "0.3.2");
    EXPECT_TRUE(std::regex_match(ResultString(v, "git_sha"), std::regex("[0-9a-f]{7}")));
  }
  auto e = client_->Get("Enroll");
  EXPECT_EQ(CodeOf(e), 200);
  EXPECT_EQ(MessageOf(e), "successful");
  EXPECT_TRUE(std::regex_match(ResultString(e, "apikey"), std::regex("[0-9A-Za-z]{32}")));
  EXPECT_EQ(ResultString(e, "appid").size(), 36u);
  // Result fields in upstream order.
  EXPECT_EQ(boost::json::serialize(e).find("{\"apikey\""),
            boost::json::serialize(e).find("\"result\":") + 9);
}

TEST_F(KmsActions, EnrollAndGetVersionOnlyByGet) {
  auto [status, body] = client_->PostRaw("Enroll", "{}");
  EXPECT_EQ(status, 200);
  EXPECT_NE(body.find("\"code\":404"), std::string::npos) << body;
}

TEST_F(KmsActions, EncryptDecryptEverySymmetricKeyspec) {
  client_->Enroll();
  for (std::string spec :
       {"EH_AES_GCM_128", "EH_AES_GCM_192", "EH_AES_GCM_256", "EH_SM4_CTR", "EH_SM4_CBC"}) {
    std::string keyid = CreateKey(spec);
    // SM4 modes take no aad (they carry no integrity); see KmsBadInput.Sm4KeysRefuseAad.
    std::string aad = spec.starts_with("EH_AES") ? B64("challenge") : "";
    auto enc = client_->Call("Encrypt", {{"keyid", keyid},
                                         {"plaintext", B64("hello world")},
                                         {"aad", aad}});
    ASSERT_EQ(CodeOf(enc), 200) << spec << " " << MessageOf(enc);
    EXPECT_EQ(MessageOf(enc), "success!");
    std::string ct = ResultString(enc, "ciphertext");
    size_t ct_len = crypto::Base64Decode(ct)->size();
    size_t want = spec.starts_with("EH_AES") ? 11 + 28 : spec == "EH_SM4_CTR" ? 11 + 16 : 32;
    EXPECT_EQ(ct_len, want) << spec;
    auto dec = client_->Call(
        "Decrypt", {{"keyid", keyid}, {"ciphertext", ct}, {"aad", aad}});
    ASSERT_EQ(CodeOf(dec), 200) << spec << " " << MessageOf(dec);
    EXPECT_EQ(ResultString(dec, "plaintext"), B64("hello world"));
  }
}

TEST_F(KmsActions, WrongAadFailsWithTheContractMessage) {
  client_->Enroll();
  std::string keyid = CreateKey("EH_AES_GCM_256");
  auto enc = client_->Call("Encrypt", {{"keyid", keyid}, {"plaintext", B64("x")}, {"aad", B64("a")}});
  auto dec = client_->Call("Decrypt", {{"keyid", keyid},
                                       {"ciphertext", ResultString(enc, "ciphertext")},
                                       {"aad", B64("b")}});
  EXPECT_EQ(CodeOf(dec), 400);
  EXPECT_EQ(MessageOf(dec), "Decryption failed, Please confirm that your parameters are correct.");
}

TEST_F(KmsActions, BigdlFlowWithoutKeyusage) {
  client_->Enroll();
  // BigDL's client: no keyusage, keylen as a JSON number, aad the literal "test".
  std::string keyid = CreateKey("EH_AES_GCM_128");
  auto dk = client_->Call("GenerateDataKeyWithoutPlaintext",
                          {{"aad", "test"}, {"keyid", keyid}, {"keylen", 32}});
  ASSERT_EQ(CodeOf(dk), 200) << MessageOf(dk);
  EXPECT_EQ(ResultString(dk, "plaintext"), "");
  auto dec = client_->Call("Decrypt", {{"aad", "test"},
                                       {"ciphertext", ResultString(dk, "ciphertext")},
                                       {"keyid", keyid}});
  ASSERT_EQ(CodeOf(dec), 200) << MessageOf(dec);
  EXPECT_EQ(ResultString(dec, "plaintext").size(), 44u);

  auto with = client_->Call("GenerateDataKey", {{"keyid", keyid}, {"keylen", 16}});
  ASSERT_EQ(CodeOf(with), 200);
  auto back = client_->Call("Decrypt", {{"keyid", keyid},
                                        {"ciphertext", ResultString(with, "ciphertext")}});
  EXPECT_EQ(ResultString(back, "plaintext"), ResultString(with, "plaintext"));
}

TEST_F(KmsActions, ListDisableEnableDelete) {
  client_->Enroll();
  std::string a = CreateKey("EH_AES_GCM_256");
  std::string b = CreateKey("EH_SM4_CBC", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
  auto list = client_->Call("ListKey", {});
  ASSERT_EQ(CodeOf(list), 200);
  EXPECT_EQ(MessageOf(list), "successful");
  auto& arr = list.at("result").at("list").as_array();
  ASSERT_EQ(arr.size(), 2u);
  for (auto& entry : arr) {
    auto& o = entry.as_object();
    for (auto f : {"keyid", "creationDate", "expireTime", "alias", "keyspec", "keyState"})
      EXPECT_TRUE(o.contains(f)) << f;
    EXPECT_EQ(o.at("alias").as_string(), "");
    EXPECT_EQ(o.at("keyState").as_int64(), 1);
  }
  // Keys made in the same millisecond list in keyid order, so look them up by keyid.
  auto entry_of = [](const boost::json::value& reply, const std::string& keyid) {
    for (auto& e : reply.at("result").at("list").as_array()) {
      if (e.at("keyid").as_string() == keyid) return e.as_object();
    }
    ADD_FAILURE() << keyid << " not listed";
    return boost::json::object();
  };
  EXPECT_EQ(entry_of(list, a)["keyspec"], "EH_AES_GCM_256");
  EXPECT_EQ(entry_of(list, b)["keyspec"], "EH_SM4_CBC");

  EXPECT_EQ(MessageOf(client_->Call("DisableKey", {{"keyid", a}})), "successful");
  auto refused = client_->Call("Encrypt", {{"keyid", a}, {"plaintext", B64("x")}});
  EXPECT_EQ(CodeOf(refused), 400);
  EXPECT_EQ(MessageOf(refused), "keyid is disabled");
  EXPECT_EQ(entry_of(client_->Call("ListKey", {}), a)["keyState"], 0);
  EXPECT_EQ(MessageOf(client_->Call("EnableKey", {{"keyid", a}})), "successful");
  EXPECT_EQ(CodeOf(client_->Call("Encrypt", {{"keyid", a}, {"plaintext", B64("x")}})), 200);

  EXPECT_EQ(MessageOf(client_->Call("DeleteKey", {{"keyid", a}})), "successful");
  EXPECT_EQ(MessageOf(client_->Call("Encrypt", {{"keyid", a}, {"plaintext", B64("x")}})),
            "keyid error");
  EXPECT_EQ(MessageOf(client_->Call("EnableKey", {{"keyid", a}})), "not find this keyid");
  EXPECT_EQ(MessageOf(client_->Call("DeleteAllKey", {})), "successful");
  EXPECT_EQ(client_->Call("ListKey", {}).at("result").at("list").as_array().size(), 0u);
  EXPECT_EQ(MessageOf(client_->Call("Encrypt", {{"keyid", b}, {"plaintext", B64("x")}})),
            "keyid error");
}

TEST_F(KmsActions, TenantsAreIsolated) {
  Credentials alice = client_->Enroll();
  std::string keyid = CreateKey("EH_AES_GCM_256");
  Credentials bob = client_->Enroll();
  auto r = client_->CallAs(bob, "Encrypt", {{"keyid", keyid}, {"plaintext", B64("x")}});
  EXPECT_EQ(MessageOf(r), "appid error");
  EXPECT_EQ(MessageOf(client_->CallAs(bob, "DisableKey", {{"keyid", keyid}})),
            "not find this keyid");
  client_->CallAs(bob, "DeleteKey", {{"keyid", keyid}});
  client_->CallAs(bob, "DeleteAllKey", {});
  auto still = client_->CallAs(alice, "Encrypt", {{"keyid", keyid}, {"plaintext", B64("x")}});
  EXPECT_EQ(CodeOf(still), 200) << MessageOf(still);
  EXPECT_EQ(client_->CallAs(bob, "ListKey", {}).at("result").at("list").as_array().size(), 0u);
}

TEST_F(KmsActions, KeysAndCiphertextsSurviveRestart) {
  client_->Enroll();
  std::map<std::string, std::pair<std::string, std::string>> made;  // spec -> keyid, ct
  for (std::string spec : {"EH_AES_GCM_128", "EH_AES_GCM_256", "EH_SM4_CTR", "EH_SM4_CBC"}) {
    std::string keyid = CreateKey(spec);
    auto enc = client_->Call("Encrypt", {{"keyid", keyid}, {"plaintext", B64("persist " + spec)}});
    made[spec] = {keyid, ResultString(enc, "ciphertext")};
  }
  std::string disabled = CreateKey("EH_AES_GCM_192");
  client_->Call("DisableKey", {{"keyid", disabled}});
  RestartServer();
  for (auto& [spec, kc] : made) {
    auto dec = client_->Call("Decrypt", {{"keyid", kc.first}, {"ciphertext", kc.second}});
    ASSERT_EQ(CodeOf(dec), 200) << spec << " " << MessageOf(dec);
    EXPECT_EQ(ResultString(dec, "plaintext"), B64("persist " + spec));
  }
  EXPECT_EQ(MessageOf(client_->Call("Encrypt", {{"keyid", disabled}, {"plaintext", B64("x")}})),
            "keyid is disabled");
  EXPECT_EQ(client_->Call("ListKey", {}).at("result").at("list").as_array().size(), 5u);
}

TEST_F(KmsActions, MissingSealedDomainKeyRefusesToStart) {
  client_->Enroll();
  CreateKey("EH_AES_GCM_256");
  client_.reset();
  ASSERT_EQ(kms_->Stop(), 0);
  std::filesystem::remove(dir_ / "data" / "domain_key.sealed");
  KmsProcess again(data_dir(), store_args());
  EXPECT_EQ(again.port(), 0);
  EXPECT_NE(again.WaitExit(), 0);
  EXPECT_NE(again.output().find("refusing to start"), std::string::npos) << again.output();
  EXPECT_FALSE(std::filesystem::exists(dir_ / "data" / "domain_key.sealed"));
}

TEST_F(KmsActions, SigtermExitsCleanly) {
  client_->Enroll();
  client_.reset();
  EXPECT_EQ(kms_->Stop(), 0) << kms_->output();
}

TEST_F(KmsActions, NoSecretsInLogs) {
  client_.reset();
  kms_->Stop();
  StartServer({"--log-level", "debug"});
  Credentials c = client_->Enroll();
  std::string keyid = CreateKey("EH_AES_GCM_256");
  auto dk = client_->Call("GenerateDataKey", {{"keyid", keyid}, {"keylen", 32}});
  std::string plaintext = ResultString(dk, "plaintext");
  client_.reset();
  ASSERT_EQ(kms_->Stop(), 0);
  std::string out = kms_->output();
  std::ifstream audit(dir_ / "data" / "audit.log");
  std::string audit_text((std::istreambuf_iterator<char>(audit)), {});
  EXPECT_NE(audit_text.find("CreateKey"), std::string::npos);
  EXPECT_NE(audit_text.find(keyid), std::string::npos);
  EXPECT_NE(out.find("action=GenerateDataKey"), std::string::npos);  // requests are logged
  for (const std::string& text : {out, audit_text}) {
    EXPECT_EQ(text.find(c.apikey), std::string::npos);
    EXPECT_EQ(text.find(plaintext), std::string::npos);
  }
}

}  // namespace
}  // namespace kms::testing

namespace kms::testing {
namespace {

TEST_F(KmsActions, EnrollIsRateLimited) {
  client_.reset();
  kms_->Stop();
  StartServer({"--enroll-rate", "0.1"});  // bursts of 0.5: one token at start at most
  int ok = 0, limited = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = client_->Get("Enroll");
    if (CodeOf(r) == 200) ++ok;
    if (MessageOf(r) == "Too many enrollments, please retry later.") ++limited;
  }
  EXPECT_LE(ok, 1);
  EXPECT_GE(limited, 4);
  EXPECT_EQ(CodeOf(client_->Get("GetVersion")), 200);  // other actions unaffected
}

}  // namespace
}  // namespace kms::testing
