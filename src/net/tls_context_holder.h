#pragma once
// TlsContextHolder: the TLS context new connections are made with, replaceable while the
// server runs (certificate reload). A connection keeps the context it started with for its
// whole life, so established connections are never disturbed by a reload. Thread-safe.

#include <boost/asio/ssl/context.hpp>

#include <memory>

#include "common/mutex.h"

namespace kms::net::internal {

class TlsContextHolder {
 public:
  explicit TlsContextHolder(std::shared_ptr<boost::asio::ssl::context> ctx)
      : ctx_(std::move(ctx)) {}

  std::shared_ptr<boost::asio::ssl::context> Current() const {
    MutexLock lock(mu_);
    return ctx_;
  }
  // New handshakes use `ctx`; the old context lives on while connections hold it.
  void Replace(std::shared_ptr<boost::asio::ssl::context> ctx) {
    MutexLock lock(mu_);
    ctx_.swap(ctx);
  }

 private:
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_ KMS_GUARDED_BY(mu_);
};

}  // namespace kms::net::internal
