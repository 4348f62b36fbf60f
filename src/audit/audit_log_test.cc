#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "audit/audit_record.h"
#include "audit/audit_verify.h"
#include "crypto/test_util.h"

namespace kms::audit {
namespace {

using crypto::testing::TempDir;

constexpr std::string_view kDkId = "0011223344556677";

SecretBytes TestKey() { return SecretBytes(AsBytes(std::string(32, 'k'))); }
CheckpointKey VerifyKey() { return {TestKey(), std::string(kDkId)}; }

Event KeyUse(std::string_view action, std::string_view keyid = "key-1",
             std::string_view rid = "rid") {
  Event e;
  e.action = action;
  e.appid = "app-1";
  e.keyid = keyid;
  e.result = 200;
  e.rid = rid;
  return e;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

void WriteLines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& l : lines) out << l << "\n";
}

class AuditLogTest : public ::testing::Test {
 protected:
  std::unique_ptr<AuditLog> OpenLog(int64_t max_bytes = 64 << 20, int64_t every = 4) {
    auto log = AuditLog::Open({.path = path_,
                               .max_file_bytes = max_bytes,
                               .checkpoint_every = every,
                               .checkpoint_interval_ms = 3600000},
                              SystemClock::Instance());
    EXPECT_TRUE(log.ok()) << log.status().message();
    if (!log.ok()) return nullptr;
    (*log)->SetCheckpointKey(TestKey(), std::string(kDkId));
    return std::move(log).value();
  }
  // Writes `n` key uses and closes the log (with its final checkpoint).
  void WriteEvents(int n, int64_t max_bytes = 64 << 20) {
    auto log = OpenLog(max_bytes);
    ASSERT_NE(log, nullptr);
    for (int i = 0; i < n; ++i) {
      const std::string rid = "rid-" + std::to_string(i);
      ASSERT_TRUE(log->Append(KeyUse(i % 2 ? "Decrypt" : "Encrypt", "key-1", rid)).ok());
    }
    log->Close();
  }
  VerifyReport Verify(bool with_key = true) {
    return VerifyAuditFiles({path_}, with_key ? std::optional(VerifyKey()) : std::nullopt);
  }

  TempDir dir_;
  const std::string path_ = dir_.path("audit.log");
};

TEST_F(AuditLogTest, ChainAndCheckpointsVerify) {
  WriteEvents(10);
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << FormatReport(r, true);
  // 10 events, a checkpoint after every 4 and a final one: 13 records.
  EXPECT_EQ(r.records, 13);
  EXPECT_EQ(r.checkpoints_checked, 3);
  EXPECT_EQ(r.records_after_last_checkpoint, 0);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.last_seq, 13u);
}

TEST_F(AuditLogTest, RecordsNameActionKeyAndRequest) {
  WriteEvents(1);
  const auto lines = ReadLines(path_);
  ASSERT_GE(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"seq\":1,\"prev\":\"" + std::string(kGenesisPrev) + "\""),
            std::string::npos);
  for (std::string_view field : {"\"action\":\"Encrypt\"", "\"appid\":\"app-1\"",
                                 "\"keyid\":\"key-1\"", "\"result\":200", "\"rid\":\"rid-0\""}) {
    EXPECT_NE(lines[0].find(field), std::string::npos) << field << " in " << lines[0];
  }
}

TEST_F(AuditLogTest, WithoutKeyChecksChainOnlyAndSaysSo) {
  WriteEvents(10);
  VerifyReport r = Verify(/*with_key=*/false);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.checkpoints_checked, 0);
  EXPECT_EQ(r.checkpoints_unchecked, 3);
  EXPECT_NE(FormatReport(r, false).find("checkpoints_not_checked=3"), std::string::npos);
}

TEST_F(AuditLogTest, EditedRecordIsDetected) {
  WriteEvents(10);
  auto lines = ReadLines(path_);
  const size_t at = lines[2].find("Encrypt");
  ASSERT_NE(at, std::string::npos);
  lines[2].replace(at, 7, "Decrypt");
  WriteLines(path_, lines);
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.line, 4);  // the record after the edited one no longer links to it
  EXPECT_EQ(r.seq, 4u);
  EXPECT_NE(r.why.find("prev"), std::string::npos) << r.why;
}

