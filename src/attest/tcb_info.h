#pragma once
// Models of Intel's signed TCB info (v2 and v3) and QE identity (v2) JSON, read from the exact
// text whose signature was already checked. Only what verification uses is kept.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::attest {

enum class TcbStatus {
  kUpToDate,
  kSwHardeningNeeded,
  kConfigurationNeeded,
  kConfigurationAndSwHardeningNeeded,
  kOutOfDate,
  kOutOfDateConfigurationNeeded,
  kRevoked,
};

// Intel's spelling, e.g. "ConfigurationAndSWHardeningNeeded".
std::string_view TcbStatusName(TcbStatus s);

// A level keyed by one ISV SVN (QE identity levels, TDX module identity levels).
struct IsvTcbLevel {
  uint16_t isvsvn = 0;
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

struct TcbLevel {
  std::array<uint16_t, 16> sgx_svn{};
  uint16_t pcesvn = 0;
  std::optional<std::array<uint16_t, 16>> tdx_svn;  // TDX TCB info only
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleIdentity {
  std::string id;                     // "TDX_01", "TDX_03", …
  Bytes mrsigner;                     // 48 bytes
  Bytes attributes, attributes_mask;  // 8 bytes each
  std::vector<IsvTcbLevel> levels;
};

struct TcbInfo {
  std::string id;  // "SGX" or "TDX" (v3); empty in v2 (SGX only)
  int version = 0;
  int64_t issue_date = 0, next_update = 0;      // Unix seconds
  Bytes fmspc;                                  // 6 bytes
  Bytes pce_id;                                 // 2 bytes
  std::optional<TdxModuleIdentity> tdx_module;  // "tdxModule" (id and levels empty)
  std::vector<TdxModuleIdentity> tdx_module_identities;
  std::vector<TcbLevel> levels;  // in Intel's order (newest first)
};

struct QeIdentity {
  std::string id;  // "QE", "TD_QE", "QVE"
  int version = 0;
  int64_t issue_date = 0, next_update = 0;
  uint32_t miscselect = 0, miscselect_mask = 0;  // as the report's little-endian u32
  Bytes attributes, attributes_mask;             // 16 bytes each, report order
  Bytes mrsigner;                                // 32 bytes
  uint16_t isvprodid = 0;
  std::vector<IsvTcbLevel> levels;
};

// kInvalidArgument for malformed JSON, a missing or mistyped field, a hex field of the wrong
// size, an unknown tcbStatus, or an unsupported version (TCB info 2 or 3, QE identity 2).
StatusOr<TcbInfo> ParseTcbInfo(std::string_view text);
StatusOr<QeIdentity> ParseQeIdentity(std::string_view text);

// "2025-06-19T10:56:11Z" (optionally with fractional seconds, which are dropped) to Unix
// seconds; kInvalidArgument otherwise.
StatusOr<int64_t> ParseRfc3339Utc(std::string_view s);

}  // namespace kms::attest
