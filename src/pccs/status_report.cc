#include "pccs/status_report.h"

#include <ctime>

namespace kms::pccs {

std::string FormatUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

StatusReport MakeStatusReport(const std::vector<CollateralItem>& items, int64_t now) {
  StatusReport r;
  r.text = std::to_string(items.size()) + " item(s) held\n";
  for (const CollateralItem& i : items) {
    r.text += Describe(i.kind, i.key) + "  issued " + FormatUtc(i.issue_date) +
              "  nextUpdate " + FormatUtc(i.next_update) + "  from " + i.source + "\n";
  }
  for (const CollateralItem& i : items) {
    const int64_t left = i.next_update - now;
    if (left >= kExpiryWarning) continue;
    ++r.warnings;
    if (left <= 0) {
      r.text += "WARNING: " + Describe(i.kind, i.key) + " expired at " + FormatUtc(i.next_update) +
                "\n";
    } else {
      r.text += "WARNING: " + Describe(i.kind, i.key) + " expires in " +
                std::to_string(left / 3600) + " h (" + FormatUtc(i.next_update) + ")\n";
    }
  }
  return r;
}

}  // namespace kms::pccs
