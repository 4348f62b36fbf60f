// populate_keys: fills an ehsm-kms data directory with one tenant and N AES-256 keys, written
// through the same KeyVault and SqliteStore the server uses (same blob format, same bindings),
// far faster than N CreateKey requests. Then start ehsm-kms on that directory.
//
// Writes the tenant's credentials and the keyids to --out (appid, apikey, then one keyid per
// line; mode 0600): ehsm-bench --keys-file reads it. Adding to an existing directory with
// --keys-file reuses its tenant is not supported: use a fresh directory per population.
// The server must not run on the directory meanwhile.

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "crypto/random.h"
#include "keys/domain_key.h"
#include "keys/key_vault.h"
#include "store/sqlite_store.h"
#include "tee/sim/sim_platform.h"

namespace {

using namespace kms;

// 9999-12-31T23:59:59.999Z, as the server records keys that never expire.
constexpr int64_t kNeverExpires = 253402300799999;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int Fail(const std::string& what, const Status& s) {
  std::fprintf(stderr, "populate_keys: %s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"populate_keys: put N AES-256 keys into an ehsm-kms SQLite data directory"};
  std::string data_dir, out_path;
  int64_t count = 1000;
  int threads = 128;
  app.add_option("--data-dir", data_dir, "ehsm-kms data directory (created if missing)")
      ->required();
  app.add_option("--count", count, "keys to create")->check(CLI::PositiveNumber);
  app.add_option("--out", out_path, "credentials and keyids file")->required();
  app.add_option("--threads", threads,
                 "concurrent writers (their inserts share SQLite commits)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  if (Status s = EnsureDirectory(data_dir); !s.ok()) return Fail("data dir", s);
  store::SqliteStore::Options so;
  so.max_batch = 4096;
  auto st = store::SqliteStore::Open(data_dir + "/kms.db", so);
  if (!st.ok()) return Fail("open store", st.status());
  store::SqliteStore& db = **st;
  auto platform = tee::SimPlatform::Open({.secret_path = data_dir + "/platform.secret",
                                          .identity = {}});
  if (!platform.ok()) return Fail("platform", platform.status());
  auto objects = db.CountWrappedObjects();
  if (!objects.ok()) return Fail("count", objects.status());
  if (*objects != 0) {
    std::fprintf(stderr, "populate_keys: %s already holds %lld objects; use a fresh directory\n",
                 data_dir.c_str(), static_cast<long long>(*objects));
    return 1;
  }
  auto dk = keys::LoadOrCreateSealedDomainKey(**platform, data_dir + "/domain_key.sealed", 0);
  if (!dk.ok()) return Fail("domain key", dk.status());
  keys::KeyVault vault(**platform, std::move(*dk));

  auto e = vault.Enroll();
  if (!e.ok()) return Fail("enroll", e.status());
  store::TenantRecord tenant{.appid = e->appid,
                             .apikey_blob = e->apikey_blob,
                             .cmk_blob = e->cmk_blob,
                             .sm_default_cmk_blob = e->sm_default_cmk_blob,
                             .create_time_ms = NowMs()};
  if (Status s = db.CreateTenant(tenant); !s.ok()) return Fail("create tenant", s);

  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> keyids(static_cast<size_t>(count));
  std::atomic<int64_t> next{0};
  std::mutex err_mu;
  Status first_error;
  auto worker = [&] {
    for (int64_t i; (i = next.fetch_add(1)) < count;) {
      auto id = crypto::RandomUuid();
      if (!id.ok()) {
        std::lock_guard lock(err_mu);
        first_error = id.status();
        return;
      }
      int64_t now = NowMs();
      store::KeyRecord k{.keyid = *id,
                         .creator = e->appid,
                         .keyspec = "EH_AES_GCM_256",
                         .origin = "EH_INTERNAL_KEY",
                         .keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT",
                         .key_blob = {},
                         .creation_date_ms = now,
                         .expire_time_ms = kNeverExpires,
                         .alias = "",
                         .key_state = 1,
                         .revision = 0};
      keys::BlobBinding binding{k.keyid, k.creator, k.keyspec, k.origin, k.keyusage};
      auto blob = vault.CreateKey(binding, keys::KeySpec::kAesGcm256, keys::Origin::kInternal,
                                  keys::KeyUsage::kEncryptDecrypt);
      Status s = blob.ok() ? (k.key_blob = std::move(*blob), db.CreateKey(k)) : blob.status();
      if (!s.ok()) {
        std::lock_guard lock(err_mu);
        first_error = s;
        return;
      }
      keyids[static_cast<size_t>(i)] = k.keyid;
      if ((i + 1) % 100000 == 0) std::fprintf(stderr, "  %lld keys\n", static_cast<long long>(i + 1));
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (auto& t : pool) t.join();
  if (!first_error.ok()) return Fail("create key", first_error);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto stats = db.WriteStats();

  std::string text = e->appid + "\n" + std::string(AsChars(e->apikey.view())) + "\n";
  text.reserve(text.size() + keyids.size() * 37);
  for (const auto& id : keyids) text += id + "\n";
  if (Status s = WriteFileAtomic(out_path, AsBytes(text), 0600); !s.ok()) {
    return Fail("write " + out_path, s);
  }
  explicit_bzero(text.data(), text.size());
  std::fprintf(stderr, "populate_keys: %lld keys in %.1f s (%lld commits) into %s\n",
               static_cast<long long>(count), secs, static_cast<long long>(stats.commits),
               data_dir.c_str());
  return 0;
}