TEST_F(AuditLogTest, RemovedRecordIsDetected) {
  WriteEvents(10);
  auto lines = ReadLines(path_);
  lines.erase(lines.begin() + 2);
  WriteLines(path_, lines);
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.line, 3);
  EXPECT_NE(r.why.find("sequence 4 where 3 was expected"), std::string::npos) << r.why;
}

TEST_F(AuditLogTest, ReorderedRecordsAreDetected) {
  WriteEvents(10);
  auto lines = ReadLines(path_);
  std::swap(lines[1], lines[2]);
  WriteLines(path_, lines);
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.line, 2);
  EXPECT_EQ(r.seq, 3u);
}

TEST_F(AuditLogTest, TruncatedFileIsDetected) {
  WriteEvents(10);
  const auto size = std::filesystem::file_size(path_);
  std::filesystem::resize_file(path_, size - 20);
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.line, 13);
  EXPECT_NE(r.why.find("incomplete"), std::string::npos) << r.why;
}

// Whoever can edit the file can recompute every hash after a change; only the checkpoint
// key, derived from the domain key, tells.
TEST_F(AuditLogTest, RewrittenChainFailsTheCheckpointMac) {
  WriteEvents(3);
  auto lines = ReadLines(path_);
  ASSERT_EQ(lines.size(), 4u);
  std::string prev(kGenesisPrev);
  for (auto& line : lines) {
    const size_t at = line.find("\"prev\":\"") + 8;
    line.replace(at, 64, prev);
    const size_t enc = line.find("Encrypt");
    if (enc != std::string::npos) line.replace(enc, 7, "Decrypt");
    prev = LineHash(line);
  }
  WriteLines(path_, lines);
  EXPECT_TRUE(Verify(/*with_key=*/false).ok);
  VerifyReport r = Verify();
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.line, 4);
  EXPECT_NE(r.why.find("MAC"), std::string::npos) << r.why;
  // And a checkpoint key of another domain key is named as such.
  CheckpointKey other{TestKey(), "ffffffffffffffff"};
  VerifyReport o = VerifyAuditFiles({path_}, std::optional(std::move(other)));
  ASSERT_FALSE(o.ok);
  EXPECT_NE(o.why.find("signed under domain key 0011223344556677"), std::string::npos) << o.why;
}

std::vector<std::string> RotatedFiles(const std::string& path) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    if (e.path().string().rfind(path + ".", 0) == 0) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST_F(AuditLogTest, ChainContinuesAcrossRotation) {
  WriteEvents(200, /*max_bytes=*/4096);
  std::vector<std::string> files = RotatedFiles(path_);
  ASSERT_GE(files.size(), 3u);
  files.push_back(path_);
  VerifyReport r = VerifyAuditFiles(files, VerifyKey());
  EXPECT_TRUE(r.ok) << FormatReport(r, true);
  EXPECT_EQ(r.files, static_cast<int64_t>(files.size()));
  EXPECT_EQ(r.first_seq, 1u);
  // Each rotated file ends with a checkpoint.
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    EXPECT_NE(ReadLines(files[i]).back().find("\"type\":\"checkpoint\""), std::string::npos);
  }
  // A file left out breaks the chain where the next one starts.
  std::vector<std::string> gap = files;
  gap.erase(gap.begin() + 1);
  VerifyReport g = VerifyAuditFiles(gap, VerifyKey());
  ASSERT_FALSE(g.ok);
  EXPECT_EQ(g.file, gap[1]);
  EXPECT_EQ(g.line, 1);
}

// The request ids of the "request" records in `files`, with how often each appears.
std::map<std::string, int> RequestIds(const std::vector<std::string>& files) {
  std::map<std::string, int> ids;
  for (const std::string& f : files) {
    for (const std::string& line : ReadLines(f)) {
      const size_t at = line.find("\"rid\":\"");
      if (at == std::string::npos) continue;
      const size_t from = at + 7;
      ids[line.substr(from, line.find('"', from) - from)] += 1;
    }
  }
  return ids;
}

