#pragma once
// `ehsm bigdl inspect`: what a BigDL file or folder holds, from its headers alone (format,
// EDK, IV, times, sizes, .meta, parts) and, when a key can be found, whether each MAC matches.
// Never reports key material. Not thread-safe (uses `keys`).

#include <optional>
#include <string>
#include <vector>

#include "kms/bigdl/format.h"
#include "kms/bigdl/key_resolver.h"
#include "kms/bigdl/stream_decryptor.h"

namespace kms::bigdl {

struct InspectedPart {
  std::string name;
  uint64_t size = 0;
  std::string error;  // when the header does not parse (then `info` is empty)
  StreamInfo info;
  // With a key: "verified", "mismatch: ...", "none" (no MAC in this format), or why it was
  // not checked. Empty without a key.
  std::string mac;
  std::string key_source;
  Format resolved_format = Format::kEmpty;  // G1/G2 settled by the MAC when checked
};

struct InspectReport {
  bool folder = false;
  std::optional<std::string> meta_edk;
  std::string meta_error;  // a .meta that does not parse
  bool has_success = false;
  std::vector<InspectedPart> parts;
  std::vector<std::string> other_files;  // visible files that are not recognised parts
  std::vector<std::string> hidden;       // hidden names (.crc, .meta, _SUCCESS, ...)
};

// `keys` null: headers only, no MAC check.
Result<InspectReport> Inspect(const std::string& path, FormatChoice format, KeyResolver* keys,
                              const DecryptOptions& options);

}  // namespace kms::bigdl
