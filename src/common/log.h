#pragma once
// Structured logging: one line per event, `ts level event k=v k=v`. Values with spaces, quotes
// or `=` are quoted. With Format::kJson the same event is one JSON object per line:
// `{"ts":"...","level":"info","event":"...","k":"v"}` (every value a string). Callers pass identifiers and sizes only: never key material, plaintext,
// apikeys or request bodies (SecretBytes has no formatter on purpose).
//
// The audit log (who did what to which key) is a separate append-only file, flushed per line.

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace kms::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

// "text" or "json"; kInvalidArgument otherwise.
StatusOr<Format> ParseFormat(std::string_view name);

struct Field {
  std::string_view key;
  std::string value;
  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v) {}
  template <typename N>
    requires std::is_arithmetic_v<N>
  Field(std::string_view k, N n) : key(k), value(std::to_string(n)) {}
};
using Fields = std::initializer_list<Field>;

struct Options {
  Level level = Level::kInfo;
  Format format = Format::kText;  // of the main log (the audit log stays text)
  std::string audit_path;  // empty: audit events go to the main log with event prefix "audit."
};

// Sets the level and opens the audit file. Safe to call once at start; before it, logging
// goes to stderr at info level with no audit file. An audit file that cannot be opened is an
// error (the server must not run without its audit trail); the level is set either way.
Status Init(const Options& options);
void SetLevel(Level level);
bool Enabled(Level level);

void Write(Level level, std::string_view event, Fields fields = {});
inline void Debug(std::string_view e, Fields f = {}) { Write(Level::kDebug, e, f); }
inline void Info(std::string_view e, Fields f = {}) { Write(Level::kInfo, e, f); }
inline void Warn(std::string_view e, Fields f = {}) { Write(Level::kWarn, e, f); }
inline void Error(std::string_view e, Fields f = {}) { Write(Level::kError, e, f); }

// One audit record: `actor` (appid) did `action` on `object` with `outcome`.
void Audit(std::string_view action, std::string_view actor, std::string_view object,
           std::string_view outcome, Fields extra = {});

// Formats fields as ` k=v k="v w"` (exposed for tests).
std::string FormatFields(Fields fields);

// One whole line (no trailing newline) of `event` at `level`, stamped now, in the format
// Init chose: what Write would print. For lines written elsewhere (the access log's sink).
std::string FormatLine(Level level, std::string_view event, Fields fields);

// `s` as the inside of a JSON string (quotes, backslashes and control characters escaped).
void AppendJsonEscaped(std::string& out, std::string_view s);

// Flushes both logs (call at shutdown).
void Flush();

}  // namespace kms::log
