#include "kms/bigdl/format.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "kms/bigdl/fernet_header.h"
#include "kms/bigdl/g3_header.h"

namespace kms::bigdl {
namespace {

constexpr size_t kMacSize = 32;

bool IsBase64UrlChar(uint8_t c) { return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '='; }

bool StartsWith(ByteView b, std::string_view s) {
  return b.size() >= s.size() && std::equal(s.begin(), s.end(), b.begin());
}

// A Fernet token is base64url text starting "gAAAAA" (0x80 and the high bytes of a time).
bool LooksLikeFernet(ByteView prefix) {
  if (!StartsWith(prefix, "gAAAAA")) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    uint8_t c = prefix[i];
    if (IsBase64UrlChar(c)) continue;
    // A trailing newline is tolerated, only at the very end.
    bool last = i + 1 == prefix.size() || (i + 2 == prefix.size() && prefix[i + 1] == '\n');
    if ((c == '\n' || c == '\r') && last) continue;
    return false;
  }
  return true;
}

// A ciphertext of whole blocks (at least one) plus the MAC after a header of `header` bytes.
bool BodyFits(std::optional<uint64_t> size, uint64_t header) {
  if (!size) return true;
  if (*size < header + kMacSize + 16) return false;
  return (*size - header - kMacSize) % 16 == 0;
}

std::string Describe(std::optional<uint64_t> size) {
  return size ? std::to_string(*size) + " bytes" : std::string("unknown length");
}

}  // namespace

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kEmpty:
      return "empty";
    case Format::kG3:
      return "g3";
    case Format::kG2:
      return "g2";
    case Format::kG1:
      return "g1";
    case Format::kNative:
      return "native";
    case Format::kFernet:
      return "fernet";
    case Format::kParquet:
      return "parquet";
  }
  return "?";
}

std::optional<FormatChoice> ParseFormatChoice(std::string_view name) {
  std::string n(name);
  for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "auto") return FormatChoice::kAuto;
  if (n == "g3" || n == "common") return FormatChoice::kG3;
  if (n == "g2") return FormatChoice::kG2;
  if (n == "g1") return FormatChoice::kG1;
  if (n == "native" || n == "nativeaescbc") return FormatChoice::kNative;
  if (n == "fernet") return FormatChoice::kFernet;
  return std::nullopt;
}

Result<Format> DetectFormat(ByteView prefix, std::optional<uint64_t> size) {
  if (prefix.empty()) return Format::kEmpty;
  if (LooksLikeFernet(prefix)) return Format::kFernet;
  if (LooksLikeG3(prefix)) {
    if (!BodyFits(size, kG3HeaderSize)) {
      return Error::Local("has a BigDL (G3) header but its length (" + Describe(size) +
                          ") is not 400 + 16k + 32: truncated or extended");
    }
    return Format::kG3;
  }
  if (prefix[0] == kFernetVersion && BodyFits(size, kFernetHeaderSize)) return Format::kG2;
  if (StartsWith(prefix, "PAR1") || StartsWith(prefix, "PARE")) return Format::kParquet;
  return Error::Local("is not in a recognised BigDL format (" + Describe(size) +
                      "); if it was written with spark.bigdl.encryter.type=nativeaescbc, "
                      "try --format native");
}

std::optional<Format> FormatOf(FormatChoice choice) {
  switch (choice) {
    case FormatChoice::kG3:
      return Format::kG3;
    case FormatChoice::kG2:
      return Format::kG2;
    case FormatChoice::kG1:
      return Format::kG1;
    case FormatChoice::kNative:
      return Format::kNative;
    case FormatChoice::kFernet:
      return Format::kFernet;
    case FormatChoice::kAuto:
      break;
  }
  return std::nullopt;
}

FormatChoice ChoiceOf(Format format) {
  for (FormatChoice c : {FormatChoice::kG3, FormatChoice::kG2, FormatChoice::kG1,
                         FormatChoice::kNative, FormatChoice::kFernet}) {
    if (FormatOf(c) == format) return c;
  }
  return FormatChoice::kAuto;
}

Result<Format> ResolveFormat(FormatChoice choice, ByteView prefix, std::optional<uint64_t> size) {
  if (prefix.empty()) return Format::kEmpty;
  if (auto forced = FormatOf(choice)) return *forced;
  return DetectFormat(prefix, size);
}

}  // namespace kms::bigdl
