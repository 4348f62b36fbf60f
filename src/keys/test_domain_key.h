#pragma once
// A fixed domain key for unit tests.

#include "keys/domain_key.h"

namespace kms::keys {

inline std::unique_ptr<DomainKey> TestDomainKey(uint8_t fill = 7) {
  Bytes k(DomainKey::kSize, fill);
  return std::move(DomainKey::FromBytes(k)).value();
}

}  // namespace kms::keys
