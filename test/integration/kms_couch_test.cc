// ehsm-kms on CouchDB as deployed with replicas: several processes on one database, and a
// CouchDB server that is missing at start, goes away and comes back.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "crypto/base64.h"
#include "ehsm_client.h"
#include "kms_process.h"
#include "store/couch_test_env.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
namespace couch = store::testing;

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every key of the current tenant as keyid -> keyState.
std::map<std::string, int64_t> KeyStates(EhsmClient& client) {
  std::map<std::string, int64_t> out;
  auto list = client.Call("ListKey", {});
  EXPECT_EQ(CodeOf(list), 200) << MessageOf(list);
  if (CodeOf(list) != 200) return out;
  for (auto& e : list.at("result").at("list").as_array()) {
    out[std::string(e.at("keyid").as_string())] = e.at("keyState").as_int64();
  }
  return out;
}

class KmsCouch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kms_couch_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    kms_b_.reset();
    kms_a_.reset();
    couch_server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // The shared test server, or skip (fail under EHSM_REQUIRE_COUCHDB=1).
  bool NeedTestServer() {
    auto url = couch::TestCouchUrl();
    if (url) {
      url_ = *url;
      return true;
    }
    if (couch::CouchRequired()) {
      ADD_FAILURE() << "EHSM_REQUIRE_COUCHDB=1 but EHSM_TEST_COUCHDB_URL is not set";
    }
    return false;
  }

  // A pouchdb-server of this test's own on a free port, with its data on disk in dir_.
  bool StartPrivateServer() {
    int port = couch::PickFreePort();
    if (port <= 0) return false;
    couch_server_ = std::make_unique<couch::PrivateCouchServer>((dir_ / "couch").string(), port);
    if (!couch_server_->Start()) return false;
    url_ = couch_server_->url();
    return true;
  }

  std::vector<std::string> CouchArgs(const std::string& db) const {
    return {"--store", "couchdb", "--couchdb-url", url_, "--couchdb-db", db};
  }

  void DropDatabase(const std::string& db) {
    store::CouchOptions o;
    o.url = url_;
    o.database = db;
    if (auto s = store::CouchStore::Open(o); s.ok()) {
      EXPECT_TRUE((*s)->DropDatabase().ok());
    }
  }

  static std::vector<std::string> Plus(std::vector<std::string> a,
                                       const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }

  fs::path dir_;
  std::string url_;
  std::unique_ptr<couch::PrivateCouchServer> couch_server_;
  std::unique_ptr<KmsProcess> kms_a_;
  std::unique_ptr<KmsProcess> kms_b_;
};

// A replica given another deployment's sealed domain key (and its platform secret) must refuse
// the shared database at start, naming both domain key ids, instead of failing each request.
TEST_F(KmsCouch, ReplicaWithAnotherDeploymentsDomainKeyRefusesToStart) {
  if (!NeedTestServer()) GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  const std::string db = couch::UniqueDbName("dkswap");
  const std::string other_db = couch::UniqueDbName("dkswap-other");
  const std::vector<std::string> info = {"--log-level", "info"};
  auto dk_id = [](const std::string& out) {
    size_t at = out.find("dk_id=");
    return at == std::string::npos ? std::string() : out.substr(at + 6, 16);
  };
  kms_a_ = std::make_unique<KmsProcess>((dir_ / "a").string(), Plus(CouchArgs(db), info));
  ASSERT_NE(kms_a_->port(), 0) << kms_a_->output();
  EhsmClient(kms_a_->port()).Enroll();
  const std::string id_a = dk_id(kms_a_->output());
  // Another deployment's data dir: its domain key was made on an empty database of its own.
  std::string id_b;
  {
    KmsProcess other((dir_ / "b").string(), Plus(CouchArgs(other_db), info));
    ASSERT_NE(other.port(), 0) << other.output();
    id_b = dk_id(other.output());
    EXPECT_EQ(other.Stop(), 0);
  }
  ASSERT_EQ(id_a.size(), 16u);
  ASSERT_EQ(id_b.size(), 16u);
  ASSERT_NE(id_a, id_b);

  KmsProcess swapped((dir_ / "b").string(), CouchArgs(db));
  EXPECT_EQ(swapped.port(), 0) << swapped.output();
  EXPECT_EQ(swapped.WaitExit(), 1) << swapped.output();
  EXPECT_NE(swapped.output().find("another domain key (id " + id_a + ")"), std::string::npos)
      << swapped.output();
  EXPECT_NE(swapped.output().find("(id " + id_b + ")"), std::string::npos) << swapped.output();
  DropDatabase(db);
  DropDatabase(other_db);
}

