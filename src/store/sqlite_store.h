#pragma once
// SqliteStore: the embedded Store, one SQLite file in WAL mode.
//
// Durability: synchronous=FULL, so a mutating call returns OK only after its transaction is in
// the fsynced WAL. Concurrency: every write goes through one writer connection (GroupCommitter),
// which lets concurrent writers share a single commit and fsync; reads use a separate pool of
// connections and never wait for a write's fsync (WAL readers see the last commit). Every
// statement is prepared once per connection and cached.
//
// Thread-safe, as the Store contract requires. Errors follow the Store contract; in addition
// Open() fails with kFailedPrecondition for a database written by a newer build, kUnavailable
// when the file cannot be opened or locked, kInternal for a file that is not a database.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/sqlite_db.h"
#include "store/sqlite_group_commit.h"
#include "store/store.h"

namespace kms::store {

class SqliteStore final : public Store {
 public:
  struct Options {
    int reader_connections = 4;  // concurrent reads beyond this wait for a free connection
    int max_batch = 64;          // writes sharing one commit; 1 turns group commit off
    int busy_timeout_ms = 5000;  // how long a lock held by another process is waited for
  };

  // Opens or creates the database at `path` and migrates it to the current schema.
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path);
  static StatusOr<std::unique_ptr<SqliteStore>> Open(const std::string& path,
                                                     const Options& options);
  ~SqliteStore() override;

  std::string Describe() const override;
  Status Ping() override;
  bool ReadsAreLocal() const override { return true; }

  Status CreateTenant(const TenantRecord& tenant) override;
  StatusOr<TenantRecord> GetTenant(const std::string& appid) override;

  Status CreateKey(const KeyRecord& key) override;
  StatusOr<KeyRecord> GetKey(const std::string& keyid) override;
  StatusOr<std::vector<KeyRecord>> ListKeys(const std::string& creator) override;
  StatusOr<int64_t> UpdateKey(const KeyRecord& key) override;
  Status SetKeyState(const std::string& keyid, const std::string& creator,
                     int key_state) override;
  StatusOr<bool> DeleteKey(const std::string& keyid, const std::string& creator) override;
  StatusOr<int64_t> DeleteAllKeys(const std::string& creator) override;
  Status CreateQuotePolicy(const QuotePolicyRecord& policy) override;
  StatusOr<QuotePolicyRecord> GetQuotePolicy(const std::string& appid,
                                             const std::string& policy_id) override;
  StatusOr<int64_t> CountWrappedObjects() override;
  StatusOr<std::vector<Bytes>> SampleWrappedBlobs(int limit) override;
  StatusOr<std::string> GetDomainKeyId() override;
  StatusOr<std::string> RecordDomainKeyId(const std::string& dk_id) override;

  Status CreateSecret(const SecretRecord& secret, const SecretVersionRecord& first) override;
  StatusOr<SecretRecord> GetSecret(const std::string& appid, const std::string& name) override;
  StatusOr<std::vector<SecretRecord>> ListSecrets(const std::string& appid) override;
  Status SetSecretDescription(const std::string& appid, const std::string& name,
                              const std::string& description) override;
  Status AddSecretVersion(const std::string& appid, const std::string& name,
                          const SecretVersionRecord& version) override;
  StatusOr<SecretVersionRecord> GetSecretVersion(const std::string& appid, const std::string& name,
                                                 int64_t version_id) override;
  StatusOr<std::vector<SecretVersionRecord>> ListSecretVersions(const std::string& appid,
                                                                const std::string& name) override;
  Status ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                int64_t delete_time_ms, int64_t planned_delete_time_ms) override;
  Status RestoreSecret(const std::string& appid, const std::string& name) override;
  StatusOr<bool> DeleteSecret(const std::string& appid, const std::string& name) override;
  StatusOr<std::vector<SecretRecord>> ListSecretsDueForDeletion(int64_t now_ms, int limit) override;
  StatusOr<bool> DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                   int64_t now_ms) override;

  // Commits and operations carried so far by the writer (for benchmarks and logs).
  sqlite::GroupCommitter::Stats WriteStats() const { return committer_->stats(); }

 private:
  class ReaderLease;

  SqliteStore(std::string path, std::unique_ptr<sqlite::Db> writer,
              std::vector<std::unique_ptr<sqlite::Db>> readers, int max_batch);
  ReaderLease AcquireReader();
  // Purges the secret inside a write; with `due_at_ms` > 0 only if still due by then.
  StatusOr<bool> PurgeSecret(const std::string& appid, const std::string& name, int64_t due_at_ms);
  void ReleaseReader(std::unique_ptr<sqlite::Db> reader);

  const std::string path_;
  std::unique_ptr<sqlite::Db> writer_;
  std::unique_ptr<sqlite::GroupCommitter> committer_;

  std::mutex readers_mu_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<sqlite::Db>> idle_readers_;  // guarded by readers_mu_
};

}  // namespace kms::store
