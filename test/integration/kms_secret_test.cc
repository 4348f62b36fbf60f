// The secret manager end to end against the real binary: every action's success and error
// paths, versions, concurrency, awkward names and values, and scheduled deletion across a
// restart.

#include <atomic>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>
#include <thread>

#include "kms_test_fixture.h"
#include "store/sqlite_db.h"
#include "store/sqlite_store.h"

namespace kms::testing {
namespace {

using boost::json::object;

constexpr int64_t kDayMs = 86'400'000;

const object& ResultOf(const boost::json::value& reply) {
  static const object empty;
  if (!reply.is_object()) return empty;
  const auto* r = reply.get_object().if_contains("result");
  return r != nullptr && r->is_object() ? r->get_object() : empty;
}

int64_t ResultInt(const boost::json::value& reply, const std::string& field) {
  const auto* v = ResultOf(reply).if_contains(field);
  return v != nullptr && v->is_int64() ? v->get_int64() : -1;
}

std::vector<int64_t> VersionIds(const boost::json::value& reply) {
  std::vector<int64_t> ids;
  const auto* list = ResultOf(reply).if_contains("versionIds");
  if (list == nullptr || !list->is_array()) return ids;
  for (const auto& v : list->get_array()) ids.push_back(v.at("versionId").as_int64());
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

int64_t NowMsInt() { return std::stoll(NowMs()); }

class KmsSecrets : public KmsFixture {
 protected:
  // Sweeps often, so a due deletion is seen quickly after a restart.
  std::vector<std::string> extra_args_or(std::vector<std::string> extra) override {
    extra.push_back("--secret-sweep-interval-ms");
    extra.push_back("100");
    return extra;
  }

  boost::json::value Create(const std::string& name, const std::string& data, object extra = {}) {
    extra["secretName"] = name;
    extra["secretData"] = data;
    return client_->Call("CreateSecret", extra);
  }
  std::string ValueOf(const std::string& name, int64_t version = 0) {
    object p{{"secretName", name}};
    if (version > 0) p["versionId"] = version;
    auto r = client_->Call("GetSecretValue", p);
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    return ResultString(r, "secretData");
  }
  boost::json::value Named(const std::string& action, const std::string& name, object extra = {}) {
    extra["secretName"] = name;
    return client_->Call(action, extra);
  }
};

TEST_F(KmsSecrets, LifecycleWithContractMessagesAndShapes) {
  client_->Enroll();
  auto c = Create("db-password", "v1", {{"description", "prod db"}});
  ASSERT_EQ(CodeOf(c), 200) << MessageOf(c);
  EXPECT_EQ(MessageOf(c), "The db-password create success.");

  auto put = Named("PutSecretValue", "db-password", {{"secretData", "v2"}});
  EXPECT_EQ(CodeOf(put), 200) << MessageOf(put);
  EXPECT_EQ(MessageOf(put), "The db-password new version put success.");

  auto get = Named("GetSecretValue", "db-password");
  EXPECT_EQ(MessageOf(get), "successful");
  EXPECT_EQ(ResultString(get, "secretName"), "db-password");
  EXPECT_EQ(ResultString(get, "secretData"), "v2");
  EXPECT_EQ(ResultInt(get, "versionId"), 2);
  EXPECT_GT(ResultInt(get, "createTime"), 0);
  EXPECT_EQ(ValueOf("db-password", 1), "v1");
  // An unknown version is a success without data.
  auto missing = Named("GetSecretValue", "db-password", {{"versionId", 3}});
  EXPECT_EQ(CodeOf(missing), 200);
  EXPECT_TRUE(ResultOf(missing).empty()) << boost::json::serialize(missing);

  auto versions = Named("ListSecretVersionIds", "db-password");
  EXPECT_EQ(MessageOf(versions), "List secret versionIds success.");
  EXPECT_EQ(ResultString(versions, "secretName"), "db-password");
  EXPECT_EQ(ResultInt(versions, "totalCount"), 2);
  EXPECT_EQ(VersionIds(versions), Range(1, 2));

  auto upd = Named("UpdateSecretDesc", "db-password", {{"description", "rotated"}});
  EXPECT_EQ(MessageOf(upd), "Update secret description success.");
  auto desc = Named("DescribeSecret", "db-password");
  EXPECT_EQ(MessageOf(desc), "Describe secrets success.");
  EXPECT_EQ(ResultString(desc, "description"), "rotated");
  EXPECT_GT(ResultInt(desc, "createTime"), 0);
  EXPECT_FALSE(ResultOf(desc).contains("plannedDeleteTime"));
  EXPECT_FALSE(ResultOf(desc).contains("rotationInterval"));
  // Omitting the description removes it.
  Named("UpdateSecretDesc", "db-password");
  EXPECT_FALSE(ResultOf(Named("DescribeSecret", "db-password")).contains("description"));

  ASSERT_EQ(CodeOf(Create("api-token", "t", {{"rotationInterval", "30d"}})), 200);
  auto list = client_->Call("ListSecrets", {});
  EXPECT_EQ(MessageOf(list), "List secrets success.");
  EXPECT_EQ(ResultInt(list, "totalCount"), 2);
  auto filtered = client_->Call("ListSecrets", {{"secretName", "api-token"}});
  ASSERT_EQ(ResultInt(filtered, "totalCount"), 1);
  EXPECT_EQ(ResultOf(filtered).at("secretList").at(0).at("secretName"), "api-token");

  auto rot = Named("DescribeSecret", "api-token");
  EXPECT_EQ(ResultString(rot, "rotationInterval"), "30d");
  EXPECT_EQ(ResultString(rot, "lastRotationDate"), "");
  EXPECT_EQ(ResultInt(rot, "nextRotationDate"), ResultInt(rot, "createTime") + 30 * kDayMs);

  auto del = Named("DeleteSecret", "db-password", {{"forceDelete", "true"}});
  EXPECT_EQ(MessageOf(del), "The db-password delete success");
  auto gone = Named("DescribeSecret", "db-password");
  EXPECT_EQ(CodeOf(gone), 200);
  EXPECT_TRUE(ResultOf(gone).empty());
}

TEST_F(KmsSecrets, CreateRefusals) {
  client_->Enroll();
  ASSERT_EQ(CodeOf(Create("s", "v")), 200);
  EXPECT_EQ(MessageOf(Create("s", "other")),
            "Secret name already exists, cannot use the same secret name");
  EXPECT_EQ(MessageOf(Create("", "v")),
            "Missing required parameters, The secretName cannot be empty.");
  EXPECT_EQ(MessageOf(Create("x", "")),
            "Missing required parameters, The secretData cannot be empty.");
  EXPECT_EQ(CodeOf(Create(std::string(65, 'n'), "v")), 400);
  EXPECT_EQ(CodeOf(Create(std::string(64, 'n'), "v")), 200);
  EXPECT_EQ(CodeOf(Create("big", std::string(4097, 'd'))), 400);
  EXPECT_EQ(CodeOf(Create("big", std::string(4096, 'd'))), 200);
  for (std::string bad : {"5h", "8761h", "1,", "366d", "359m", "9999s"}) {
    EXPECT_EQ(MessageOf(Create("r-" + bad, "v", {{"rotationInterval", bad}})),
              "The rotation time is less than 6 hours or more than 8760 hours")
        << bad;
  }
  for (std::string bad : {"30", "d", "30x", "123456"}) {
    EXPECT_EQ(CodeOf(Create("r-" + bad, "v", {{"rotationInterval", bad}})), 400) << bad;
  }
  EXPECT_EQ(CodeOf(Create("r-ok", "v", {{"rotationInterval", "6h"}})), 200);
  EXPECT_EQ(CodeOf(Create("r-ok2", "v", {{"rotationInterval", "365d"}})), 200);
  EXPECT_EQ(CodeOf(Create("r-ok3", "v", {{"rotationInterval", "360m"}})), 200);
  // Nothing was created by the refused requests.
  EXPECT_TRUE(ResultOf(Named("DescribeSecret", "r-5h")).empty());
}

TEST_F(KmsSecrets, NamedKeysMustBeTheCallersEnabledAesGcmKeys) {
  client_->Enroll();
  std::string aes = CreateKey("EH_AES_GCM_128");
  std::string sm4 = CreateKey("EH_SM4_CBC");
  std::string off = CreateKey("EH_AES_GCM_256");
  client_->Call("DisableKey", {{"keyid", off}});
  Credentials me = client_->credentials();
  client_->Enroll();
  std::string foreign = CreateKey("EH_AES_GCM_256");
  client_->credentials() = me;

  ASSERT_EQ(CodeOf(Create("k", "under cmk", {{"encryptionKeyId", aes}})), 200);
  EXPECT_EQ(ValueOf("k"), "under cmk");
  ASSERT_EQ(CodeOf(Named("PutSecretValue", "k", {{"secretData", "v2"}})), 200);
  EXPECT_EQ(ValueOf("k"), "v2");
  EXPECT_EQ(MessageOf(Create("f", "v", {{"encryptionKeyId", foreign}})),
            "Cannot find cmk by keyid.");
  EXPECT_EQ(
      MessageOf(Create("m", "v", {{"encryptionKeyId", "00000000-0000-0000-0000-000000000000"}})),
      "Cannot find cmk by keyid.");
  EXPECT_EQ(MessageOf(Create("d", "v", {{"encryptionKeyId", off}})), "keyid is disabled");
  EXPECT_EQ(CodeOf(Create("s", "v", {{"encryptionKeyId", sm4}})), 400);
  EXPECT_EQ(CodeOf(Create("u", "v", {{"encryptionKeyId", "not-a-uuid"}})), 400);

  // Disabling the key stops reads and writes (upstream kept decrypting: Q12).
  client_->Call("DisableKey", {{"keyid", aes}});
  EXPECT_EQ(MessageOf(Named("GetSecretValue", "k")), "keyid is disabled");
  EXPECT_EQ(MessageOf(Named("PutSecretValue", "k", {{"secretData", "v3"}})), "keyid is disabled");
  client_->Call("EnableKey", {{"keyid", aes}});
  EXPECT_EQ(ValueOf("k"), "v2");
  client_->Call("DeleteKey", {{"keyid", aes}});
  EXPECT_EQ(MessageOf(Named("GetSecretValue", "k")), "Cannot find cmk by keyid.");
}

TEST_F(KmsSecrets, NotFoundAnswersOfEveryAction) {
  client_->Enroll();
  EXPECT_EQ(MessageOf(Named("UpdateSecretDesc", "nope", {{"description", "d"}})),
            "Cannot find secretName");
  EXPECT_EQ(MessageOf(Named("PutSecretValue", "nope", {{"secretData", "d"}})),
            "Can not find secretName");
  EXPECT_EQ(MessageOf(Named("GetSecretValue", "nope")), "Can't find the nope's value.");
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "nope")), "Delete error, Can not find the secretName");
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "nope", {{"forceDelete", "true"}})),
            "Delete error, Can not find the secretName");
  EXPECT_EQ(MessageOf(Named("RestoreSecret", "nope")),
            "Can not restore secret, the secretName not find.");
  auto versions = Named("ListSecretVersionIds", "nope");
  EXPECT_EQ(CodeOf(versions), 200);
  EXPECT_EQ(ResultInt(versions, "totalCount"), 0);
  auto desc = Named("DescribeSecret", "nope");
  EXPECT_EQ(CodeOf(desc), 200);
  EXPECT_TRUE(ResultOf(desc).empty());
  auto list = client_->Call("ListSecrets", {});
  EXPECT_EQ(ResultInt(list, "totalCount"), 0);
}

