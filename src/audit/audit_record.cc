#include "audit/audit_record.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>

namespace kms::audit {
namespace {

constexpr size_t kMaxValueBytes = 256;

std::string_view Cut(std::string_view v) { return v.substr(0, kMaxValueBytes); }

std::string UtcTime(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

// Drops the object's opening brace: the tail follows `"prev":"...",` in the line.
std::string Tail(const boost::json::object& o) { return boost::json::serialize(o).substr(1); }

}  // namespace

std::string FormatEventTail(const Event& e, int64_t now_ms) {
  boost::json::object o;
  o["time"] = UtcTime(now_ms);
  o["type"] = Cut(e.type);
  if (!e.action.empty()) o["action"] = Cut(e.action);
  if (!e.appid.empty()) o["appid"] = Cut(e.appid);
  if (!e.keyid.empty()) o["keyid"] = Cut(e.keyid);
  if (e.result != 0) o["result"] = e.result;
  if (!e.rid.empty()) o["rid"] = Cut(e.rid);
  if (!e.detail.empty()) o["detail"] = Cut(e.detail);
  return Tail(o);
}

std::string FormatCheckpointTail(int64_t now_ms, std::string_view dk_id,
                                 std::string_view mac_hex) {
  boost::json::object o;
  o["time"] = UtcTime(now_ms);
  o["type"] = "checkpoint";
  o["dk_id"] = dk_id;
  o["mac"] = mac_hex;
  return Tail(o);
}

std::string FormatLine(uint64_t seq, std::string_view prev_hex, std::string_view tail) {
  std::string line;
  line.reserve(32 + prev_hex.size() + tail.size());
  line += "{\"seq\":";
  line += std::to_string(seq);
  line += ",\"prev\":\"";
  line += prev_hex;
  line += "\",";
  line += tail;
  return line;
}

std::string CheckpointMacInput(uint64_t seq, std::string_view prev_hex, std::string_view dk_id) {
  std::string in = "ehsm-kms audit checkpoint v1\n";
  in += std::to_string(seq);
  in += '\n';
  in += prev_hex;
  in += '\n';
  in += dk_id;
  return in;
}

std::string LineHash(std::string_view line) {
  auto digest = crypto::Sha256(AsBytes(line));
  // SHA-256 of memory cannot fail short of an OpenSSL without SHA-256; an impossible hash
  // then breaks the chain visibly instead of silently.
  return digest.ok() ? HexEncode(*digest) : std::string(64, 'x');
}

}  // namespace kms::audit
