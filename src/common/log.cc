#include "common/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>

namespace kms::log {
namespace {

spdlog::level::level_enum ToSpd(Level l) {
  switch (l) {
    case Level::kDebug: return spdlog::level::debug;
    case Level::kInfo: return spdlog::level::info;
    case Level::kWarn: return spdlog::level::warn;
    case Level::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

constexpr char kTextPattern[] = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";
// Write() supplies `"event":...` and the fields; spdlog the stamp and level around them.
constexpr char kJsonPattern[] = "{\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"level\":\"%l\",%v}";

std::atomic<Format> current_format{Format::kText};

struct Loggers {
  std::shared_ptr<spdlog::logger> main;
  std::shared_ptr<spdlog::logger> audit;  // may be null
};

Loggers& State() {
  static Loggers* loggers = [] {
    auto* l = new Loggers;  // leaked on purpose: usable from static destructors
    l->main = std::make_shared<spdlog::logger>(
        "kms", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->main->set_pattern(kTextPattern, spdlog::pattern_time_type::utc);
    l->main->set_level(spdlog::level::info);
    l->main->flush_on(spdlog::level::info);
    return l;
  }();
  return *loggers;
}

bool NeedsQuotes(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20)
      return true;
  }
  return false;
}

void AppendValue(std::string& out, std::string_view v) {
  if (!NeedsQuotes(v)) {
    out += v;
    return;
  }
  out.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += '?';
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void AppendJsonFields(std::string& out, std::string_view event, Fields fields) {
  out += "\"event\":\"";
  AppendJsonEscaped(out, event);
  out.push_back('"');
  for (const Field& f : fields) {
    out += ",\"";
    AppendJsonEscaped(out, f.key);
    out += "\":\"";
    AppendJsonEscaped(out, f.value);
    out.push_back('"');
  }
}

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warning";
    case Level::kError: return "error";
  }
  return "info";
}

// The stamp spdlog's patterns print: UTC, milliseconds.
std::string NowStamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];  // room for any int the fields could hold, so the format cannot truncate
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

}  // namespace

StatusOr<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  return Status::InvalidArgument("log_format must be text or json, not '" + std::string(name) +
                                 "'");
}

void AppendJsonEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    } else {
      out.push_back(c);
    }
  }
}

std::string FormatLine(Level level, std::string_view event, Fields fields) {
  std::string line;
  if (current_format.load(std::memory_order_relaxed) == Format::kJson) {
    line = "{\"ts\":\"" + NowStamp() + "\",\"level\":\"";
    line += LevelName(level);
    line += "\",";
    AppendJsonFields(line, event, fields);
    line.push_back('}');
    return line;
  }
  line = NowStamp();
  line.push_back(' ');
  line += LevelName(level);
  line.push_back(' ');
  line += event;
  line += FormatFields(fields);
  return line;
}

std::string FormatFields(Fields fields) {
  std::string out;
  for (const Field& f : fields) {
    out.push_back(' ');
    out += f.key;
    out.push_back('=');
    AppendValue(out, f.value);
  }
  return out;
}

Status Init(const Options& options) {
  Loggers& s = State();
  s.main->set_level(ToSpd(options.level));
  current_format.store(options.format, std::memory_order_relaxed);
  s.main->set_pattern(options.format == Format::kJson ? kJsonPattern : kTextPattern,
                      spdlog::pattern_time_type::utc);
  if (!options.audit_path.empty()) {
    // spdlog reports an unopenable file by throwing; nothing above us catches, so without
    // this the process would end in std::terminate with no hint of which file or why.
    std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink;
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.audit_path,
                                                                 /*truncate=*/false);
    } catch (const spdlog::spdlog_ex& e) {
      return Status::FailedPrecondition("cannot open audit log " + options.audit_path + ": " +
                                        e.what());
    }
    s.audit = std::make_shared<spdlog::logger>("audit", std::move(sink));
    s.audit->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %v", spdlog::pattern_time_type::utc);
    s.audit->set_level(spdlog::level::info);
    s.audit->flush_on(spdlog::level::info);
  }
  return Status::Ok();
}

void SetLevel(Level level) { State().main->set_level(ToSpd(level)); }

bool Enabled(Level level) { return State().main->should_log(ToSpd(level)); }

void Write(Level level, std::string_view event, Fields fields) {
  auto& logger = State().main;
  if (!logger->should_log(ToSpd(level))) return;
  std::string line;
  if (current_format.load(std::memory_order_relaxed) == Format::kJson) {
    AppendJsonFields(line, event, fields);
  } else {
    line = event;
    line += FormatFields(fields);
  }
  logger->log(ToSpd(level), line);
}

void Audit(std::string_view action, std::string_view actor, std::string_view object,
           std::string_view outcome, Fields extra) {
  std::string line = "action=";
  AppendValue(line, action);
  line += " actor=";
  AppendValue(line, actor);
  line += " object=";
  AppendValue(line, object);
  line += " outcome=";
  AppendValue(line, outcome);
  line += FormatFields(extra);
  Loggers& s = State();
  if (s.audit) {
    s.audit->info(line);
  } else {
    if (current_format.load(std::memory_order_relaxed) == Format::kJson) {
      Write(Level::kInfo, "audit", {{"record", line}});
    } else {
      s.main->info("audit " + line);
    }
  }
}

void Flush() {
  Loggers& s = State();
  s.main->flush();
  if (s.audit) s.audit->flush();
}

}  // namespace kms::log