TEST_F(KmsSecrets, MissingPayloadIsRefusedAndTouchesNoSecret) {
  client_->Enroll();
  ASSERT_EQ(CodeOf(Create("only", "v1")), 200);
  ASSERT_EQ(CodeOf(Named("DeleteSecret", "only", {{"recoveryPeriod", 2}})), 200);
  CallOptions no_payload;
  no_payload.omit_payload = true;
  for (std::string action :
       {"CreateSecret", "UpdateSecretDesc", "PutSecretValue", "ListSecretVersionIds",
        "DescribeSecret", "DeleteSecret", "GetSecretValue", "RestoreSecret"}) {
    auto r = client_->Call(action, {}, no_payload);
    EXPECT_EQ(CodeOf(r), 400) << action;
    EXPECT_EQ(MessageOf(r), "Missing required parameters, The secretName cannot be empty.")
        << action;
  }
  // An empty payload object is refused the same way.
  EXPECT_EQ(CodeOf(client_->Call("RestoreSecret", {})), 400);
  // ListSecrets has no required field: everything is listed.
  auto list = client_->Call("ListSecrets", {}, no_payload);
  EXPECT_EQ(CodeOf(list), 200);
  EXPECT_EQ(ResultInt(list, "totalCount"), 1);
  // The secret is still pending deletion (neither restored nor purged).
  EXPECT_TRUE(ResultOf(Named("DescribeSecret", "only")).contains("plannedDeleteTime"));
}

