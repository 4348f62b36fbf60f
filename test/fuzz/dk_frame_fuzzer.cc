// Fuzz target: one input as the attested channel's frames (src/dkey/dk_protocol.h): as a
// request, as a response header and as a whole response. Any crash, sanitizer report or
// uncaught exception is a bug; a parsed grant must carry a 32-byte key and a 16-digit dk_id.
//
// Built as a libFuzzer binary with -DKMS_FUZZ=ON (clang); always built as a corpus replay
// test (dk_frame_fuzzer_replay).

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "dkey/dk_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const kms::ByteView input(data, size);
  (void)kms::dkey::ParseDkRequest(input);
  if (size >= kms::dkey::kDkResponseHeaderBytes) {
    auto header =
        kms::dkey::ParseDkResponseHeader(input.subspan(0, kms::dkey::kDkResponseHeaderBytes));
    if (header.ok() && header->body_bytes > kms::dkey::kMaxRefusalBytes &&
        header->body_bytes != kms::dkey::kDkGrantBodyBytes) {
      std::abort();
    }
  }
  auto response = kms::dkey::ParseDkResponse(input);
  if (response.ok() && response->granted &&
      (response->dk.size() != 32 || response->dk_id.size() != 16)) {
    std::abort();
  }
  return 0;
}
