#pragma once
// Starts the real `ehsm-kms` binary on port 0 with a fresh data directory, for tests that talk
// to a server. Tests skip when the binary has not been built.

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace ehsm_cli::testing {

class TestServer {
 public:
  // The binary the tests use: ${KMS_BINARY_DIR}/bin/ehsm-kms.
  static std::string BinaryPath();
  // Starts the server and waits (up to 60 s) for its "listening on port N" line. Null, with
  // `error` set, when it cannot be started. `extra_args` follow the port and data directory.
  static std::unique_ptr<TestServer> Start(std::string* error,
                                           const std::vector<std::string>& extra_args = {});
  ~TestServer();  // SIGTERM, then SIGKILL after 5 s; removes the data directory

  int port() const { return port_; }
  // How many requests for `action` the server has answered so far, from its /metrics counters
  // (which count a request before its reply is sent). -1 when /metrics cannot be read.
  int CountRequests(const std::string& action) const;
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  const std::string& data_dir() const { return data_dir_; }

 private:
  TestServer() = default;
  pid_t pid_ = -1;
  int port_ = 0;
  int stdout_fd_ = -1;
  std::string data_dir_;
  std::thread drain_;
};

int FindPort(const std::string& text);

// A fresh temporary directory, removed by the caller.
std::string MakeTempDir(const std::string& prefix);

}  // namespace ehsm_cli::testing
