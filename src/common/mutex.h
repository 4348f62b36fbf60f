#pragma once
// Mutex and MutexLock: std::mutex and std::lock_guard with clang's thread-safety annotations
// (common/thread_annotations.h), so that members marked KMS_GUARDED_BY(mu_) are checked at
// compile time. Same cost as the std types they wrap.

#include <mutex>

#include "common/thread_annotations.h"

namespace kms {

class KMS_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() KMS_ACQUIRE() { mu_.lock(); }
  void unlock() KMS_RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds `mu` for its scope.
class KMS_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) KMS_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~MutexLock() KMS_RELEASE() { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

}  // namespace kms
