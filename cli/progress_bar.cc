#include "progress_bar.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <ostream>
#include <string>

namespace ehsm_cli {
namespace {

bool BarWanted(const Context& ctx) { return ctx.stderr_is_tty && !ctx.quiet && !ctx.json; }

void Draw(std::ostream& err, int pct, uint64_t done) {
  constexpr int kWidth = 30;
  int filled = pct * kWidth / 100;
  char line[128];
  std::snprintf(line, sizeof(line), "\r[%-*s] %3d%% %8.1f MiB", kWidth,
                std::string(static_cast<size_t>(filled), '#').c_str(), pct,
                static_cast<double>(done) / (1 << 20));
  err << line << (pct >= 100 ? "\n" : "") << std::flush;
}

}  // namespace

kms::client::ProgressFn FileProgressBar(Context& ctx) {
  if (!BarWanted(ctx)) return {};
  auto last = std::make_shared<int>(-1);
  return [&ctx, last](uint64_t done, uint64_t total) {
    if (total == 0) return;
    int pct = static_cast<int>(done * 100 / total);
    if (pct == *last) return;
    *last = pct;
    Draw(ctx.err, pct, done);
  };
}

ProgressBar::ProgressBar(Context& ctx, uint64_t min_total)
    : ctx_(ctx), enabled_(BarWanted(ctx)), min_total_(min_total) {}

ProgressBar::~ProgressBar() {
  std::lock_guard<std::mutex> lock(mu_);
  if (last_pct_ >= 0 && last_pct_ < 100) ctx_.err << "\n" << std::flush;
}

void ProgressBar::SetTotal(uint64_t total) { total_ = total; }

void ProgressBar::Advance(uint64_t bytes) {
  uint64_t done = done_ += bytes;
  uint64_t total = total_.load();
  if (!enabled_ || total < min_total_ || total == 0) return;
  int pct = static_cast<int>(std::min<uint64_t>(done, total) * 100 / total);
  std::lock_guard<std::mutex> lock(mu_);
  if (pct == last_pct_) return;
  last_pct_ = pct;
  Draw(ctx_.err, pct, done);
}

}  // namespace ehsm_cli
