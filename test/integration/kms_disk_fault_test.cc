// A full disk and a read-only data directory under the real binary (SQLite store): a full disk
// fails writes, and key uses it cannot record in the audit log, with a clear error and nothing
// else (nothing acknowledged is lost, the database stays intact), and the KMS recovers by
// itself when space returns; a read-only data directory stops it at start, saying why.
// The data directory is a small tmpfs of the test's own, so these tests need root (CI runs as
// root); elsewhere they are skipped, saying so.

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "crypto/base64.h"
#include "kms_test_fixture.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;

std::string B64(const std::string& s) { return crypto::Base64Encode(AsBytes(s)); }

class KmsDiskFault : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs as the data directory";
    dir_ = fs::temp_directory_path() / ("kms_disk_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    ASSERT_EQ(mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=8m,mode=0700"), 0)
        << std::strerror(errno);
    mounted_ = true;
    Start();
    creds_ = client_->Enroll();
    client_->credentials() = creds_;
  }
  void TearDown() override {
    client_.reset();
    kms_.reset();
    if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }

  void Start() {
    kms_ = std::make_unique<KmsProcess>(dir_.string());
    ASSERT_NE(kms_->port(), 0) << kms_->output();
    client_ = std::make_unique<EhsmClient>(kms_->port());
    client_->credentials() = creds_;
  }

  boost::json::value CreateKey() {
    return client_->Call("CreateKey", {{"keyspec", "EH_AES_GCM_128"}, {"origin", "EH_INTERNAL_KEY"}});
  }

  // Fills the file system: a file grown until the write fails.
  void Fill() {
    std::ofstream f(dir_ / "filler", std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (f.write(block.data(), static_cast<std::streamsize>(block.size()))) f.flush();
  }

  // Every key in `keys` is listed and encrypts; the database passes SQLite's integrity check.
  void ExpectIntact(const std::vector<std::string>& keys) {
    for (const std::string& k : keys) {
      auto e = client_->Call("Encrypt", {{"keyid", k}, {"plaintext", B64("p")}});
      EXPECT_EQ(CodeOf(e), 200) << k << ": " << MessageOf(e);
    }
    // The sqlite3 shell, not our own code, judges the file.
    std::string cmd = "sqlite3 -readonly '" + (dir_ / "kms.db").string() +
                      "' 'PRAGMA integrity_check' 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[256];
    while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
    EXPECT_EQ(pclose(p), 0) << out;
    EXPECT_EQ(out, "ok\n");
  }

  fs::path dir_;
  bool mounted_ = false;
  Credentials creds_;  // the tenant enrolled in SetUp, across restarts
  std::unique_ptr<KmsProcess> kms_;
  std::unique_ptr<EhsmClient> client_;
};

TEST_F(KmsDiskFault, FullDiskRefusesWritesClearlyAndRecoversWhenSpaceReturns) {
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    auto r = CreateKey();
    ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
    keys.push_back(ResultString(r, "keyid"));
  }
  Fill();
  int refused = 0;
  for (int i = 0; i < 50; ++i) {
    auto r = CreateKey();
    ASSERT_FALSE(r.is_null()) << "the KMS died on a full disk:\n" << kms_->output();
    if (CodeOf(r) == 200) {
      keys.push_back(ResultString(r, "keyid"));
      continue;
    }
    ++refused;
    EXPECT_EQ(CodeOf(r), 500);
    EXPECT_FALSE(MessageOf(r).empty());
  }
  EXPECT_GT(refused, 0) << "a full disk took every write";
  // A key use that cannot be recorded is refused too (--audit-required, the default), rather
  // than served unrecorded.
  auto e = client_->Call("Encrypt", {{"keyid", keys.front()}, {"plaintext", B64("p")}});
  EXPECT_EQ(CodeOf(e), 500);
  EXPECT_EQ(MessageOf(e), "audit log unavailable");

  fs::remove(dir_ / "filler");
  auto again = CreateKey();
  ASSERT_EQ(CodeOf(again), 200) << MessageOf(again);
  keys.push_back(ResultString(again, "keyid"));
  ExpectIntact(keys);
  // And across a restart.
  ASSERT_EQ(kms_->Stop(), 0) << kms_->output();
  Start();
  ExpectIntact(keys);
}

// A file system cannot be remounted read-only under files open for writing, so the KMS meets
// the read-only data directory at start: it must refuse to run, saying why, rather than serve
// without its audit log or database, and start normally once the directory is writable again.
TEST_F(KmsDiskFault, ReadOnlyDataDirIsRefusedAtStartAndNothingIsLost) {
  auto first = CreateKey();
  ASSERT_EQ(CodeOf(first), 200) << MessageOf(first);
  std::vector<std::string> keys{ResultString(first, "keyid")};
  client_.reset();
  ASSERT_EQ(kms_->Stop(), 0) << kms_->output();
  kms_.reset();
  ASSERT_EQ(mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, "size=8m"), 0)
      << std::strerror(errno);
  {
    KmsProcess refused(dir_.string());
    EXPECT_EQ(refused.port(), 0) << "ehsm-kms served from a read-only data directory";
    EXPECT_NE(refused.WaitExit(), 0);
    EXPECT_NE(refused.output().find("Read-only file system"), std::string::npos)
        << refused.output();
  }
  ASSERT_EQ(mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT, "size=8m"), 0)
      << std::strerror(errno);
  Start();
  ExpectIntact(keys);
  auto again = CreateKey();
  EXPECT_EQ(CodeOf(again), 200) << MessageOf(again);
}

}  // namespace
}  // namespace kms::testing
