// Write throughput of SqliteStore::CreateKey with and without group commit, for 1 and 8
// concurrent writers. Prints a table; asserts nothing (wall time on a shared box is noise).
//
//   sqlite_store_bench [dir] [writes_per_config]

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.h"

namespace {

using kms::store::KeyRecord;
using kms::store::SqliteStore;

KeyRecord Key(const std::string& keyid) {
  KeyRecord k;
  k.keyid = keyid;
  k.creator = "bench";
  k.keyspec = "EH_AES_GCM_256";
  k.origin = "EH_INTERNAL_KEY";
  k.keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT";
  k.key_blob.assign(120, 0xab);  // about the size of a wrapped AES-256 key blob
  k.creation_date_ms = 1;
  return k;
}

// `readers` threads call GetKey in a loop while the writers run, to show that reads do not
// queue behind commits.
int Run(const std::string& dir, int threads, int max_batch, int writes, int readers = 0) {
  std::string path = dir + "/bench-" + std::to_string(threads) + "-" +
                     std::to_string(max_batch) + "-" + std::to_string(readers) + ".db";
  auto store = SqliteStore::Open(path, {.reader_connections = 1, .max_batch = max_batch});
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  if (!(*store)->CreateKey(Key("probe")).ok()) return 1;
  int per_thread = writes / threads;
  std::vector<std::thread> workers;
  std::atomic<bool> writing{true};
  std::atomic<int64_t> reads{0};
  std::vector<std::thread> reader_threads;
  for (int r = 0; r < readers; ++r) {
    reader_threads.emplace_back([&] {
      while (writing.load()) {
        if ((*store)->GetKey("probe").ok()) reads++;
      }
    });
  }
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto s = (*store)->CreateKey(Key(std::to_string(t) + "-" + std::to_string(i)));
        if (!s.ok()) std::fprintf(stderr, "create: %s\n", s.ToString().c_str());
      }
    });
  }
  for (auto& w : workers) w.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writing = false;
  for (auto& r : reader_threads) r.join();
  auto stats = (*store)->WriteStats();
  std::printf("writers=%d max_batch=%-3d writes=%-5lld commits=%-5lld ops/commit=%5.2f "
              "%8.0f writes/s",
              threads, max_batch, static_cast<long long>(stats.ops - 1),
              static_cast<long long>(stats.commits - 1),
              static_cast<double>(stats.ops - 1) / static_cast<double>(stats.commits - 1),
              static_cast<double>(stats.ops - 1) / secs);
  if (readers > 0) {
    std::printf("  + %d reader: %8.0f reads/s", readers, static_cast<double>(reads) / secs);
  }
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  if (argc > 1) {
    dir = argv[1];
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "kms-bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) return 1;
    dir = pattern;
  }
  int writes = argc > 2 ? std::atoi(argv[2]) : 2000;
  int rc = 0;
  for (int threads : {1, 8}) {
    for (int max_batch : {1, 64}) rc |= Run(dir, threads, max_batch, writes);
  }
  rc |= Run(dir, 8, 64, writes, /*readers=*/1);
  if (argc <= 1) std::filesystem::remove_all(dir);
  return rc;
}
