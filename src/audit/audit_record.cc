#include "audit/audit_record.h"

#include <chrono>

namespace kms::audit {
namespace {

constexpr size_t kMaxValueBytes = 256;

std::string_view Cut(std::string_view v) { return v.substr(0, kMaxValueBytes); }

void AppendDigits(std::string& out, unsigned value, int width) {
  char buf[10];
  for (int i = width - 1; i >= 0; --i, value /= 10) buf[i] = static_cast<char>('0' + value % 10);
  out.append(buf, static_cast<size_t>(width));
}

// `ms` as 2026-12-03T17:00:00.123Z, computed without gmtime_r (which takes glibc's time zone
// lock on every call, on every request).
void AppendUtcTime(std::string& out, int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds(ms)};
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const hh_mm_ss<milliseconds> hms(t - day);
  const int y = static_cast<int>(ymd.year());
  if (y >= 0 && y <= 9999) {
    AppendDigits(out, static_cast<unsigned>(y), 4);
  } else {
    out += std::to_string(y);
  }
  out.push_back('-');
  AppendDigits(out, static_cast<unsigned>(ymd.month()), 2);
  out.push_back('-');
  AppendDigits(out, static_cast<unsigned>(ymd.day()), 2);
  out.push_back('T');
  AppendDigits(out, static_cast<unsigned>(hms.hours().count()), 2);
  out.push_back(':');
  AppendDigits(out, static_cast<unsigned>(hms.minutes().count()), 2);
  out.push_back(':');
  AppendDigits(out, static_cast<unsigned>(hms.seconds().count()), 2);
  out.push_back('.');
  AppendDigits(out, static_cast<unsigned>(hms.subseconds().count()), 3);
  out.push_back('Z');
}

// The letter of the two-character escape of `c` (`\"` `\\` \b \t \n \f \r), or 0.
char ShortEscape(unsigned char c) {
  switch (c) {
    case '"':
    case '\\':
      return static_cast<char>(c);
    case '\b':
      return 'b';
    case '\t':
      return 't';
    case '\n':
      return 'n';
    case '\f':
      return 'f';
    case '\r':
      return 'r';
    default:
      return 0;
  }
}

// `value` as a JSON string, escaped exactly as boost::json::serialize escapes it, which wrote
// every record before: the bytes of a line are its hash input, so they must not change. `"`
// and `\`, \b \t \n \f \r, other bytes below 0x20 as \u00xx (lower-case hex); everything
// else, bytes >= 0x80 included, as it is.
void AppendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < value.size(); ++i) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(value.substr(run, i - run));
    run = i + 1;
    out.push_back('\\');
    const char short_escape = ShortEscape(c);
    if (short_escape != 0) {
      out.push_back(short_escape);
    } else {
      out.append("u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  out.append(value.substr(run));
  out.push_back('"');
}

// Appends `,"name":"value"`: every field but the first, "time" (TailStart).
void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.push_back(',');
  out.push_back('"');
  out.append(name);
  out.append("\":");
  AppendJsonString(out, value);
}

// The tail's first field; the tail follows `"prev":"...",` in the line.
std::string TailStart(int64_t now_ms) {
  std::string out;
  out.reserve(256);
  out.append("\"time\":\"");
  AppendUtcTime(out, now_ms);
  out.push_back('"');
  return out;
}

}  // namespace

std::string FormatEventTail(const Event& e, int64_t now_ms) {
  std::string out = TailStart(now_ms);
  AppendField(out, "type", Cut(e.type));
  if (!e.action.empty()) AppendField(out, "action", Cut(e.action));
  if (!e.appid.empty()) AppendField(out, "appid", Cut(e.appid));
  if (!e.keyid.empty()) AppendField(out, "keyid", Cut(e.keyid));
  if (e.result != 0) {
    out.append(",\"result\":");
    out.append(std::to_string(e.result));
  }
  if (!e.rid.empty()) AppendField(out, "rid", Cut(e.rid));
  if (!e.detail.empty()) AppendField(out, "detail", Cut(e.detail));
  out.push_back('}');
  return out;
}

std::string FormatCheckpointTail(int64_t now_ms, std::string_view dk_id,
                                 std::string_view mac_hex) {
  std::string out = TailStart(now_ms);
  AppendField(out, "type", "checkpoint");
  AppendField(out, "dk_id", dk_id);
  AppendField(out, "mac", mac_hex);
  out.push_back('}');
  return out;
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
