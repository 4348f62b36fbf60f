#pragma once
// SecretBytes: key material and plaintext secrets. Zeroed when destroyed or resized away,
// never copied implicitly, and deliberately has no stream operator, so it cannot end up in a log.

#include <cstddef>
#include <cstdint>
#include <string.h>

#include <utility>
#include <vector>

#include "common/bytes.h"

namespace kms {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t n) : data_(n) {}
  explicit SecretBytes(ByteView b) : data_(b.begin(), b.end()) {}
  ~SecretBytes() { Wipe(); }

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& o) noexcept : data_(std::move(o.data_)) { o.data_.clear(); }
  SecretBytes& operator=(SecretBytes&& o) noexcept {
    if (this != &o) {
      Wipe();
      data_ = std::move(o.data_);
      o.data_.clear();
    }
    return *this;
  }

  // An explicit copy, for the rare place that needs two owners.
  SecretBytes Clone() const { return SecretBytes(view()); }

  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  size_t size() const { return data_.size(); }
  bool empty() const { return data_.empty(); }
  ByteView view() const { return {data_.data(), data_.size()}; }
  std::span<uint8_t> span() { return {data_.data(), data_.size()}; }

  // Shrinks without reallocating, wiping the cut-off tail.
  void Truncate(size_t n) {
    if (n >= data_.size()) return;
    explicit_bzero(data_.data() + n, data_.size() - n);
    data_.resize(n);
  }

 private:
  void Wipe() {
    if (!data_.empty()) explicit_bzero(data_.data(), data_.size());
  }
  std::vector<uint8_t> data_;
};

}  // namespace kms
