#pragma once
// CtxPool<T>: the idle OpenSSL contexts of one key, so an operation borrows a context that
// already holds the key schedule instead of allocating and keying a new one. A context is
// used by one thread at a time; the pool only grows to the number of concurrent users.
//
// A Lease gives its context back on destruction unless Discard() was called (after a failure
// that may have left it in a bad state). Contexts are freed with the pool, by their OpenSSL
// free function, which wipes key material.

#include <mutex>
#include <vector>

#include "crypto/ossl_ptr.h"

namespace kms::crypto {

template <typename T>
class CtxPool {
 public:
  class Lease {
   public:
    explicit Lease(CtxPool& pool) : pool_(pool) {
      std::lock_guard<std::mutex> lock(pool_.mu_);
      if (!pool_.idle_.empty()) {
        ctx_ = std::move(pool_.idle_.back());
        pool_.idle_.pop_back();
      }
    }
    ~Lease() {
      if (ctx_ == nullptr) return;
      std::lock_guard<std::mutex> lock(pool_.mu_);
      pool_.idle_.push_back(std::move(ctx_));
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    // Null when the pool had no idle context: the caller makes one and assigns it here.
    OsslPtr<T>& ctx() { return ctx_; }
    void Discard() { ctx_.reset(); }

   private:
    CtxPool& pool_;
    OsslPtr<T> ctx_;
  };

 private:
  std::mutex mu_;
  std::vector<OsslPtr<T>> idle_;  // guarded by mu_
};

}  // namespace kms::crypto
