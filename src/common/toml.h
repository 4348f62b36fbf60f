#pragma once
// toml++ (Debian's 3.3), included the way every build of ours runs it. Its internal
// consistency checks (TOML_ASSERT, and TOML_ASSERT_ASSUME outside NDEBUG) fire on some
// malformed files, e.g. "a = [1, }" (parse_value): in our g++ release build they compile to
// nothing, so the parser goes on and reports an error. Debug and sanitizer builds keep them
// off too, so that tests and fuzzers exercise the parser that ships, under ASan and UBSan,
// instead of stopping at an assert. common/toml_text.h refuses the inputs we know of first.
#ifndef NDEBUG
#ifndef TOML_ASSERT
#define TOML_ASSERT(expr) static_assert(true)
#endif
#endif
#include <toml++/toml.h>
