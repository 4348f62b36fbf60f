// HTTPS path of the CouchDB client against `openssl s_server -WWW` with a self-signed
// certificate: verification is on by default, a CA file makes it pass, `insecure` skips it.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/couch_http.h"
#include "store/couch_test_env.h"

namespace kms::store {
namespace {

bool CanConnect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

class CouchTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl";
    dir_ = std::filesystem::temp_directory_path() / testing::UniqueDbName("tls");
    std::filesystem::create_directories(dir_);
    std::string gen = "cd '" + dir_.string() +
                      "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                      " -keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1"
                      " -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1";
    ASSERT_EQ(std::system(gen.c_str()), 0);
    std::ofstream(dir_ / "doc") << R"({"ok":true})";
    port_ = testing::PickFreePort();
    ASSERT_GT(port_, 0);
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      if (chdir(dir_.c_str()) != 0) _exit(127);
      std::string accept = "127.0.0.1:" + std::to_string(port_);
      execlp("openssl", "openssl", "s_server", "-WWW", "-quiet", "-accept", accept.c_str(), "-cert",
             "cert.pem", "-key", "key.pem", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int i = 0; i < 100 && !CanConnect(port_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(CanConnect(port_));
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  CouchOptions Options() const {
    CouchOptions o;
    o.url = "https://127.0.0.1:" + std::to_string(port_);
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.request_timeout = std::chrono::milliseconds(5000);
    return o;
  }

  std::filesystem::path dir_;
  int port_ = -1;
  pid_t pid_ = -1;
};

TEST_F(CouchTlsTest, UntrustedCertificateIsUnavailable) {
  auto http = CouchHttp::New(Options());
  ASSERT_TRUE(http.ok());
  auto r = (*http)->Request("GET", "/doc");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("certificate"), std::string::npos) << r.status().ToString();
}

TEST_F(CouchTlsTest, CaFileMakesItTrusted) {
  CouchOptions o = Options();
  o.ca_file = (dir_ / "cert.pem").string();
  auto http = CouchHttp::New(o);
  ASSERT_TRUE(http.ok());
  auto r = (*http)->Request("GET", "/doc");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"ok":true})");
}

TEST_F(CouchTlsTest, InsecureSkipsVerification) {
  CouchOptions o = Options();
  o.insecure = true;
  auto http = CouchHttp::New(o);
  ASSERT_TRUE(http.ok());
  auto r = (*http)->Request("GET", "/doc");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, R"({"ok":true})");
}

}  // namespace
}  // namespace kms::store
