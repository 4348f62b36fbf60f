#include "common/toml_text.h"

#include <cstdio>

namespace kms {

Status CheckTomlText(std::string_view text, const std::string& source) {
  int line = 1;
  for (unsigned char c : text) {
    if (c == '\n') {
      ++line;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return Status::InvalidArgument(source + ": control character " + hex + " at line " +
                                     std::to_string(line) + " (not allowed in TOML)");
    }
  }
  return Status::Ok();
}

}  // namespace kms
