#include "net/connection_limits.h"

#include <chrono>
#include <utility>

#include "common/log.h"

namespace kms::net::internal {
namespace {

// A flood of refused connections must not become a flood of log lines.
constexpr int64_t kLogIntervalMs = 1000;

int64_t SteadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// True for at most one caller per kLogIntervalMs, whatever the thread.
bool LogAllowed(std::atomic<int64_t>& next_ms) {
  const int64_t now = SteadyMs();
  int64_t next = next_ms.load(std::memory_order_relaxed);
  return now >= next && next_ms.compare_exchange_strong(next, now + kLogIntervalMs);
}

}  // namespace

ConnectionPermit::ConnectionPermit(ConnectionPermit&& other) noexcept { *this = std::move(other); }

ConnectionPermit& ConnectionPermit::operator=(ConnectionPermit&& other) noexcept {
  if (this == &other) return *this;
  Release();
  limits_ = std::exchange(other.limits_, nullptr);
  address_ = other.address_;
  holds_address_ = std::exchange(other.holds_address_, false);
  holds_slot_ = std::exchange(other.holds_slot_, false);
  return *this;
}

void ConnectionPermit::Release() {
  if (limits_ == nullptr) return;
  if (holds_slot_) limits_->ReleaseSlot();
  if (holds_address_) limits_->RemoveAddress(address_);
  holds_slot_ = holds_address_ = false;
  limits_ = nullptr;
}

ConnectionLimits::ConnectionLimits(int64_t max_connections, int64_t max_per_ip)
    : max_connections_(max_connections), max_per_ip_(max_per_ip) {}

std::optional<ConnectionPermit> ConnectionLimits::Admit(
    const boost::asio::ip::address& address, const std::function<bool()>& close_one_idle) {
  ConnectionPermit permit;
  permit.limits_ = this;
  permit.address_ = address;
  // The address cap is checked first: a client at its own cap must not push others out.
  if (!TryAddAddress(address)) {
    Refused(refused_per_ip_, "max_connections_per_ip");
    return std::nullopt;
  }
  permit.holds_address_ = max_per_ip_ > 0;
  while (!TryTakeSlot()) {
    // Another event loop may take the place freed here first; then close one more.
    if (!close_one_idle()) {
      Refused(refused_at_limit_, "max_connections");
      return std::nullopt;  // `permit` gives the address place back
    }
    evicted_idle_.fetch_add(1, std::memory_order_relaxed);
    if (LogAllowed(next_eviction_log_ms_)) {
      log::Info("net.idle_connection_closed_at_limit",
                {{"max_connections", max_connections_},
                 {"evicted_idle_total", evicted_idle_.load(std::memory_order_relaxed)}});
    }
  }
  permit.holds_slot_ = true;
  return permit;
}

ConnectionStats ConnectionLimits::counts() const {
  return {.open = open_.load(std::memory_order_relaxed),
          .evicted_idle = evicted_idle_.load(std::memory_order_relaxed),
          .refused_at_limit = refused_at_limit_.load(std::memory_order_relaxed),
          .refused_per_ip = refused_per_ip_.load(std::memory_order_relaxed)};
}

bool ConnectionLimits::TryTakeSlot() {
  int64_t open = open_.load(std::memory_order_relaxed);
  do {
    if (max_connections_ > 0 && open >= max_connections_) return false;
  } while (!open_.compare_exchange_weak(open, open + 1, std::memory_order_relaxed));
  return true;
}

bool ConnectionLimits::TryAddAddress(const boost::asio::ip::address& address) {
  if (max_per_ip_ <= 0) return true;
  MutexLock lock(mu_);
  int64_t& n = per_address_[address];
  if (n >= max_per_ip_) return false;
  ++n;
  return true;
}

void ConnectionLimits::RemoveAddress(const boost::asio::ip::address& address) {
  MutexLock lock(mu_);
  auto it = per_address_.find(address);
  if (it == per_address_.end()) return;
  if (--it->second <= 0) per_address_.erase(it);
}

void ConnectionLimits::Refused(std::atomic<int64_t>& counter, const char* reason) {
  counter.fetch_add(1, std::memory_order_relaxed);
  if (!LogAllowed(next_refusal_log_ms_)) return;
  log::Warn("net.connection_refused",
            {{"reason", reason},
             {"open", open_.load(std::memory_order_relaxed)},
             {"max_connections", max_connections_},
             {"max_connections_per_ip", max_per_ip_},
             {"refused_at_limit_total", refused_at_limit_.load(std::memory_order_relaxed)},
             {"refused_per_ip_total", refused_per_ip_.load(std::memory_order_relaxed)}});
}

}  // namespace kms::net::internal
