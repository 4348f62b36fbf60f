#pragma once
// KmsProcess: runs the real ehsm-kms binary (or another daemon of ours taking the same
// --port/--data-dir/--log-level flags, such as ehsm-dkeyserver) for integration tests, on port 0
// with a temporary data directory, and stops it with SIGTERM.

#include <sys/types.h>

#include <string>
#include <vector>

namespace kms::testing {

class KmsProcess {
 public:
  // Path of the binary `name` under test.
  static std::string BinaryPath(const std::string& name = "ehsm-kms");

  // Starts `<binary> --port 0 --data-dir <data_dir> <extra_args...>` and waits (up to 30 s) for
  // its "listening on port N" line. On failure port() is 0 and output() says why.
  KmsProcess(const std::string& data_dir, std::vector<std::string> extra_args = {},
             const std::string& binary = BinaryPath());
  // A daemon with other flags: runs `binary args...` (nothing added) and waits (up to 30 s) for
  // a line matching `port_line`, whose first group becomes port() (e.g. "health on port
  // ([0-9]+)"). `log_stem` names the output file (<log_stem>.out.N).
  KmsProcess(const std::string& log_stem, const std::string& binary,
             std::vector<std::string> args, const std::string& port_line);
  ~KmsProcess();
  KmsProcess(const KmsProcess&) = delete;
  KmsProcess& operator=(const KmsProcess&) = delete;

  uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }
  // Sends SIGTERM and waits; returns the exit status (or -1).
  int Stop();
  // Sends `sig` (e.g. SIGHUP) and returns at once.
  void Signal(int sig);
  // Sends SIGKILL (a crash: nothing is saved) and waits; returns the exit status (or -1).
  int Kill();
  // Waits for the process to exit by itself (up to 30 s); returns its exit status or -1.
  int WaitExit();
  // Everything the process wrote to stdout and stderr so far.
  std::string output() const;

 private:
  void Launch(const std::string& log_stem, std::vector<std::string> args,
              const std::string& port_line);
  int SignalAndWait(int sig);
  pid_t pid_ = -1;
  int exit_code_ = -1;  // set when the process exited before listening
  uint16_t port_ = 0;
  std::string log_path_;
};

}  // namespace kms::testing
