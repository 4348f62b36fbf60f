#pragma once
// The `.meta` file BigDL writes into every encrypted Spark folder (BigDL 2.3+):
//   {LF  "encryptedDataKey" : "<EDK>"LF}LF
// BigDL parses it as JSON with case-insensitive names and ignores unknown members; it never
// records which CMK wrapped the EDK. Thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "kms/bigdl/result.h"

namespace kms::bigdl {

inline constexpr std::string_view kMetaFile = ".meta";
inline constexpr std::string_view kSuccessFile = "_SUCCESS";

// The bytes BigDL's Jackson writer produces for `edk`.
std::string EncodeMeta(std::string_view edk);
// The EDK in `json`; fails (kLocal) unless it is an object with a string encryptedDataKey.
Result<std::string> ParseMeta(std::string_view json);
// `dir`/.meta parsed; nullopt when the folder has none.
Result<std::optional<std::string>> ReadMeta(const std::string& dir);

}  // namespace kms::bigdl
