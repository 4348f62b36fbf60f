#pragma once
// The BigDL file formats and their recognition (docs/bigdl.md, "Formats").
//
// None of them carries a version field, so a format is recognised by its shape, in this order:
// 0 bytes -> empty; "gAAAAA" and base64url -> Fernet (F); G3 header with a length that fits ->
// G3; 0x80 with a length that fits -> G1 or G2 (the MAC tells which); "PAR1"/"PARE" -> Parquet
// (recognised, not decrypted). The native format (IV and ciphertext only) has no shape and is
// used only when asked for. Pure functions; thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "kms/bigdl/result.h"

namespace kms::bigdl {

enum class Format {
  kEmpty,    // 0 bytes: what Spark writes for an empty partition
  kG3,       // 400-byte header with the EDK (BigDL 2.3+)
  kG2,       // 25-byte header, MAC over the ciphertext (BigDL 2.1/2.2)
  kG1,       // 25-byte header, MAC over everything (2022-05, Scala FernetEncrypt)
  kNative,   // IV || ciphertext, no MAC (spark.bigdl.encryter.type=nativeaescbc)
  kFernet,   // a Fernet token (the Python kms-client tool)
  kParquet,  // Parquet, possibly with Parquet Modular Encryption: not handled here
};

enum class FormatChoice { kAuto, kG3, kG2, kG1, kNative, kFernet };

// "empty", "g3", "g2", "g1", "native", "fernet", "parquet".
std::string_view FormatName(Format f);
// Accepts auto|g3|g2|g1|native|fernet (case-insensitive).
std::optional<FormatChoice> ParseFormatChoice(std::string_view name);

// The format a choice names (nullopt for kAuto), and the choice naming a format (kAuto for the
// formats no choice names: empty, Parquet).
std::optional<Format> FormatOf(FormatChoice choice);
FormatChoice ChoiceOf(Format format);

// How many leading bytes DetectFormat wants to see.
inline constexpr size_t kDetectPrefix = 400;

// The format of a stream that starts with `prefix` (its first min(size, 400) bytes) and is
// `size` bytes long when known. For 0x80 files the result is kG2 meaning "G1 or G2". Fails
// (kLocal) with the reason when nothing fits, suggesting --format native.
Result<Format> DetectFormat(ByteView prefix, std::optional<uint64_t> size);

// The format `choice` forces, or DetectFormat's answer for kAuto. A 0-byte input is kEmpty
// whatever the choice.
Result<Format> ResolveFormat(FormatChoice choice, ByteView prefix, std::optional<uint64_t> size);

}  // namespace kms::bigdl
