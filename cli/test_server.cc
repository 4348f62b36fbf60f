#include "test_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

#include "kms/transport.h"

extern char** environ;

namespace ehsm_cli::testing {

// The port of the first "port N" or "port=N" in `text` (what the regex `port[= ]([0-9]+)`
// matches), or 0. Hand-written: g++ 12 warns inside <regex> under the sanitizers.
int FindPort(const std::string& text) {
  for (size_t at = text.find("port"); at != std::string::npos; at = text.find("port", at + 1)) {
    size_t i = at + 4;
    if (i >= text.size() || (text[i] != ' ' && text[i] != '=')) continue;
    size_t digits = ++i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    // Wait for the line end so a port split across reads is not taken half-read.
    if (i > digits && i < text.size() && i - digits < 6) return std::stoi(text.substr(digits));
  }
  return 0;
}

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

std::string TestServer::BinaryPath() { return std::string(KMS_BINARY_DIR) + "/bin/ehsm-kms"; }

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl =
      (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return "";
  return buf.data();
}

std::unique_ptr<TestServer> TestServer::Start(std::string* error,
                                              const std::vector<std::string>& extra_args) {
  std::string bin = BinaryPath();
  if (::access(bin.c_str(), X_OK) != 0) {
    *error = bin + " not built";
    return nullptr;
  }
  auto s = std::unique_ptr<TestServer>(new TestServer());
  s->data_dir_ = MakeTempDir("ehsm-cli-server");
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    *error = "pipe failed";
    return nullptr;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  std::string log = s->data_dir_ + "/server.log";
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  std::vector<std::string> args = {bin, "--port", "0", "--data-dir", s->data_dir_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int rc = posix_spawn(&s->pid_, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    s->pid_ = -1;
    *error = "posix_spawn failed";
    return nullptr;
  }
  s->stdout_fd_ = fds[0];

  // Read stdout until the port line shows up.
  std::string seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (s->port_ == 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      *error = "server did not print its port within 60 s; output: " + seen + Slurp(log);
      return nullptr;
    }
    pollfd p{s->stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(s->stdout_fd_, buf, sizeof(buf));
    if (n <= 0) {
      *error = "server exited before printing its port; output: " + seen + Slurp(log);
      return nullptr;
    }
    seen.append(buf, static_cast<size_t>(n));
    s->port_ = FindPort(seen);
  }
  // Keep draining stdout so the server never blocks on a full pipe.
  int fd = s->stdout_fd_;
  s->drain_ = std::thread([fd] {
    char buf[4096];
    while (::read(fd, buf, sizeof(buf)) > 0) {
    }
  });
  return s;
}

int TestServer::CountRequests(const std::string& action) const {
  // The counters are updated before the reply is sent; the access log is written by a
  // background thread and may still lag the reply the caller has just received.
  kms::client::TlsOptions tls;
  tls.insecure = true;  // the server's self-signed certificate
  auto transport = kms::client::NewCurlTransport(tls, {});
  if (!transport.ok()) return -1;
  kms::client::HttpRequest get;
  get.post = false;
  get.url = url() + "/metrics";
  auto reply = (*transport)->Send(get);
  if (!reply.ok() || reply->status != 200) return -1;
  const std::string prefix = "ehsm_requests_total{action=\"" + action + "\",";
  int n = 0;
  std::istringstream in(reply->body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    size_t space = line.rfind(' ');
    if (space != std::string::npos) n += std::stoi(line.substr(space + 1));
  }
  return n;
}

TestServer::~TestServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    bool exited = false;
    for (int i = 0; i < 50 && !exited; ++i) {
      exited = ::waitpid(pid_, &status, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  if (drain_.joinable()) drain_.join();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (!data_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

}  // namespace ehsm_cli::testing
