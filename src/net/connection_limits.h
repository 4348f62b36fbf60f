#pragma once
// Internal to the transport: the admission bounds shared by every event loop of one
// HttpsServer. At most `max_connections` connections are open in total and at most
// `max_per_ip` come from one source address (0 = no bound). A connection holds its places
// through a ConnectionPermit, which gives them back when it is released or destroyed.
//
// Thread-safety: all members may be called from any thread. The total is one atomic; the
// per-address counts sit behind a mutex that is taken only when `max_per_ip` is set.

#include <atomic>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "common/mutex.h"
#include "net/https_server.h"

namespace kms::net::internal {

class ConnectionLimits;

// One connection's places in the limits. Move-only; releasing twice is harmless.
class ConnectionPermit {
 public:
  ConnectionPermit() = default;  // holds nothing
  ConnectionPermit(ConnectionPermit&& other) noexcept;
  ConnectionPermit& operator=(ConnectionPermit&& other) noexcept;
  ConnectionPermit(const ConnectionPermit&) = delete;
  ConnectionPermit& operator=(const ConnectionPermit&) = delete;
  ~ConnectionPermit() { Release(); }

  // Gives the places back now, e.g. when the connection is condemned but not yet closed.
  void Release();

 private:
  friend class ConnectionLimits;
  ConnectionLimits* limits_ = nullptr;
  boost::asio::ip::address address_;
  bool holds_address_ = false;
  bool holds_slot_ = false;
};

class ConnectionLimits {
 public:
  ConnectionLimits(int64_t max_connections, int64_t max_per_ip);
  ConnectionLimits(const ConnectionLimits&) = delete;
  ConnectionLimits& operator=(const ConnectionLimits&) = delete;

  // Admits a new connection from `address`. When every place is taken, calls
  // `close_one_idle` (which must release one permit and return true, or return false when
  // nothing is idle) until a place is free. Returns nullopt, counted and logged at most once
  // a second, when `address` is at its cap or no place could be freed.
  std::optional<ConnectionPermit> Admit(const boost::asio::ip::address& address,
                                        const std::function<bool()>& close_one_idle);

  ConnectionStats counts() const;

 private:
  friend class ConnectionPermit;
  bool TryTakeSlot();
  void ReleaseSlot() { open_.fetch_sub(1, std::memory_order_relaxed); }
  bool TryAddAddress(const boost::asio::ip::address& address);
  void RemoveAddress(const boost::asio::ip::address& address);
  void Refused(std::atomic<int64_t>& counter, const char* reason);

  const int64_t max_connections_;
  const int64_t max_per_ip_;
  std::atomic<int64_t> open_{0};
  std::atomic<int64_t> evicted_idle_{0};
  std::atomic<int64_t> refused_at_limit_{0};
  std::atomic<int64_t> refused_per_ip_{0};
  // Steady-clock ms before which no further "refused" / "evicted" line is logged.
  std::atomic<int64_t> next_refusal_log_ms_{0};
  std::atomic<int64_t> next_eviction_log_ms_{0};
  Mutex mu_;
  std::map<boost::asio::ip::address, int64_t> per_address_ KMS_GUARDED_BY(mu_);
};

}  // namespace kms::net::internal