TEST_F(KmsSecrets, PendingDeletionCanOnlyBeRestored) {
  client_->Enroll();
  ASSERT_EQ(CodeOf(Create("s", "v1", {{"description", "d"}})), 200);
  int64_t before = NowMsInt();
  auto del = Named("DeleteSecret", "s");
  EXPECT_EQ(MessageOf(del), "The s will be deleted after 30 days.");
  int64_t after = NowMsInt();
  auto desc = Named("DescribeSecret", "s");
  int64_t planned = ResultInt(desc, "plannedDeleteTime");
  EXPECT_GE(planned, before + 30 * kDayMs);
  EXPECT_LE(planned, after + 30 * kDayMs);

  EXPECT_EQ(MessageOf(Named("GetSecretValue", "s")), "Can't find the s's value.");
  EXPECT_EQ(MessageOf(Named("PutSecretValue", "s", {{"secretData", "v2"}})),
            "Can not put value for a deleted secret.");
  EXPECT_EQ(MessageOf(Named("UpdateSecretDesc", "s", {{"description", "x"}})),
            "Can not modify a deleted secret.");
  EXPECT_EQ(ResultInt(Named("ListSecretVersionIds", "s"), "totalCount"), 0);
  EXPECT_EQ(MessageOf(Create("s", "again")),
            "Secret name already exists, cannot use the same secret name");
  auto list = client_->Call("ListSecrets", {});
  EXPECT_EQ(ResultOf(list).at("secretList").at(0).at("plannedDeleteTime").as_int64(), planned);

  // Deleting again reschedules.
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "s", {{"recoveryPeriod", 7}})),
            "The s will be deleted after 7 days.");
  EXPECT_LT(ResultInt(Named("DescribeSecret", "s"), "plannedDeleteTime"), planned);

  EXPECT_EQ(MessageOf(Named("RestoreSecret", "s")), "The s restore success.");
  EXPECT_FALSE(ResultOf(Named("DescribeSecret", "s")).contains("plannedDeleteTime"));
  EXPECT_EQ(ValueOf("s"), "v1");
  EXPECT_EQ(CodeOf(Named("PutSecretValue", "s", {{"secretData", "v2"}})), 200);
  EXPECT_EQ(ValueOf("s"), "v2");
  // Restoring a live secret is allowed.
  EXPECT_EQ(CodeOf(Named("RestoreSecret", "s")), 200);
}

