// Fuzz target: one input as the PEM text of an imported or uploaded key
// (crypto::ParseKeyPem: one block, or a public block then its private block). Any crash,
// sanitizer report or uncaught exception is a bug; a parsed key must be usable.
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (pem_fuzzer_replay).

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "crypto/pkey_pem.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = kms::crypto::ParseKeyPem(text);
  if (!parsed.ok()) return 0;
  if (parsed->pkey == nullptr || EVP_PKEY_get_bits(parsed->pkey.get()) <= 0) std::abort();
  return 0;
}
