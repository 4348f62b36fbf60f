#pragma once
// The audit log's record format (docs/operations.md, "Audit log"). One record is one line of
// JSON, and the line's bytes (without the newline) are its canonical form:
//
//   {"seq":12,"prev":"<sha256 hex of record 11's line>","time":"2026-12-03T17:00:00.123Z",
//    "type":"request","action":"Encrypt","appid":"...","keyid":"...","result":200,"rid":"..."}
//
// `seq` counts from 1 over the whole chain, across rotated files; record 1's `prev` is 64
// zeros. A "checkpoint" record carries `dk_id` and `mac`, the HMAC-SHA-256 under the
// checkpoint key of CheckpointMacInput(seq, prev, dk_id): as `prev` hashes every record
// before it, the MAC vouches for the whole chain up to the checkpoint. Records hold
// identifiers and outcomes only, never key material, plaintext or apikeys.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "crypto/hmac.h"

namespace kms::audit {

inline constexpr std::string_view kGenesisPrev =
    "0000000000000000000000000000000000000000000000000000000000000000";

// One security-relevant event. `type` is "request" (an eHSM action) or "domain_key"
// (provisioning of the domain key); empty fields are left out of the record.
struct Event {
  std::string_view type = "request";
  std::string_view action;
  std::string_view appid;
  std::string_view keyid;
  int result = 0;  // the eHSM `code` of the reply (0: none)
  std::string_view rid;
  std::string_view detail;  // e.g. a dk_id, or why
};

// The record's fields after seq and prev, as `"time":...}` (the line's tail). Values longer
// than 256 bytes are cut, so a client cannot make records of any size.
std::string FormatEventTail(const Event& event, int64_t now_ms);
// The tail of a checkpoint record.
std::string FormatCheckpointTail(int64_t now_ms, std::string_view dk_id, std::string_view mac_hex);
// The whole line (no newline): `{"seq":N,"prev":"...",` followed by `tail`.
std::string FormatLine(uint64_t seq, std::string_view prev_hex, std::string_view tail);

// What a checkpoint's MAC covers.
std::string CheckpointMacInput(uint64_t seq, std::string_view prev_hex, std::string_view dk_id);

// Lower-case hex SHA-256 of `line`.
std::string LineHash(std::string_view line);

}  // namespace kms::audit