TEST_F(KmsSecrets, DeleteSecretArguments) {
  client_->Enroll();
  for (std::string name : {"a", "b", "c", "d"}) ASSERT_EQ(CodeOf(Create(name, "v")), 200);
  // Any case of "true" forces (upstream accepted "TRUE" but then did not force: Q18).
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "a", {{"forceDelete", "TRUE"}})),
            "The a delete success");
  EXPECT_TRUE(ResultOf(Named("DescribeSecret", "a")).empty());
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "b", {{"forceDelete", "False"}})),
            "The b will be deleted after 30 days.");
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "c", {{"forceDelete", "yes"}})),
            "The forceDelete must be true or false");
  EXPECT_EQ(CodeOf(Named("DeleteSecret", "c", {{"forceDelete", "truee"}})), 400);
  EXPECT_EQ(CodeOf(Named("DeleteSecret", "c", {{"recoveryPeriod", 0}})), 400);
  EXPECT_EQ(CodeOf(Named("DeleteSecret", "c", {{"recoveryPeriod", 366}})), 400);
  EXPECT_EQ(CodeOf(Named("DeleteSecret", "c", {{"recoveryPeriod", "5"}})), 400);
  // None of the refused requests touched c.
  EXPECT_FALSE(ResultOf(Named("DescribeSecret", "c")).contains("plannedDeleteTime"));
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "c", {{"recoveryPeriod", 365}})),
            "The c will be deleted after 365 days.");
  // Forcing purges a secret pending deletion as well.
  EXPECT_EQ(MessageOf(Named("DeleteSecret", "b", {{"forceDelete", "true"}})),
            "The b delete success");
  EXPECT_EQ(CodeOf(Create("b", "new")), 200);
}

