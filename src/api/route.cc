#include "api/route.h"

#include <cctype>
#include <optional>

#include "common/bytes.h"

namespace kms::api {
namespace {

// Query decoding: %XX (either letter case), and '+' for a space (form encoding); a '%' not
// followed by two hex digits stays as it is.
std::string FormDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      if (std::optional<Bytes> byte = HexDecode(s.substr(i + 1, 2))) {
        out.push_back(static_cast<char>((*byte)[0]));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i] == '+' ? ' ' : s[i]);
  }
  return out;
}

}  // namespace

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
    if (FormDecode(pair.substr(0, eq)) == "Action" && r.action.empty()) {
      r.action = eq == std::string_view::npos ? "" : FormDecode(pair.substr(eq + 1));
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
