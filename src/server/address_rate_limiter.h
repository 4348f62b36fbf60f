#pragma once
// AddressRateLimiter: one token bucket per source address, in a table of bounded size.
// Thread-safe.
//
// When the table is full, the address used longest ago gives its place up (its bucket starts
// full when it returns): so the memory is bounded whatever the number of addresses, and an
// attacker with many addresses can at most reset buckets, never lock an address out.

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"

namespace kms::server {

class AddressRateLimiter {
 public:
  // `per_second` <= 0 disables the limit. `max_addresses` >= 1.
  AddressRateLimiter(const Clock& clock, double per_second, double burst, size_t max_addresses);

  // True if `address` may make one more call now (and counts it).
  bool TryAcquire(const std::string& address);

  size_t size() const;

 private:
  struct Bucket {
    double tokens;
    int64_t last_ms;
    std::list<std::string>::iterator lru;
  };
  const Clock& clock_;
  const double rate_;
  const double burst_;
  const size_t max_addresses_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ KMS_GUARDED_BY(mu_);
  std::list<std::string> lru_ KMS_GUARDED_BY(mu_);  // most recent first
};

}  // namespace kms::server
