#include "store/couch_test_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

namespace kms::store::testing {

std::optional<std::string> TestCouchUrl() {
  const char* url = std::getenv("EHSM_TEST_COUCHDB_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

bool CouchRequired() {
  const char* v = std::getenv("EHSM_REQUIRE_COUCHDB");
  return v != nullptr && std::string(v) == "1";
}

std::string UniqueDbName(const std::string& tag) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return "kms_test_" + tag + "_" + std::to_string(getpid()) + "_" + std::to_string(salt) + "_" +
         std::to_string(counter++);
}

CouchOptions TestOptions(const std::string& url, const std::string& tag) {
  CouchOptions options;
  options.url = url;
  options.database = UniqueDbName(tag);
  return options;
}

std::unique_ptr<CouchStore> NewTestCouchStore(const std::string& tag) {
  auto url = TestCouchUrl();
  if (!url) return nullptr;
  auto store = CouchStore::Open(TestOptions(*url, tag));
  if (!store.ok()) return nullptr;
  return std::move(store).value();
}

int PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

namespace {
int RunScript(const std::string& args) {
  std::string cmd =
      "bash '" KMS_SOURCE_DIR "/scripts/couchdb-test-server.sh' " + args + " >/dev/null";
  return std::system(cmd.c_str());
}
}  // namespace

// The administrator's password is chosen here, so url() is known before the server starts
// (couchdb-test-server.sh uses a password it finds in the directory).
PrivateCouchServer::PrivateCouchServer(std::string dir, int port)
    : dir_(std::move(dir)), port_(port) {
  std::filesystem::create_directories(dir_);
  const std::string path = dir_ + "/admin.password";
  if (!std::filesystem::exists(path)) {
    std::random_device rd;
    std::string password;
    for (int i = 0; i < 24; ++i) password += "0123456789abcdefghijklmnopqrstuv"[rd() % 32];
    std::ofstream(path) << password << "\n";
    std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                           std::filesystem::perms::owner_write);
  }
}

PrivateCouchServer::~PrivateCouchServer() { Stop(); }

bool PrivateCouchServer::Start() {
  return RunScript("start --dir '" + dir_ + "' --port " + std::to_string(port_)) == 0;
}

bool PrivateCouchServer::Stop() { return RunScript("stop --dir '" + dir_ + "'") == 0; }

int PrivateCouchServer::Pid() const {
  std::ifstream in(dir_ + "/pouchdb-server.pid");
  int pid = -1;
  in >> pid;
  return pid;
}

bool PrivateCouchServer::Kill() {
  int pid = Pid();
  if (pid <= 0 || kill(pid, SIGKILL) != 0) return false;
  for (int i = 0; i < 100 && kill(pid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return kill(pid, 0) != 0;
}

bool PrivateCouchServer::Pause() {
  int pid = Pid();
  return pid > 0 && kill(pid, SIGSTOP) == 0;
}

bool PrivateCouchServer::Resume() {
  int pid = Pid();
  return pid > 0 && kill(pid, SIGCONT) == 0;
}

// With the administrator's credentials, which the script keeps in the server's directory.
std::string PrivateCouchServer::url() const {
  std::ifstream in(dir_ + "/admin.password");
  std::string password;
  in >> password;
  std::string auth = password.empty() ? "" : "admin:" + password + "@";
  return "http://" + auth + "127.0.0.1:" + std::to_string(port_);
}

}  // namespace kms::store::testing
