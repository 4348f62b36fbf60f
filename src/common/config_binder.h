#pragma once
// Layered configuration of the binaries: command-line flags over environment variables over a
// TOML config file over built-in defaults. Every setting has one name used in all three
// places: config key `data_dir`, flag `--data-dir`, environment `<prefix>DATA_DIR`.

#include <CLI/CLI.hpp>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "common/status.h"

namespace kms::config {

// The value of `--config FILE` / `--config=FILE` in argv, else of the environment variable
// `env_name`, else "".
std::string FindConfigPath(int argc, char** argv, const char* env_name);

// The top level of the TOML file `path` as key -> value text (as CLI11 would read it from the
// command line). An empty path gives an empty map. kInvalidArgument naming the file and line for
// a syntax error, and the key for a value that is not a string, integer or boolean.
StatusOr<std::map<std::string, std::string>> ReadConfigFile(const std::string& path);
// The same for TOML `text` read from `source` (named in errors).
StatusOr<std::map<std::string, std::string>> ParseConfigText(std::string_view text,
                                                            const std::string& source);

// Registers settings on a CLI11 app with their environment variable and config-file value.
class Binder {
 public:
  // `app` and `file` must outlive the Binder. `env_prefix` is e.g. "EHSM_".
  Binder(CLI::App& app, const std::map<std::string, std::string>& file, std::string env_prefix);

  // Registers --<key with - for _> bound to `field`, its environment variable and its
  // config-file key (which becomes the default, shown by --help except for keys ending in
  // "password" or "token").
  template <typename T>
  CLI::Option* Add(const std::string& key, T& field, const std::string& help) {
    return Register(key, app_.add_option(FlagName(key), field, help));
  }
  // As Add, for a switch without a value (`--init`); env and file take true/false (or 1/0).
  CLI::Option* AddFlag(const std::string& key, bool& field, const std::string& help) {
    return Register(key, app_.add_flag(FlagName(key), field, help));
  }

  // The environment variable of `key`.
  std::string EnvName(const std::string& key) const;
  // Whether the setting came from a flag or its environment variable (not the file or default).
  bool Explicit(const std::string& key) const;
  // Config keys that no setting consumed: to report, since a typo would otherwise go unnoticed.
  std::vector<std::string> Unknown() const;

  // Parses argv into the registered settings. --help and --version print and give kAborted
  // with an empty message (the caller exits 0); a bad flag or environment value, or a key of
  // `config_file` that no setting consumed, gives kInvalidArgument saying which.
  Status Parse(int argc, char** argv, const std::string& config_file);

 private:
  static std::string FlagName(const std::string& key);
  CLI::Option* Register(const std::string& key, CLI::Option* opt);

  CLI::App& app_;
  const std::map<std::string, std::string>& file_;
  const std::string env_prefix_;
  std::set<std::string> used_;
  std::map<std::string, CLI::Option*> options_;
};

// kInvalidArgument unless `name` is debug, info, warn or error.
Status CheckLogLevel(const std::string& name);
// Registers log_level and log_format, the same two settings on every daemon.
void AddLogFlags(Binder& b, std::string& level, std::string& format);
// CheckLogLevel, and kInvalidArgument unless `format` is text or json.
Status CheckLogFlags(const std::string& level, const std::string& format);
// Sets the main log's (stderr's) level and format. REQUIRES: CheckLogFlags is OK.
void ApplyLogFlags(const std::string& level, const std::string& format);
// The level `name` names (REQUIRES: CheckLogLevel(name) is OK; anything else gives info).
log::Level LogLevelFromName(const std::string& name);

}  // namespace kms::config
