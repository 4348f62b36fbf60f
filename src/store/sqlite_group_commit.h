#pragma once
// GroupCommitter: funnels every write of a SqliteStore through one writer connection and lets
// concurrent writers share a transaction, so N callers arriving together pay for one WAL fsync
// instead of N.
//
// How: callers queue up; the caller at the head of the queue becomes the leader, takes up to
// `max_batch` queued operations, runs each inside its own SAVEPOINT of one IMMEDIATE
// transaction, commits once, then hands every caller its own result and wakes the next leader.
// An operation that fails (a duplicate key, a stale revision) is rolled back to its savepoint
// and does not disturb the others. A caller returns only after the commit that contains its
// change is durable, or with an error, in which case none of its change was kept.
//
// Thread-safe: Write() may be called from any number of threads.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "common/status.h"
#include "store/sqlite_db.h"

namespace kms::store::sqlite {

class GroupCommitter {
 public:
  // An operation: runs its statements on the writer connection, inside a transaction the
  // committer owns (it must not BEGIN/COMMIT itself). Results it wants to hand back are written
  // through captures and are valid only when Write() returns OK.
  using Op = std::function<Status(Db&)>;

  // Borrows `writer`, which must outlive the committer and not be used by anyone else.
  // `max_batch` == 1 turns grouping off (one transaction per write).
  GroupCommitter(Db& writer, int max_batch);

  // Runs `op` in a transaction shared with concurrent callers; returns op's own error, the
  // commit's error, or OK once the change is durable.
  Status Write(const Op& op);

  // Statistics for benchmarks: transactions committed and operations they carried.
  struct Stats {
    int64_t commits = 0;
    int64_t ops = 0;
  };
  Stats stats() const;

 private:
  struct Pending;
  void RunBatch(Pending* const* batch, size_t n);

  Db& db_;
  const size_t max_batch_;
  mutable std::mutex mu_;
  std::deque<Pending*> queue_;  // guarded by mu_; the head is the current leader
  Stats stats_;                 // guarded by mu_
};

}  // namespace kms::store::sqlite
