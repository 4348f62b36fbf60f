// The audit trail of the real ehsm-kms: what a request records, `ehsm-kms audit verify` on
// it, and --audit-required when the log cannot be written.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "ehsm_client.h"
#include "hardening_test_util.h"
#include "kms_process.h"

namespace kms::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Verify(const std::string& args, int& exit_code) {
  CommandResult r = RunCommand(KmsProcess::BinaryPath() + " audit verify " + args);
  exit_code = r.exit_code;
  return r.output;
}

boost::json::object EncryptPayload(const std::string& keyid) {
  return {{"keyid", keyid}, {"plaintext", "aGVsbG8="}, {"aad", ""}};
}

TEST(KmsAuditTest, KeyUsesAreRecordedAndTheLogVerifies) {
  ScratchDir dir;
  const std::string data = dir / "data";
  std::string keyid;
  {
    KmsProcess kms(data, {"--audit-checkpoint-every", "3"});
    ASSERT_GT(kms.port(), 0) << kms.output();
    EhsmClient client(kms.port());
    client.Enroll();
    auto created = client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
    ASSERT_EQ(CodeOf(created), 200) << MessageOf(created);
    keyid = ResultString(created, "keyid");
    auto enc = client.Call("Encrypt", EncryptPayload(keyid));
    ASSERT_EQ(CodeOf(enc), 200) << MessageOf(enc);
    auto dec = client.Call("Decrypt", {{"keyid", keyid},
                                       {"ciphertext", ResultString(enc, "ciphertext")},
                                       {"aad", ""}});
    ASSERT_EQ(CodeOf(dec), 200) << MessageOf(dec);
    ASSERT_EQ(kms.Stop(), 0);
  }
  const std::string log = data + "/audit.log";
  const std::string text = ReadAll(log);
  for (std::string action : {"Enroll", "CreateKey", "Encrypt", "Decrypt"}) {
    EXPECT_NE(text.find("\"action\":\"" + action + "\""), std::string::npos) << action;
  }
  EXPECT_NE(text.find("\"keyid\":\"" + keyid + "\""), std::string::npos);
  EXPECT_NE(text.find("\"type\":\"domain_key\""), std::string::npos);
  EXPECT_EQ(text.find("aGVsbG8="), std::string::npos) << "a plaintext was recorded";

  int rc = -1;
  std::string out = Verify("--data-dir " + data + " " + log, rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_EQ(out.rfind("OK ", 0), 0u) << out;
  EXPECT_EQ(out.find("checkpoints_verified=0"), std::string::npos) << out;
  EXPECT_NE(out.find("records_after_last_checkpoint=0"), std::string::npos) << out;

  out = Verify("--no-domain-key " + log, rc);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("checkpoint signatures were not"), std::string::npos) << out;

  // One edited byte in the first record is reported at the second, with a failing status.
  std::string edited = text;
  edited.replace(edited.find("\"action\":\"Enroll\""), 17, "\"action\":\"Enrol_\"");
  std::ofstream(log, std::ios::trunc) << edited;
  out = Verify("--data-dir " + data + " " + log, rc);
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("BROKEN " + log + ":3"), std::string::npos) << out;
}

TEST(KmsAuditTest, RequestFailsWhenTheAuditLogCannotBeWritten) {
  ScratchDir dir;
  const std::string data = dir / "data";
  KmsProcess kms(data);
  ASSERT_GT(kms.port(), 0) << kms.output();
  EhsmClient client(kms.port());
  client.Enroll();
  auto created = client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
  ASSERT_EQ(CodeOf(created), 200) << MessageOf(created);
  const std::string keyid = ResultString(created, "keyid");
  // Root may write anywhere, so the file is taken away rather than made read-only.
  std::filesystem::rename(data + "/audit.log", data + "/audit.log.away");
  std::filesystem::create_directory(data + "/audit.log");
  boost::json::value reply;
  ASSERT_TRUE(Eventually([&] {
    reply = client.Call("Encrypt", EncryptPayload(keyid));
    return CodeOf(reply) != 200;
  })) << "requests kept succeeding without their audit record";
  EXPECT_EQ(CodeOf(reply), 500);
  EXPECT_EQ(MessageOf(reply), "audit log unavailable");
  EXPECT_NE(kms.output().find("audit.write_failed"), std::string::npos);
  // Once the log can be written again, requests are served and recorded again.
  std::filesystem::remove(data + "/audit.log");
  ASSERT_TRUE(Eventually([&] { return CodeOf(client.Call("Encrypt", EncryptPayload(keyid))) == 200; }));
}

TEST(KmsAuditTest, WithoutAuditRequiredRequestsGoOnUnrecorded) {
  ScratchDir dir;
  const std::string data = dir / "data";
  KmsProcess kms(data, {"--audit-required=false"});
  ASSERT_GT(kms.port(), 0) << kms.output();
  EhsmClient client(kms.port());
  client.Enroll();
  auto created = client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
  ASSERT_EQ(CodeOf(created), 200) << MessageOf(created);
  std::filesystem::rename(data + "/audit.log", data + "/audit.log.away");
  std::filesystem::create_directory(data + "/audit.log");
  const std::string keyid = ResultString(created, "keyid");
  // Every request is served while the log cannot be written, until the server has noticed.
  ASSERT_TRUE(Eventually([&] {
    auto reply = client.Call("Encrypt", EncryptPayload(keyid));
    EXPECT_EQ(CodeOf(reply), 200) << MessageOf(reply);
    return kms.output().find("audit.write_failed") != std::string::npos;
  }));
  EXPECT_EQ(CodeOf(client.Call("Encrypt", EncryptPayload(keyid))), 200);
}

}  // namespace
}  // namespace kms::testing
