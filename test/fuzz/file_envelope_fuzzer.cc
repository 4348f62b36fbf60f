// Fuzz target: one input as a file encrypted by `ehsm encrypt-file` (sdk/include/kms/
// file_envelope.h, docs/file-format.md): the header read, then the whole stream decrypted with
// a data-key source that unwraps any wrapped key to one fixed key. Files are untrusted input:
// any crash, sanitizer report or uncaught exception is a bug, and so is plaintext output for a
// file no one sealed (each chunk's GCM tag must fail).
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (file_envelope_fuzzer_replay).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "kms/file_envelope.h"

namespace {

class FixedKeySource final : public kms::client::DataKeySource {
 public:
  kms::client::Result<kms::client::DataKey> Generate(std::string_view, int,
                                                     kms::ByteView) override {
    return kms::client::Error::InvalidArgument("not used");
  }
  kms::client::Result<kms::SecretBytes> Unwrap(std::string_view, kms::ByteView wrapped,
                                               kms::ByteView) override {
    if (wrapped.empty()) return kms::client::Error::Server(400, "empty");
    static const kms::Bytes kKey(32, 0x42);
    return kms::SecretBytes(kms::ByteView(kKey));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  {
    std::istringstream in(bytes);
    (void)kms::client::ReadEnvelopeHeader(in);
  }
  FixedKeySource keys;
  std::istringstream in(bytes);
  std::ostringstream out;
  auto r = kms::client::DecryptStream(keys, in, out);
  if (!out.str().empty()) std::abort();
  (void)r;
  return 0;
}
