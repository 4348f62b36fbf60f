// Replay protection end to end: one MAC is accepted once whatever shape it arrives in, tenants
// have their own share of the replay cache, and replays stay refused across restarts.

#include <gtest/gtest.h>

#include <filesystem>

#include "kms_test_fixture.h"
#include "protocol/canonical.h"

namespace kms::testing {
namespace {

namespace json = boost::json;

std::string MsFromNow(int64_t delta_ms) { return std::to_string(std::stoll(NowMs()) + delta_ms); }

int CodeOfRaw(const std::pair<int, std::string>& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.second, ec);
  return ec ? -1 : CodeOf(v);
}

class KmsReplayTest : public KmsFixture {
 protected:
  static CallOptions WithNonce(const std::string& nonce) {
    CallOptions o;
    o.nonce = nonce;
    return o;
  }
  static CallOptions At(int64_t delta_ms) {
    CallOptions o;
    o.timestamp = MsFromNow(delta_ms);
    return o;
  }
  json::object EncryptPayload(const std::string& keyid) {
    return {{"keyid", keyid}, {"plaintext", "aGVsbG8="}};
  }
};

TEST_F(KmsReplayTest, ForgedShapesOfACapturedEncryptAreRefused) {
  client_->Enroll();
  const std::string keyid = CreateKey("EH_AES_GCM_256");
  ASSERT_FALSE(keyid.empty());
  const std::string captured =
      client_->SignedBody(client_->credentials(), EncryptPayload(keyid), WithNonce("N"));
  ASSERT_EQ(CodeOfRaw(client_->PostRaw("Encrypt", captured)), 200);

  // The same signing string with the payload moved into the nonce, as an object key or as a
  // string, with no payload: canon() cannot tell these from the original.
  json::object original = json::parse(captured).as_object();
  const std::string payload_text =
      protocol::CanonicalText(original.at("payload"), protocol::EmptyValues::kDrop);
  json::object as_object = original;
  as_object.erase("payload");
  as_object["nonce"] = json::object{{"N&payload", payload_text}};
  json::object as_string = as_object;
  as_string["nonce"] = "N&payload=" + payload_text;
  ASSERT_EQ(protocol::SigningString(as_object, protocol::EmptyValues::kDrop),
            protocol::SigningString(original, protocol::EmptyValues::kDrop));
  ASSERT_EQ(protocol::SigningString(as_string, protocol::EmptyValues::kDrop),
            protocol::SigningString(original, protocol::EmptyValues::kDrop));
  for (const char* action : {"DeleteAllKey", "ListKey"}) {
    for (const json::object* forged : {&as_object, &as_string}) {
      auto r = client_->PostRaw(action, json::serialize(*forged));
      EXPECT_EQ(CodeOfRaw(r), 400) << action << ": " << r.second;
    }
  }
  // The key survived, and the ordinary signed flow still works.
  auto again = client_->Call("Encrypt", EncryptPayload(keyid));
  EXPECT_EQ(CodeOf(again), 200) << MessageOf(again);
}

TEST_F(KmsReplayTest, ReplayAfterGracefulRestartIsRefused) {
  client_->Enroll();
  const std::string keyid = CreateKey("EH_AES_GCM_256");
  // A timestamp ahead of the server's clock is not covered by the start-time floor: only the
  // saved window can refuse it after the restart.
  const std::string ahead = client_->SignedBody(client_->credentials(), EncryptPayload(keyid),
                                                At(120000));
  const std::string now = client_->SignedBody(client_->credentials(), EncryptPayload(keyid), {});
  ASSERT_EQ(CodeOfRaw(client_->PostRaw("Encrypt", ahead)), 200);
  ASSERT_EQ(CodeOfRaw(client_->PostRaw("Encrypt", now)), 200);
  RestartServer();
  EXPECT_FALSE(std::filesystem::exists(data_dir() + "/replay_window.sealed"));
  EXPECT_EQ(CodeOfRaw(client_->PostRaw("Encrypt", ahead)), 400);
  EXPECT_EQ(CodeOfRaw(client_->PostRaw("Encrypt", now)), 400);
  auto fresh = client_->Call("Encrypt", EncryptPayload(keyid));
  EXPECT_EQ(CodeOf(fresh), 200) << MessageOf(fresh);
}

TEST_F(KmsReplayTest, AfterACrashOldTimestampsAreRefusedNewAccepted) {
  client_->Enroll();
  const std::string keyid = CreateKey("EH_AES_GCM_256");
  const std::string captured =
      client_->SignedBody(client_->credentials(), EncryptPayload(keyid), {});
  ASSERT_EQ(CodeOfRaw(client_->PostRaw("Encrypt", captured)), 200);
  Credentials saved = client_->credentials();
  client_.reset();
  kms_->Kill();  // nothing saved
  StartServer();
  client_->credentials() = saved;
  auto r = client_->PostRaw("Encrypt", captured);
  EXPECT_EQ(CodeOfRaw(r), 400);
  EXPECT_NE(r.second.find("older than the server's start"), std::string::npos) << r.second;
  auto fresh = client_->Call("Encrypt", EncryptPayload(keyid));
  EXPECT_EQ(CodeOf(fresh), 200) << MessageOf(fresh);
}

TEST_F(KmsReplayTest, TimestampWindowFlagIsHonoured) {
  kms_.reset();
  StartServer({"--timestamp-window-ms", "5000"});
  client_->Enroll();
  // Old timestamps are refused by the window (the start-time floor refuses them too, so test
  // a future one, which only the window bounds).
  auto far = client_->Call("ListKey", {}, At(30000));
  EXPECT_EQ(CodeOf(far), 400);
  EXPECT_EQ(MessageOf(far), "Timestamp error");
  auto near = client_->Call("ListKey", {}, At(2000));
  EXPECT_EQ(CodeOf(near), 200) << MessageOf(near);
}

TEST_F(KmsReplayTest, TenantFillingItsShareDoesNotLockOutOthers) {
  kms_.reset();
  StartServer({"--replay-capacity", "1000", "--replay-tenant-capacity", "100"});
  Credentials a = client_->Enroll();
  Credentials b = client_->Enroll();
  int refused = 0;
  for (int i = 0; i < 110; ++i) {
    if (CodeOf(client_->CallAs(b, "ListKey", {})) != 200) ++refused;
  }
  EXPECT_GE(refused, 10);
  auto r = client_->CallAs(a, "ListKey", {});
  EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
}

}  // namespace
}  // namespace kms::testing
