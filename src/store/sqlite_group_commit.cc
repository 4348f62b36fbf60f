#include "store/sqlite_group_commit.h"

#include <algorithm>
#include <vector>

namespace kms::store::sqlite {

struct GroupCommitter::Pending {
  explicit Pending(const Op& o) : op(o) {}
  const Op& op;
  Status status;
  bool done = false;  // guarded by mu_
  std::condition_variable cv;
};

GroupCommitter::GroupCommitter(Db& writer, int max_batch)
    : db_(writer), max_batch_(static_cast<size_t>(std::max(1, max_batch))) {}

Status GroupCommitter::Write(const Op& op) {
  Pending self(op);
  std::unique_lock lock(mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return self.status;

  // Leader. The batch stays at the head of the queue while it runs, so no other caller can
  // become leader and touch the connection meanwhile; newcomers queue up behind it and form
  // the next batch, which is what makes the grouping happen.
  std::vector<Pending*> batch(queue_.begin(),
                              queue_.begin() + std::min(queue_.size(), max_batch_));
  lock.unlock();
  RunBatch(batch.data(), batch.size());
  lock.lock();

  stats_.commits++;
  stats_.ops += static_cast<int64_t>(batch.size());
  for (Pending* p : batch) {
    queue_.pop_front();
    if (p != &self) {
      p->done = true;
      p->cv.notify_one();
    }
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();
  return self.status;
}

void GroupCommitter::RunBatch(Pending* const* batch, size_t n) {
  auto fail_all = [&](const Status& status) {
    for (size_t i = 0; i < n; ++i) batch[i]->status = status;
  };
  StatusOr<Txn> txn = Txn::Begin(db_);
  if (!txn.ok()) return fail_all(txn.status());

  auto run_stmt = [&](const char* sql) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt stmt, db_.Prepare(sql));
    return stmt.Run();
  };
  bool any_ok = false;
  for (size_t i = 0; i < n; ++i) {
    Pending* p = batch[i];
    if (Status s = run_stmt("SAVEPOINT op"); !s.ok()) return fail_all(s);
    p->status = p->op(db_);
    if (!db_.InTransaction()) {
      // Some errors (disk full, I/O) make sqlite roll back the whole transaction by itself:
      // the earlier operations of the batch are gone too, and none of them was acknowledged.
      Status cause = p->status.ok() ? Status::Internal("transaction ended unexpectedly")
                                    : p->status;
      return fail_all(cause);
    }
    if (!p->status.ok()) {
      if (Status s = run_stmt("ROLLBACK TO op"); !s.ok()) return fail_all(s);
    } else {
      any_ok = true;
    }
    if (Status s = run_stmt("RELEASE op"); !s.ok()) return fail_all(s);
  }
  if (!any_ok) return;  // nothing to make durable; the Txn destructor rolls back
  Status committed = txn->Commit();
  if (!committed.ok()) {
    for (size_t i = 0; i < n; ++i) {
      if (batch[i]->status.ok()) batch[i]->status = committed;
    }
  }
}

GroupCommitter::Stats GroupCommitter::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace kms::store::sqlite