TEST_F(KmsSecrets, SixtyVersionsThenForcedDeleteLeaveNothingForANewSecret) {
  client_->Enroll();
  ASSERT_EQ(CodeOf(Create("many", "old-1")), 200);
  for (int i = 2; i <= 60; ++i) {
    ASSERT_EQ(CodeOf(Named("PutSecretValue", "many", {{"secretData", "old-" + std::to_string(i)}})),
              200);
  }
  auto versions = Named("ListSecretVersionIds", "many");
  EXPECT_EQ(ResultInt(versions, "totalCount"), 60);
  EXPECT_EQ(VersionIds(versions), Range(1, 60));
  EXPECT_EQ(ValueOf("many"), "old-60");
  EXPECT_EQ(ValueOf("many", 26), "old-26");

  ASSERT_EQ(CodeOf(Named("DeleteSecret", "many", {{"forceDelete", "true"}})), 200);
  ASSERT_EQ(CodeOf(Create("many", "new-1")), 200);
  EXPECT_EQ(VersionIds(Named("ListSecretVersionIds", "many")), Range(1, 1));
  EXPECT_EQ(ValueOf("many"), "new-1");
  EXPECT_TRUE(ResultOf(Named("GetSecretValue", "many", {{"versionId", 30}})).empty());
  ASSERT_EQ(CodeOf(Named("PutSecretValue", "many", {{"secretData", "new-2"}})), 200);
  EXPECT_EQ(VersionIds(Named("ListSecretVersionIds", "many")), Range(1, 2));
  EXPECT_EQ(ValueOf("many", 2), "new-2");
}

