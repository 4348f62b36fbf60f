#include "common/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

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

struct Loggers {
  std::shared_ptr<spdlog::logger> main;
  std::shared_ptr<spdlog::logger> audit;  // may be null
};

Loggers& State() {
  static Loggers* loggers = [] {
    auto* l = new Loggers;  // leaked on purpose: usable from static destructors
    l->main = std::make_shared<spdlog::logger>(
        "kms", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    l->main->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc);
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

}  // namespace

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
  std::string line(event);
  line += FormatFields(fields);
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
    s.main->info("audit " + line);
  }
}

void Flush() {
  Loggers& s = State();
  s.main->flush();
  if (s.audit) s.audit->flush();
}

}  // namespace kms::log
