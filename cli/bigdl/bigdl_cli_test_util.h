#pragma once
// Running `ehsm` (in-process or as the built binary) and other programs from the `ehsm bigdl`
// tests.

#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include "app.h"
#include "bigdl_test_util.h"

extern char** environ;

namespace ehsm_cli::bigdl::testing {

struct Outcome {
  int rc = -1;
  std::string out, err;
  long max_rss_kib = 0;  // child processes only
};

// The CLI in-process, with `stdin_data` as standard input.
inline Outcome Ehsm(const std::vector<std::string>& args, const std::string& stdin_data = "",
                    bool stderr_is_tty = false) {
  std::vector<std::string> full = {"ehsm"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (auto& a : full) argv.push_back(a.c_str());
  std::istringstream in(stdin_data);
  std::ostringstream out, err;
  Outcome o;
  o.rc = RunCli(static_cast<int>(argv.size()), argv.data(), in, out, err, stderr_is_tty);
  o.out = out.str();
  o.err = err.str();
  return o;
}

// Runs `argv` as a child process; stdout and stderr go to files under `dir`.
inline Outcome Spawn(const std::vector<std::string>& argv, const std::string& dir,
                     const std::vector<std::string>& env = {}) {
  std::string out_file = dir + "/.spawn.out", err_file = dir + "/.spawn.err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> args = argv;
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::vector<std::string> env_s = env;
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
  envp.push_back(nullptr);
  pid_t pid;
  Outcome o;
  int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, cargv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    o.err = "cannot start " + args[0];
    return o;
  }
  int status = 0;
  struct rusage usage {};
  ::wait4(pid, &status, 0, &usage);
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  o.max_rss_kib = usage.ru_maxrss;
  o.out = kms::bigdl::testing::ReadFile(out_file);
  o.err = kms::bigdl::testing::ReadFile(err_file);
  ::unlink(out_file.c_str());
  ::unlink(err_file.c_str());
  return o;
}

inline std::string EhsmBinary() { return std::string(KMS_BINARY_DIR) + "/bin/ehsm"; }

// The independent Python implementation of the formats (Debian python3-cryptography).
inline Outcome Reference(std::vector<std::string> args, const std::string& dir) {
  args.insert(args.begin(), {"/usr/bin/python3", BIGDL_REFERENCE_PY});
  return Spawn(args, dir);
}

}  // namespace ehsm_cli::bigdl::testing
