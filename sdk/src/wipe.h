#pragma once
// Wiping of buffers that held secrets (request bodies with plaintexts, replies with data keys).

#include <string.h>

#include <string>

#include <boost/json/memory_resource.hpp>

namespace kms::client::internal {

inline void WipeString(std::string& s) {
  if (!s.empty()) explicit_bzero(s.data(), s.size());
}

// A JSON allocator that zeroes every block it frees, so parsed replies holding data keys or
// plaintexts (as base64 text) do not linger in freed heap memory.
class WipingResource final : public boost::json::memory_resource {
 private:
  void* do_allocate(std::size_t n, std::size_t align) override {
    return ::operator new(n, std::align_val_t(align));
  }
  void do_deallocate(void* p, std::size_t n, std::size_t align) override {
    explicit_bzero(p, n);
    ::operator delete(p, std::align_val_t(align));
  }
  bool do_is_equal(const boost::json::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

}  // namespace kms::client::internal
