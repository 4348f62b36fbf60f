#pragma once
// A check of TOML text before it reaches the toml++ parser.

#include <string>
#include <string_view>

#include "common/status.h"

namespace kms {

// kInvalidArgument naming `source`, the line and the byte when `text` holds a control
// character TOML does not allow anywhere (U+0000..U+001F except tab, newline and carriage
// return, and U+007F). Debian's toml++ 3.3 assumes (TOML_ASSERT_ASSUME) that it never meets
// some of them, e.g. a NUL right after '[': without this check such a file is undefined
// behaviour in a release build instead of an error.
Status CheckTomlText(std::string_view text, const std::string& source);

}  // namespace kms
