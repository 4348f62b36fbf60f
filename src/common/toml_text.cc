#include "common/toml_text.h"

#include <cstdio>

namespace kms {

namespace {

bool KeyStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '"' || c == '\'';
}

// A line that opens a table header ("[" or "[[") must name a key next: toml++ 3.3 asserts
// (parse_key) when a newline, NUL or other character follows instead. Our files hold no arrays
// or multi-line strings, where such a line could be something else.
Status CheckHeaders(std::string_view text, const std::string& source) {
  int line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(start, end - start);
    size_t i = l.find_first_not_of(" \t");
    if (i != std::string_view::npos && l[i] == '[') {
      ++i;
      if (i < l.size() && l[i] == '[') ++i;
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
      if (i >= l.size() || !KeyStart(l[i])) {
        return Status::InvalidArgument(source + ": table header without a name at line " +
                                       std::to_string(line));
      }
    }
    ++line;
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace

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
  return CheckHeaders(text, source);
}

}  // namespace kms
