#include "api/route.h"

#include <cctype>
#include "common/percent_encoding.h"

namespace kms::api {

Route ParseTarget(std::string_view target) {
  Route r;
  size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return r;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    // Form encoding ('+' is a space), leniently: a stray '%' stays, as upstream accepts it.
    if (PercentDecodeLenient(pair.substr(0, eq), true) == "Action" && r.action.empty()) {
      r.action =
          eq == std::string_view::npos ? "" : PercentDecodeLenient(pair.substr(eq + 1), true);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return r;
}

bool IsEhsmPath(std::string_view path) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.size() != 5) return false;
  static constexpr std::string_view kPath = "/ehsm";
  for (size_t i = 0; i < 5; ++i) {
    if (std::tolower(static_cast<unsigned char>(path[i])) != kPath[i]) return false;
  }
  return true;
}

}  // namespace kms::api