TEST_F(AuditLogTest, ConcurrentAppendsAreEachRecordedOnceInOneChain) {
  // Small files and a 10 ms checkpoint timer: appends race rotations and timer checkpoints.
  auto opened = AuditLog::Open({.path = path_,
                                .max_file_bytes = 16 << 10,
                                .checkpoint_every = 7,
                                .checkpoint_interval_ms = 10},
                               SystemClock::Instance());
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  std::unique_ptr<AuditLog> log = std::move(opened).value();
  log->SetCheckpointKey(TestKey(), std::string(kDkId));
  constexpr int kThreads = 8;
  constexpr int kEach = 400;
  std::vector<int> ok(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string rid = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (log->Append(KeyUse("Encrypt", "key-1", rid)).ok()) ok[t] += 1;
      }
    });
  }
  for (auto& th : threads) th.join();
  log->Close();

  std::vector<std::string> files = RotatedFiles(path_);
  ASSERT_GE(files.size(), 2u);
  files.push_back(path_);
  VerifyReport r = VerifyAuditFiles(files, VerifyKey());
  ASSERT_TRUE(r.ok) << FormatReport(r, true);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.last_seq, static_cast<uint64_t>(r.records));
  EXPECT_EQ(r.records_after_last_checkpoint, 0);
  EXPECT_GE(r.checkpoints_checked, kThreads * kEach / 7);
  EXPECT_EQ(r.records, kThreads * kEach + r.checkpoints_checked);
  const std::map<std::string, int> ids = RequestIds(files);
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kEach));
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(ok[t], kEach) << "thread " << t;
    for (int i = 0; i < kEach; ++i) {
      const auto it = ids.find("t" + std::to_string(t) + "-" + std::to_string(i));
      ASSERT_NE(it, ids.end()) << t << "-" << i;
      EXPECT_EQ(it->second, 1) << t << "-" << i;
    }
  }
}

TEST_F(AuditLogTest, ReopeningContinuesTheChain) {
  WriteEvents(3);
  WriteEvents(3);
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << FormatReport(r, true);
  EXPECT_EQ(r.records, 8);  // twice 3 events and a final checkpoint
  EXPECT_EQ(r.last_seq, 8u);
  EXPECT_EQ(r.checkpoints_checked, 2);
}

TEST_F(AuditLogTest, IncompleteTailIsMovedAsideAndTheChainGoesOn) {
  WriteEvents(3);
  {
    std::ofstream out(path_, std::ios::app);
    out << "{\"seq\":5,\"prev\":\"ab";
  }
  WriteEvents(2);
  std::vector<std::string> files = RotatedFiles(path_);
  ASSERT_EQ(files.size(), 1u);
  VerifyReport aside = VerifyAuditFiles({files[0]}, VerifyKey());
  EXPECT_FALSE(aside.ok);
  EXPECT_NE(aside.why.find("incomplete"), std::string::npos);
  // The new file links to the last whole record of the damaged one.
  const auto first = ReadLines(path_).front();
  EXPECT_NE(first.find("\"seq\":5,"), std::string::npos) << first;
}

TEST_F(AuditLogTest, AppendFailsOnceTheFileIsReplacedByADirectory) {
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(KeyUse("Encrypt")).ok());
  std::filesystem::rename(path_, path_ + ".moved");
  std::filesystem::create_directory(path_);
  // The path is re-checked within a fraction of a second; no request is timed, only waited for.
  Status s = Status::Ok();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (s.ok() && std::chrono::steady_clock::now() < deadline) {
    s = log->Append(KeyUse("Encrypt"));
  }
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find(path_), std::string::npos) << s.message();
  // Once the directory is gone again, records resume, continuing the chain.
  std::filesystem::remove(path_);
  EXPECT_TRUE(log->Append(KeyUse("Encrypt")).ok());
  log->Close();
}

TEST_F(AuditLogTest, LongValuesAreCut) {
  const std::string huge(10000, 'x');
  auto log = OpenLog();
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->Append(KeyUse("Encrypt", huge)).ok());
  log->Close();
  EXPECT_LT(ReadLines(path_).front().size(), 1000u);
}

}  // namespace
}  // namespace kms::audit