TEST_F(KmsSecrets, ConcurrentPutsGetUniqueGaplessIds) {
  Credentials me = client_->Enroll();
  ASSERT_EQ(CodeOf(Create("hot", "v0")), 200);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      EhsmClient c(kms_->port());
      for (int i = 0; i < kPerThread; ++i) {
        CallOptions o;
        o.nonce = "put-" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c.CallAs(me, "PutSecretValue",
                          {{"secretName", "hot"},
                           {"secretData", "t" + std::to_string(t) + "-" + std::to_string(i)}},
                          o);
        if (CodeOf(r) != 200) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto versions = Named("ListSecretVersionIds", "hot");
  EXPECT_EQ(VersionIds(versions), Range(1, 1 + kThreads * kPerThread));
  std::set<std::string> values;
  for (int64_t id = 1; id <= 1 + kThreads * kPerThread; ++id) values.insert(ValueOf("hot", id));
  EXPECT_EQ(values.size(), static_cast<size_t>(1 + kThreads * kPerThread));
  // The current version is the last one.
  auto current = Named("GetSecretValue", "hot");
  EXPECT_EQ(ResultInt(current, "versionId"), 1 + kThreads * kPerThread);
}

TEST_F(KmsSecrets, EveryPrintableCharacterRoundTrips) {
  client_->Enroll();
  std::string printable;
  for (char c = ' '; c <= '~'; ++c) printable.push_back(c);
  const std::string unicode = "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91";  // é € 🔑
  // Names are at most 64 UTF-16 units: split the printable set over several names.
  std::vector<std::string> names = {
      printable.substr(0, 48),  printable.substr(48), "line\nbreak\ttab\r" + unicode,
      " leading and trailing ", "a&b=c%20d\"e'f\\g",  "\"quoted\""};
  const std::string value = printable + "\n\t\r" + unicode + "\n" + printable;
  for (const std::string& name : names) {
    auto c = Create(name, value, {{"description", value}});
    ASSERT_EQ(CodeOf(c), 200) << name << ": " << MessageOf(c);
    EXPECT_EQ(MessageOf(c), "The " + name + " create success.");
    EXPECT_EQ(ValueOf(name), value) << name;
    ASSERT_EQ(CodeOf(Named("PutSecretValue", name, {{"secretData", name + value}})), 200);
    EXPECT_EQ(ValueOf(name), name + value);
    EXPECT_EQ(ValueOf(name, 1), value);
    auto desc = Named("DescribeSecret", name);
    EXPECT_EQ(ResultString(desc, "secretName"), name);
    EXPECT_EQ(ResultString(desc, "description"), value);
    auto filtered = client_->Call("ListSecrets", {{"secretName", name}});
    ASSERT_EQ(ResultInt(filtered, "totalCount"), 1) << name;
    EXPECT_EQ(ResultOf(filtered).at("secretList").at(0).at("secretName").as_string(), name);
  }
  auto all = client_->Call("ListSecrets", {});
  EXPECT_EQ(ResultInt(all, "totalCount"), static_cast<int64_t>(names.size()));
  // Names are exact: a prefix or a case change is another (absent) secret.
  EXPECT_EQ(CodeOf(Named("GetSecretValue", names[0].substr(1))), 400);
  EXPECT_EQ(CodeOf(Named("GetSecretValue", " LEADING AND TRAILING ")), 400);
  for (const std::string& name : names) {
    EXPECT_EQ(CodeOf(Named("DeleteSecret", name, {{"recoveryPeriod", 1}})), 200);
    EXPECT_EQ(CodeOf(Named("RestoreSecret", name)), 200);
    EXPECT_EQ(CodeOf(Named("DeleteSecret", name, {{"forceDelete", "true"}})), 200) << name;
  }
  EXPECT_EQ(ResultInt(client_->Call("ListSecrets", {}), "totalCount"), 0);
}

TEST_F(KmsSecrets, TenantsSeeOnlyTheirOwnSecrets) {
  Credentials a = client_->Enroll();
  ASSERT_EQ(CodeOf(Create("shared-name", "a's value")), 200);
  client_->Enroll();
  EXPECT_EQ(CodeOf(Named("GetSecretValue", "shared-name")), 400);
  EXPECT_EQ(CodeOf(Named("DeleteSecret", "shared-name", {{"forceDelete", "true"}})), 400);
  ASSERT_EQ(CodeOf(Create("shared-name", "b's value")), 200);
  EXPECT_EQ(ValueOf("shared-name"), "b's value");
  client_->credentials() = a;
  EXPECT_EQ(ValueOf("shared-name"), "a's value");
}

TEST_F(KmsSecrets, ScheduledDeletionSurvivesARestartAndIsCarriedOut) {
  client_->Enroll();
  ASSERT_EQ(CodeOf(Create("due", "v")), 200);
  ASSERT_EQ(CodeOf(Create("later", "v")), 200);
  ASSERT_EQ(CodeOf(Create("kept", "v")), 200);
  ASSERT_EQ(CodeOf(Named("DeleteSecret", "due", {{"recoveryPeriod", 1}})), 200);
  ASSERT_EQ(CodeOf(Named("DeleteSecret", "later", {{"recoveryPeriod", 1}})), 200);
  const std::string appid = client_->credentials().appid;

  // While the server is down, the first deletion's time passes (moved into the past in the
  // database: the API's shortest window is a day).
  Credentials saved = client_->credentials();
  client_.reset();
  ASSERT_EQ(kms_->Stop(), 0) << kms_->output();
  {
    auto store = store::SqliteStore::Open(data_dir() + "/kms.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto later = (*store)->GetSecret(appid, "later");
    ASSERT_TRUE(later.ok());
    EXPECT_TRUE(later->pending_deletion()) << "the schedule was not stored";
    int64_t past = NowMsInt() - 1000;
    ASSERT_TRUE((*store)->ScheduleSecretDeletion(appid, "due", past - 1000, past).ok());
  }
  StartServer();
  client_->credentials() = saved;

  // The sweeper runs at start and every 100 ms; allow a generous bound for a loaded machine.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!ResultOf(Named("DescribeSecret", "due")).empty() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(ResultOf(Named("DescribeSecret", "due")).empty());
  EXPECT_TRUE(ResultOf(Named("DescribeSecret", "later")).contains("plannedDeleteTime"));
  EXPECT_EQ(ValueOf("kept"), "v");
  ASSERT_EQ(CodeOf(Create("due", "fresh")), 200);
  EXPECT_EQ(VersionIds(Named("ListSecretVersionIds", "due")), Range(1, 1));
  EXPECT_EQ(ValueOf("due"), "fresh");
}

TEST_F(KmsSecrets, AStoredValueMovedToAnotherSecretDoesNotDecrypt) {
  client_->Enroll();
  ASSERT_EQ(CodeOf(Create("alice", "alice's password")), 200);
  ASSERT_EQ(CodeOf(Create("bob", "bob's password")), 200);
  ASSERT_EQ(CodeOf(Named("PutSecretValue", "bob", {{"secretData", "bob v2"}})), 200);
  Credentials saved = client_->credentials();
  client_.reset();
  ASSERT_EQ(kms_->Stop(), 0) << kms_->output();
  {
    // Someone with write access to the database copies alice's value over bob's version 2, and
    // bob's version 1 over his version 2.
    auto db = store::sqlite::Db::Open(data_dir() + "/kms.db", {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)
                    ->Exec("UPDATE secret_versions SET value_blob = (SELECT v.value_blob FROM"
                           " secret_versions v JOIN secrets s ON s.uid = v.secret_uid WHERE"
                           " s.name = 'alice') WHERE version_id = 2")
                    .ok());
  }
  StartServer();
  client_->credentials() = saved;
  auto stolen = Named("GetSecretValue", "bob");
  EXPECT_NE(CodeOf(stolen), 200);
  EXPECT_EQ(ResultString(stolen, "secretData"), "");
  EXPECT_EQ(ValueOf("bob", 1), "bob's password");
  EXPECT_EQ(ValueOf("alice"), "alice's password");
}

}  // namespace
}  // namespace kms::testing