// Two replicas: same database, same sealed domain key and platform secret (copied, as a
// deployment copies them to every node), separate data directories otherwise.
TEST_F(KmsCouch, TwoProcessesShareTenantsKeysAndKeyStates) {
  if (!NeedTestServer()) GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  const std::string db = couch::UniqueDbName("two");
  const int64_t ttl_ms = 1000;
  const std::vector<std::string> ttl = {"--key-cache-ttl-ms", std::to_string(ttl_ms)};
  const fs::path data_a = dir_ / "a";
  const fs::path data_b = dir_ / "b";
  kms_a_ = std::make_unique<KmsProcess>(data_a.string(), Plus(CouchArgs(db), ttl));
  ASSERT_NE(kms_a_->port(), 0) << kms_a_->output();

  // Once the database holds a tenant, a replica without the sealed domain key refuses to start
  // instead of making a domain key of its own.
  EhsmClient a(kms_a_->port());
  Credentials tenant = a.Enroll();
  {
    KmsProcess orphan((dir_ / "orphan").string(), CouchArgs(db));
    EXPECT_EQ(orphan.port(), 0);
    EXPECT_NE(orphan.WaitExit(), 0);
    EXPECT_NE(orphan.output().find("refusing to start"), std::string::npos) << orphan.output();
  }

  fs::create_directories(data_b);
  fs::copy_file(data_a / "domain_key.sealed", data_b / "domain_key.sealed");
  kms_b_ = std::make_unique<KmsProcess>(
      data_b.string(),
      Plus(Plus(CouchArgs(db), ttl), {"--platform-secret", (data_a / "platform.secret").string()}));
  ASSERT_NE(kms_b_->port(), 0) << kms_b_->output();
  EhsmClient b(kms_b_->port());
  b.credentials() = tenant;  // enrolled through A, used through B

  // A key made through A serves B, and ciphertexts cross both ways.
  auto made = a.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
  ASSERT_EQ(CodeOf(made), 200) << MessageOf(made);
  std::string key_a = ResultString(made, "keyid");
  auto enc_b = b.Call("Encrypt", {{"keyid", key_a}, {"plaintext", B64("from b")}});
  ASSERT_EQ(CodeOf(enc_b), 200) << MessageOf(enc_b);
  auto dec_a =
      a.Call("Decrypt", {{"keyid", key_a}, {"ciphertext", ResultString(enc_b, "ciphertext")}});
  ASSERT_EQ(CodeOf(dec_a), 200) << MessageOf(dec_a);
  EXPECT_EQ(ResultString(dec_a, "plaintext"), B64("from b"));

  auto made_b = b.Call("CreateKey", {{"keyspec", "EH_SM4_CBC"}, {"origin", "EH_INTERNAL_KEY"}});
  ASSERT_EQ(CodeOf(made_b), 200) << MessageOf(made_b);
  std::string key_b = ResultString(made_b, "keyid");
  auto enc_a = a.Call("Encrypt", {{"keyid", key_b}, {"plaintext", B64("from a")}});
  ASSERT_EQ(CodeOf(enc_a), 200) << MessageOf(enc_a);
  auto dec_b =
      b.Call("Decrypt", {{"keyid", key_b}, {"ciphertext", ResultString(enc_a, "ciphertext")}});
  EXPECT_EQ(ResultString(dec_b, "plaintext"), B64("from a"));
  EXPECT_EQ(KeyStates(a), KeyStates(b));
  EXPECT_EQ(KeyStates(a).size(), 2u);

  // A tenant enrolled through B is known to A.
  Credentials second = EhsmClient(kms_b_->port()).Enroll();
  auto list = a.CallAs(second, "ListKey", {});
  EXPECT_EQ(CodeOf(list), 200) << MessageOf(list);

  // Disabled through A: B (which has the key record cached from the Encrypt above) refuses it
  // once key_cache_ttl_ms has passed since the disable was acknowledged. B's cached copy was
  // read before that, so it is at least that old by then: this holds on any machine speed.
  ASSERT_EQ(CodeOf(b.Call("Encrypt", {{"keyid", key_a}, {"plaintext", B64("x")}})), 200);
  ASSERT_EQ(MessageOf(a.Call("DisableKey", {{"keyid", key_a}})), "successful");
  EXPECT_EQ(MessageOf(a.Call("Encrypt", {{"keyid", key_a}, {"plaintext", B64("x")}})),
            "keyid is disabled");  // at once on the process that made the change
  std::this_thread::sleep_for(std::chrono::milliseconds(ttl_ms));
  EXPECT_EQ(MessageOf(b.Call("Encrypt", {{"keyid", key_a}, {"plaintext", B64("x")}})),
            "keyid is disabled");
  EXPECT_EQ(KeyStates(b)[key_a], 0);

  // Enabled through B, deleted through B: the same bound the other way.
  ASSERT_EQ(MessageOf(b.Call("EnableKey", {{"keyid", key_a}})), "successful");
  std::this_thread::sleep_for(std::chrono::milliseconds(ttl_ms));
  EXPECT_EQ(CodeOf(a.Call("Encrypt", {{"keyid", key_a}, {"plaintext", B64("x")}})), 200);
  ASSERT_EQ(MessageOf(b.Call("DeleteKey", {{"keyid", key_a}})), "successful");
  std::this_thread::sleep_for(std::chrono::milliseconds(ttl_ms));
  EXPECT_EQ(MessageOf(a.Call("Encrypt", {{"keyid", key_a}, {"plaintext", B64("x")}})),
            "keyid error");
  EXPECT_EQ(KeyStates(a).size(), 1u);

  // Keys created concurrently through both processes all land, none overwritten.
  std::set<std::string> created;
  std::mutex mu;
  auto create_many = [&](EhsmClient& via) {
    for (int i = 0; i < 10; ++i) {
      auto r =
          via.Call("CreateKey", {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
      created.insert(ResultString(r, "keyid"));
    }
  };
  std::thread ta([&] { create_many(a); });
  std::thread tb([&] { create_many(b); });
  ta.join();
  tb.join();
  auto states = KeyStates(a);
  EXPECT_EQ(states.size(), 21u);
  for (const auto& id : created) EXPECT_TRUE(states.count(id)) << id;
  DropDatabase(db);
}

// CouchDB stops under a running KMS: requests fail fast with a clear answer, the KMS stays up,
// and once CouchDB is back everything acknowledged before is there and new requests work.
TEST_F(KmsCouch, CouchDbOutageFailsFastAndRecovers) {
  if (!NeedTestServer()) GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  ASSERT_TRUE(StartPrivateServer());
  const std::string db = couch::UniqueDbName("outage");
  kms_a_ = std::make_unique<KmsProcess>(
      (dir_ / "a").string(),
      Plus(CouchArgs(db), {"--couchdb-timeout-ms", "2000", "--key-cache-ttl-ms", "500"}));
  ASSERT_NE(kms_a_->port(), 0) << kms_a_->output();
  EhsmClient client(kms_a_->port());
  Credentials tenant = client.Enroll();
  Credentials unseen = client.Enroll();  // never used before the outage: not cached
  client.credentials() = tenant;

  std::map<std::string, std::string> ciphertexts;  // keyid -> ciphertext, all acknowledged
  for (int i = 0; i < 5; ++i) {
    auto r =
        client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
    ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
    std::string keyid = ResultString(r, "keyid");
    auto enc = client.Call("Encrypt", {{"keyid", keyid}, {"plaintext", B64("kept " + keyid)}});
    ASSERT_EQ(CodeOf(enc), 200) << MessageOf(enc);
    ciphertexts[keyid] = ResultString(enc, "ciphertext");
  }
  const std::string disabled = ciphertexts.begin()->first;
  ASSERT_EQ(MessageOf(client.Call("DisableKey", {{"keyid", disabled}})), "successful");
  auto before = KeyStates(client);
  ASSERT_EQ(before.size(), 5u);

  ASSERT_TRUE(couch_server_->Stop());
  // Past the key cache, so that key lookups go to the store too.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  // The store's URL and transport error go to the log, never to a client (Enroll is open).
  auto expect_unavailable = [&](const boost::json::value& r, const char* what) {
    EXPECT_EQ(CodeOf(r), 500) << what;
    EXPECT_EQ(MessageOf(r), "Service unavailable, please retry later.") << what;
  };
  const std::string some = std::next(ciphertexts.begin())->first;
  expect_unavailable(
      client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}}),
      "CreateKey");
  expect_unavailable(client.Call("ListKey", {}), "ListKey");
  expect_unavailable(client.Call("Encrypt", {{"keyid", some}, {"plaintext", B64("x")}}), "Encrypt");
  expect_unavailable(client.Call("Decrypt", {{"keyid", some}, {"ciphertext", ciphertexts[some]}}),
                     "Decrypt");
  expect_unavailable(client.Call("DisableKey", {{"keyid", some}}), "DisableKey");
  expect_unavailable(client.Call("DeleteKey", {{"keyid", some}}), "DeleteKey");
  expect_unavailable(client.Get("Enroll"), "Enroll");
  // A tenant this process has not looked up yet cannot be authenticated.
  auto auth = client.CallAs(unseen, "ListKey", {});
  EXPECT_EQ(CodeOf(auth), 400);
  EXPECT_EQ(MessageOf(auth), "database error");
  // The process is up and answers what needs no store.
  EXPECT_EQ(CodeOf(client.Get("GetVersion")), 200);

  // CouchDB returns with its data: no restart of the KMS needed, nothing acknowledged lost.
  ASSERT_TRUE(couch_server_->Start());
  EXPECT_EQ(KeyStates(client), before);
  EXPECT_EQ(before[disabled], 0);
  for (const auto& [keyid, ct] : ciphertexts) {
    auto dec = client.Call("Decrypt", {{"keyid", keyid}, {"ciphertext", ct}});
    if (keyid == disabled) {
      EXPECT_EQ(MessageOf(dec), "keyid is disabled");
      continue;
    }
    ASSERT_EQ(CodeOf(dec), 200) << MessageOf(dec);
    EXPECT_EQ(ResultString(dec, "plaintext"), B64("kept " + keyid));
  }
  EXPECT_EQ(CodeOf(client.CallAs(unseen, "ListKey", {})), 200);
  auto after =
      client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
  EXPECT_EQ(CodeOf(after), 200) << MessageOf(after);
  EXPECT_EQ(KeyStates(client).size(), 6u);
  EXPECT_TRUE(kms_a_->running());
}

