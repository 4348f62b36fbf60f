#pragma once
// A check of TOML text before it reaches the toml++ parser.

#include <string>
#include <string_view>

#include "common/status.h"

namespace kms {

// kInvalidArgument naming `source` and the line when `text` holds a control character TOML
// does not allow anywhere (U+0000..U+001F except tab, newline and carriage return, and U+007F),
// or a line opening a table header ('[' or '[[') not followed by a key. Debian's toml++ 3.3
// assumes (TOML_ASSERT_ASSUME in parse_key) that neither happens, e.g. "[" then a newline or a
// NUL: without this check such a file is undefined behaviour in a release build instead of an
// error. Meant for our configuration and policy files, which hold no arrays or multi-line
// strings (where a line starting with '[' could be a value).
Status CheckTomlText(std::string_view text, const std::string& source);

}  // namespace kms
