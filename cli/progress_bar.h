#pragma once
// A one-line progress bar on stderr, drawn only when stderr is a terminal and neither --quiet
// nor --json was given.

#include <atomic>
#include <cstdint>
#include <mutex>

#include "app.h"
#include "kms/file_envelope.h"

namespace ehsm_cli {

// For operations that report (done, total) from one thread (`ehsm file`).
kms::client::ProgressFn FileProgressBar(Context& ctx);

// For operations that report byte counts from several threads (`ehsm bigdl`). Draws nothing
// for totals under `min_total` bytes, where a bar would only flicker. Thread-safe.
class ProgressBar {
 public:
  ProgressBar(Context& ctx, uint64_t min_total);
  ~ProgressBar();  // ends the line if a bar was drawn
  void SetTotal(uint64_t total);
  void Advance(uint64_t bytes);

 private:
  Context& ctx_;
  const bool enabled_;
  const uint64_t min_total_;
  std::atomic<uint64_t> total_{0};
  std::atomic<uint64_t> done_{0};
  std::mutex mu_;
  int last_pct_ = -1;  // guarded by mu_
};

}  // namespace ehsm_cli
