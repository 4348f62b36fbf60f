#include "common/config_binder.h"

#include <cctype>
#include <cstdlib>
#include <sstream>

#include "common/file_util.h"
#include "common/toml.h"
#include "common/toml_text.h"

namespace kms::config {

std::string FindConfigPath(int argc, char** argv, const char* env_name) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--config" && i + 1 < argc) return argv[i + 1];
    if (a.starts_with("--config=")) return std::string(a.substr(9));
  }
  const char* env = std::getenv(env_name);
  return env ? env : "";
}

namespace {

StatusOr<std::map<std::string, std::string>> TopLevelValues(const toml::table& parsed,
                                                           const std::string& source) {
  std::map<std::string, std::string> out;
  for (auto&& [key, node] : parsed) {
    std::string value;
    // By type, not value<T>(): toml++ converts a float to int64_t for value<int64_t>(), which
    // is undefined behaviour for 2.2e19 (found by the policy fuzzer under UBSan).
    if (const auto* s = node.as_string()) {
      value = s->get();
    } else if (const auto* i = node.as_integer()) {
      value = std::to_string(i->get());
    } else if (const auto* b = node.as_boolean()) {
      value = b->get() ? "true" : "false";
    } else {
      return Status::InvalidArgument("config file " + source + ": key " + std::string(key.str()) +
                                     " must be a string, integer or boolean");
    }
    out.emplace(std::string(key.str()), std::move(value));
  }
  return out;
}

Status ParseError(const std::string& source, const toml::parse_error& e) {
  std::ostringstream msg;
  msg << "config file " << source << ": " << e.description() << " at line "
      << e.source().begin.line;
  return Status::InvalidArgument(msg.str());
}

}  // namespace

StatusOr<std::map<std::string, std::string>> ReadConfigFile(const std::string& path) {
  if (path.empty()) return std::map<std::string, std::string>{};
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) {
    return Status::InvalidArgument("config file " + path + ": " + bytes.status().message());
  }
  return ParseConfigText(AsChars(*bytes), path);
}

StatusOr<std::map<std::string, std::string>> ParseConfigText(std::string_view text,
                                                            const std::string& source) {
  KMS_RETURN_IF_ERROR(CheckTomlText(text, "config file " + source));
  try {
    // Debian builds toml++ with exceptions, so parse errors arrive as toml::parse_error.
    return TopLevelValues(toml::parse(text, source), source);
  } catch (const toml::parse_error& e) {
    return ParseError(source, e);
  }
}

Binder::Binder(CLI::App& app, const std::map<std::string, std::string>& file,
               std::string env_prefix)
    : app_(app), file_(file), env_prefix_(std::move(env_prefix)) {}

std::string Binder::FlagName(const std::string& key) {
  std::string flag = "--" + key;
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return flag;
}

std::string Binder::EnvName(const std::string& key) const {
  std::string env = env_prefix_;
  for (char c : key) env.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return env;
}

CLI::Option* Binder::Register(const std::string& key, CLI::Option* opt) {
  opt->envname(EnvName(key));
  options_[key] = opt;
  auto it = file_.find(key);
  if (it != file_.end()) {
    opt->default_val(it->second);
    // --help shows a file's value as the default; not a password's or a token's.
    if (key.ends_with("password") || key.ends_with("token")) {
      opt->default_str("(set in the config file)");
    }
    used_.insert(key);
  } else {
    opt->capture_default_str();
  }
  return opt;
}

bool Binder::Explicit(const std::string& key) const {
  auto it = options_.find(key);
  return it != options_.end() && it->second->count() > 0;
}

std::vector<std::string> Binder::Unknown() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : file_) {
    if (!used_.count(k)) out.push_back(k);
  }
  return out;
}

Status Binder::Parse(int argc, char** argv, const std::string& config_file) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app_.exit(e);
    return Status::Aborted("");
  } catch (const CLI::CallForVersion& e) {
    app_.exit(e);
    return Status::Aborted("");
  } catch (const CLI::ParseError& e) {
    return Status::InvalidArgument(e.what());
  }
  if (auto unknown = Unknown(); !unknown.empty()) {
    return Status::InvalidArgument("config file " + config_file + ": unknown key " +
                                   unknown.front());
  }
  return Status::Ok();
}

Status CheckLogLevel(const std::string& name) {
  if (name == "debug" || name == "info" || name == "warn" || name == "error") {
    return Status::Ok();
  }
  return Status::InvalidArgument("log_level must be debug, info, warn or error");
}

void AddLogFlags(Binder& b, std::string& level, std::string& format) {
  b.Add("log_level", level, "debug, info, warn or error");
  b.Add("log_format", format, "text (ts level event k=v) or json (one object per line)");
}

Status CheckLogFlags(const std::string& level, const std::string& format) {
  KMS_RETURN_IF_ERROR(CheckLogLevel(level));
  return log::ParseFormat(format).status();
}

void ApplyLogFlags(const std::string& level, const std::string& format) {
  // No audit path: Init cannot fail, and the level is set either way.
  (void)log::Init(
      {.level = LogLevelFromName(level), .format = *log::ParseFormat(format), .audit_path = ""});
}

log::Level LogLevelFromName(const std::string& name) {
  if (name == "debug") return log::Level::kDebug;
  if (name == "warn") return log::Level::kWarn;
  if (name == "error") return log::Level::kError;
  return log::Level::kInfo;
}

}  // namespace kms::config
