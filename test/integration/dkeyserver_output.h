#pragma once
// What tests read from a running ehsm-dkeyserver's output: its health port and the dk_id of a
// log event.

#include <regex>
#include <string>

#include "kms_process.h"

namespace kms::testing {

// The port of "ehsm-dkeyserver health on port N", or 0.
inline uint16_t DkeyServerHealthPort(const KmsProcess& p) {
  std::smatch m;
  const std::string out = p.output();
  if (!std::regex_search(out, m, std::regex("ehsm-dkeyserver health on port ([0-9]+)"))) return 0;
  return static_cast<uint16_t>(std::stoi(m[1]));
}

// The dk_id of the first log event `event`, or "".
inline std::string LoggedDkId(const KmsProcess& p, const std::string& event) {
  std::smatch m;
  const std::string out = p.output();
  if (!std::regex_search(out, m, std::regex(event + " dk_id=([0-9a-f]{16})"))) return "";
  return m[1];
}

}  // namespace kms::testing
