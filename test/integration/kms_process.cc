#include "kms_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace kms::testing {
namespace {

int WaitFor(pid_t pid, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace

std::string KmsProcess::BinaryPath(const std::string& name) {
  return std::string(KMS_BINARY_DIR) + "/bin/" + name;
}

KmsProcess::KmsProcess(const std::string& data_dir, std::vector<std::string> extra_args,
                       const std::string& binary) {
  std::vector<std::string> args = {binary, "--port", "0", "--data-dir", data_dir};
  if (std::find(extra_args.begin(), extra_args.end(), "--log-level") == extra_args.end()) {
    args.insert(args.end(), {"--log-level", "warn"});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  Launch(data_dir, std::move(args), "listening on port ([0-9]+)");
}

KmsProcess::KmsProcess(const std::string& log_stem, const std::string& binary,
                       std::vector<std::string> args, const std::string& port_line) {
  args.insert(args.begin(), binary);
  Launch(log_stem, std::move(args), port_line);
}

void KmsProcess::Launch(const std::string& log_stem, std::vector<std::string> args,
                        const std::string& port_line) {
  static int instance = 0;
  log_path_ = log_stem + ".out." + std::to_string(++instance);
  std::filesystem::create_directories(std::filesystem::path(log_stem).parent_path());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  std::regex re(port_line);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    std::string out = output();
    if (std::regex_search(out, m, re)) {
      port_ = static_cast<uint16_t>(std::stoi(m[1]));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;  // exited before listening
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

KmsProcess::~KmsProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    WaitFor(pid_, 5000);
  }
  unlink(log_path_.c_str());
}

int KmsProcess::Stop() { return SignalAndWait(SIGTERM); }

void KmsProcess::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

int KmsProcess::Kill() { return SignalAndWait(SIGKILL); }

int KmsProcess::SignalAndWait(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  int rc = WaitFor(pid_, 30000);
  if (rc >= 0) pid_ = -1;
  return rc;
}

int KmsProcess::WaitExit() {
  if (pid_ <= 0) return exit_code_;
  int rc = WaitFor(pid_, 30000);
  if (rc >= 0) pid_ = -1;
  return rc;
}

std::string KmsProcess::output() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace kms::testing