// A CouchDB that accepts connections but never answers: requests end with the request timeout
// instead of hanging, and work again when it resumes.
TEST_F(KmsCouch, HungCouchDbIsBoundedByTheRequestTimeout) {
  if (!NeedTestServer()) GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  ASSERT_TRUE(StartPrivateServer());
  kms_a_ = std::make_unique<KmsProcess>(
      (dir_ / "a").string(),
      Plus(CouchArgs(couch::UniqueDbName("hung")), {"--couchdb-timeout-ms", "1000"}));
  ASSERT_NE(kms_a_->port(), 0) << kms_a_->output();
  EhsmClient client(kms_a_->port());
  client.Enroll();
  ASSERT_EQ(KeyStates(client).size(), 0u);

  ASSERT_TRUE(couch_server_->Pause());
  auto r = client.Call("ListKey", {});
  EXPECT_EQ(CodeOf(r), 500);
  EXPECT_EQ(MessageOf(r), "Service unavailable, please retry later.");
  ASSERT_TRUE(couch_server_->Resume());
  auto made =
      client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
  EXPECT_EQ(CodeOf(made), 200) << MessageOf(made);
  EXPECT_EQ(KeyStates(client).size(), 1u);
}

// Start-up before CouchDB: ehsm-kms says what it waits for, and serves once CouchDB is up.
TEST_F(KmsCouch, StartupWaitsForCouchDb) {
  if (!NeedTestServer()) GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  int port = couch::PickFreePort();
  ASSERT_GT(port, 0);
  couch_server_ = std::make_unique<couch::PrivateCouchServer>((dir_ / "couch").string(), port);
  url_ = couch_server_->url();
  const fs::path data = dir_ / "a";
  auto starting = std::async(std::launch::async, [&] {
    return std::make_unique<KmsProcess>(
        data.string(),
        Plus(CouchArgs(couch::UniqueDbName("late")), {"--store-connect-timeout-ms", "120000"}));
  });
  // Its output file appears next to the data directory; wait for the first "waiting" line.
  bool waiting = false;
  for (int i = 0; i < 300 && !waiting; ++i) {
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().starts_with("a.out.") &&
          ReadAll(e.path()).find("store.unavailable") != std::string::npos) {
        waiting = true;
      }
    }
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(waiting) << "no store.unavailable line";
  ASSERT_TRUE(couch_server_->Start());
  kms_a_ = starting.get();
  ASSERT_NE(kms_a_->port(), 0) << kms_a_->output();
  EXPECT_NE(kms_a_->output().find("unreachable"), std::string::npos) << kms_a_->output();
  EhsmClient client(kms_a_->port());
  client.Enroll();
  auto made =
      client.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
  EXPECT_EQ(CodeOf(made), 200) << MessageOf(made);
}

