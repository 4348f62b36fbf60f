// Crash consistency of the real binary: ehsm-kms is killed with SIGKILL at random points of a
// mixed write load (CreateKey, PutSecretValue, DeleteKey) again and again, and after every
// restart each acknowledged write must be there and whole, each acknowledged delete gone.
// A write whose reply was lost in the kill is in doubt: either outcome is allowed, but a key
// that exists must work (nothing half-written).

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "crypto/base64.h"
#include "kms_test_fixture.h"

namespace kms::testing {
namespace {

using boost::json::object;

constexpr int kKills = 50;

std::string B64(const std::string& s) { return crypto::Base64Encode(AsBytes(s)); }

// What the load was told, and what it could not learn.
struct Ledger {
  std::set<std::string> keys;          // created, acknowledged, not deleted
  std::set<std::string> deleted;       // delete acknowledged
  std::set<std::string> doubtful;      // create or delete whose reply was lost
  std::vector<std::string> versions;   // PutSecretValue data acknowledged, in order
  std::set<std::string> doubtful_versions;
  int acknowledged = 0;
};

bool Transport(const boost::json::value& reply) { return reply.is_null(); }

class KmsCrash : public KmsFixture {
 protected:
  // One round of load on its own connection until the server goes away (or `max_ops`).
  void Load(uint16_t port, const Credentials& who, int round, std::atomic<bool>& stop) {
    EhsmClient c(port);
    c.credentials() = who;
    std::mt19937 rng(static_cast<unsigned>(round));
    for (int i = 0; !stop.load(); ++i) {
      int op = static_cast<int>(rng() % 3);
      if (op == 0 || ledger_.keys.empty()) {
        auto r = c.Call("CreateKey", {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
        if (Transport(r)) return;  // in doubt, and no keyid to follow: ListKey decides
        ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
        ledger_.keys.insert(ResultString(r, "keyid"));
        ++ledger_.acknowledged;
      } else if (op == 1) {
        std::string data = "r" + std::to_string(round) + "-" + std::to_string(i);
        auto r = c.Call("PutSecretValue", {{"secretName", "crash"}, {"secretData", data}});
        if (Transport(r)) {
          ledger_.doubtful_versions.insert(data);
          return;
        }
        ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
        ledger_.versions.push_back(data);
        ++ledger_.acknowledged;
      } else {
        std::string keyid = *std::next(ledger_.keys.begin(), rng() % ledger_.keys.size());
        ledger_.keys.erase(keyid);
        auto r = c.Call("DeleteKey", {{"keyid", keyid}});
        if (Transport(r)) {
          ledger_.doubtful.insert(keyid);
          return;
        }
        ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
        ledger_.deleted.insert(keyid);
        ++ledger_.acknowledged;
      }
    }
  }

  // After a restart: the store says exactly what the ledger allows.
  void Check() {
    auto list = client_->Call("ListKey", {});
    ASSERT_EQ(CodeOf(list), 200) << MessageOf(list);
    std::set<std::string> listed;
    for (const auto& e : list.at("result").at("list").as_array()) {
      listed.insert(std::string(e.at("keyid").as_string()));
    }
    for (const std::string& k : ledger_.keys) {
      EXPECT_TRUE(listed.count(k)) << "acknowledged key lost: " << k;
    }
    for (const std::string& k : ledger_.deleted) {
      EXPECT_FALSE(listed.count(k)) << "acknowledged delete undone: " << k;
    }
    // Everything listed is usable; keys from an in-doubt create join the ledger.
    for (const std::string& k : listed) {
      ledger_.doubtful.erase(k);
      ledger_.keys.insert(k);
      if (!verified_.insert(k).second) continue;
      auto e = client_->Call("Encrypt", {{"keyid", k}, {"plaintext", B64("p")}});
      ASSERT_EQ(CodeOf(e), 200) << k << ": " << MessageOf(e);
    }
    for (const std::string& k : ledger_.doubtful) ledger_.deleted.insert(k);
    ledger_.doubtful.clear();
    CheckVersions();
  }

  void CheckVersions() {
    auto ids = client_->Call("ListSecretVersionIds", {{"secretName", "crash"}});
    ASSERT_EQ(CodeOf(ids), 200) << MessageOf(ids);
    std::vector<int64_t> numbers;
    for (const auto& v : ids.at("result").at("versionIds").as_array()) {
      numbers.push_back(v.at("versionId").as_int64());
    }
    std::sort(numbers.begin(), numbers.end());
    std::vector<std::string> stored;
    for (int64_t n : numbers) {
      auto g = client_->Call("GetSecretValue", {{"secretName", "crash"}, {"versionId", n}});
      ASSERT_EQ(CodeOf(g), 200) << MessageOf(g);
      stored.push_back(ResultString(g, "secretData"));
    }
    // The acknowledged versions appear in order; in-doubt ones may sit between them.
    size_t next = 1;  // stored[0] is the CreateSecret value
    for (const std::string& want : ledger_.versions) {
      while (next < stored.size() && stored[next] != want) {
        EXPECT_TRUE(ledger_.doubtful_versions.count(stored[next]))
            << "unexpected version " << stored[next];
        ++next;
      }
      ASSERT_LT(next, stored.size()) << "acknowledged version lost: " << want;
      ++next;
    }
    ledger_.versions.assign(stored.begin() + 1, stored.end());
    ledger_.doubtful_versions.clear();
  }

  Ledger ledger_;
  std::set<std::string> verified_;  // listed keys already seen to encrypt
};

TEST_F(KmsCrash, EveryAcknowledgedWriteSurvivesRepeatedSigkill) {
  Credentials who = client_->Enroll();
  ASSERT_EQ(CodeOf(client_->Call("CreateSecret", {{"secretName", "crash"}, {"secretData", "v0"}})),
            200);
  std::mt19937 rng(20261203);
  int killed_mid_request = 0;
  for (int round = 0; round < kKills; ++round) {
    std::atomic<bool> stop{false};
    int before = ledger_.acknowledged;
    std::thread load([&] { Load(kms_->port(), who, round, stop); });
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 180));
    kms_->Kill();
    load.join();
    stop = true;
    if (HasFatalFailure()) return;
    if (!ledger_.doubtful.empty() || !ledger_.doubtful_versions.empty()) ++killed_mid_request;
    SCOPED_TRACE("round " + std::to_string(round) + ", " +
                 std::to_string(ledger_.acknowledged - before) + " writes acknowledged");
    client_.reset();
    StartServer();
    client_->credentials() = who;
    Check();
    if (HasFatalFailure()) return;
  }
  // The figures the operations docs quote.
  std::printf("crash: %d kills, %d acknowledged writes, all present; %d keys and %zu versions "
              "held; %d kills left a write in doubt\n",
              kKills, ledger_.acknowledged, static_cast<int>(ledger_.keys.size()),
              ledger_.versions.size(), killed_mid_request);
  EXPECT_GT(ledger_.acknowledged, kKills);  // the load did run between the kills
}

}  // namespace
}  // namespace kms::testing