// No CouchDB at all: start-up gives up after store_connect_timeout_ms with a clear error, and
// the credentials given in the URL appear nowhere in the output.
TEST_F(KmsCouch, StartupGivesUpWithoutPrintingCredentials) {
  int port = couch::PickFreePort();  // nothing listens there
  ASSERT_GT(port, 0);
  url_ = "http://kmsuser:Pa55w0rdXyz@127.0.0.1:" + std::to_string(port);
  KmsProcess kms((dir_ / "a").string(),
                 Plus(CouchArgs("ehsm_kms_db"),
                      {"--store-connect-timeout-ms", "1500", "--log-level", "debug"}));
  EXPECT_EQ(kms.port(), 0);
  EXPECT_NE(kms.WaitExit(), 0);
  std::string out = kms.output();
  EXPECT_NE(out.find("store_connect_timeout_ms=1500"), std::string::npos) << out;
  EXPECT_NE(out.find("unreachable"), std::string::npos) << out;
  EXPECT_NE(out.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
  EXPECT_EQ(out.find("Pa55w0rdXyz"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ / "a" / "domain_key.sealed"));
}

// CouchDB killed (SIGKILL) in the middle of DeleteAllKey's _bulk_docs deletes, several times at
// random points: after it returns with its data, every key still listed is whole (it encrypts
// and its ciphertext decrypts), every deleted one stays deleted, and DeleteAllKey run again
// finishes the job. _bulk_docs is not a transaction, so "no partial state" means no document
// half-written, not all-or-nothing.
TEST_F(KmsCouch, CouchDbKilledMidBulkDeleteLeavesNoPartialDocument) {
  if (!NeedTestServer()) GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  ASSERT_TRUE(StartPrivateServer());
  const std::string db = couch::UniqueDbName("bulkkill");
  kms_a_ = std::make_unique<KmsProcess>(
      (dir_ / "a").string(), Plus(CouchArgs(db), {"--couchdb-timeout-ms", "2000",
                                                  "--key-cache-ttl-ms", "1"}));
  ASSERT_NE(kms_a_->port(), 0) << kms_a_->output();
  EhsmClient client(kms_a_->port());
  client.Enroll();
  std::mt19937 rng(20261203);
  auto create_keys = [&](int n) {
    std::set<std::string> made;
    for (int i = 0; i < n; ++i) {
      auto r = client.Call("CreateKey",
                           {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
      EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
      made.insert(ResultString(r, "keyid"));
    }
    return made;
  };
  // How long an uninterrupted DeleteAllKey of a round's keys takes: the kills land inside it.
  constexpr int kKeys = 200;
  create_keys(kKeys);
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(MessageOf(client.Call("DeleteAllKey", {})), "successful");
  const auto span_ms = std::max<int64_t>(
      2, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               t0)
             .count());
  int kills = 0, cut = 0, left_whole = 0;
  for (int round = 0; round < 5; ++round) {
    std::set<std::string> made = create_keys(kKeys);
    ASSERT_FALSE(HasFailure());
    auto deleting = std::async(std::launch::async, [&] {
      EhsmClient c(kms_a_->port());
      c.credentials() = client.credentials();
      return CodeOf(c.Call("DeleteAllKey", {}));
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % span_ms));
    ASSERT_TRUE(couch_server_->Kill());
    ++kills;
    const int code = deleting.get();
    ASSERT_TRUE(couch_server_->Start());

    std::map<std::string, int64_t> left = KeyStates(client);
    if (code != 200) ++cut;
    left_whole += static_cast<int>(left.size());
    if (code == 200) {
      EXPECT_TRUE(left.empty()) << "DeleteAllKey acknowledged, keys left";
    }
    // Every key left is whole: it encrypts, and its ciphertext decrypts.
    for (const auto& [keyid, state] : left) {
      ASSERT_TRUE(made.count(keyid)) << "unknown key " << keyid;
      auto enc = client.Call("Encrypt", {{"keyid", keyid}, {"plaintext", B64(keyid)}});
      ASSERT_EQ(CodeOf(enc), 200) << keyid << ": " << MessageOf(enc);
      auto dec = client.Call("Decrypt",
                             {{"keyid", keyid}, {"ciphertext", ResultString(enc, "ciphertext")}});
      ASSERT_EQ(CodeOf(dec), 200) << keyid << ": " << MessageOf(dec);
      EXPECT_EQ(ResultString(dec, "plaintext"), B64(keyid));
    }
    // Every key gone stays gone.
    for (const std::string& keyid : made) {
      if (left.count(keyid)) continue;
      auto enc = client.Call("Encrypt", {{"keyid", keyid}, {"plaintext", B64("x")}});
      EXPECT_NE(CodeOf(enc), 200) << "deleted key " << keyid << " came back";
    }
    ASSERT_EQ(MessageOf(client.Call("DeleteAllKey", {})), "successful");
    EXPECT_TRUE(KeyStates(client).empty());
  }
  std::printf("couchdb killed %d times within DeleteAllKey (%lld ms uninterrupted): %d deletes "
              "cut short, %d of %d keys left, all whole\n",
              kills, static_cast<long long>(span_ms), cut, left_whole, 5 * kKeys);
  EXPECT_EQ(kills, 5);
  EXPECT_TRUE(kms_a_->running());
}

}  // namespace
}  // namespace kms::testing
