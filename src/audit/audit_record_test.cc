#include "audit/audit_record.h"

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>
#include <random>
#include <vector>

namespace kms::audit {
namespace {

// The record tails as boost::json wrote them before they were formatted by hand: every line
// already in a log was written so, and a line's bytes are its hash input.
std::string_view Cut(std::string_view v) { return v.substr(0, 256); }

std::string ReferenceTime(int64_t ms) {
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string ReferenceEventTail(const Event& e, int64_t now_ms) {
  boost::json::object o;
  o["time"] = ReferenceTime(now_ms);
  o["type"] = Cut(e.type);
  if (!e.action.empty()) o["action"] = Cut(e.action);
  if (!e.appid.empty()) o["appid"] = Cut(e.appid);
  if (!e.keyid.empty()) o["keyid"] = Cut(e.keyid);
  if (e.result != 0) o["result"] = e.result;
  if (!e.rid.empty()) o["rid"] = Cut(e.rid);
  if (!e.detail.empty()) o["detail"] = Cut(e.detail);
  return boost::json::serialize(o).substr(1);
}

std::string ReferenceCheckpointTail(int64_t now_ms, std::string_view dk_id,
                                    std::string_view mac_hex) {
  boost::json::object o;
  o["time"] = ReferenceTime(now_ms);
  o["type"] = "checkpoint";
  o["dk_id"] = dk_id;
  o["mac"] = mac_hex;
  return boost::json::serialize(o).substr(1);
}

Event Make(std::string_view type, std::string_view action, std::string_view keyid, int result,
           std::string_view detail, std::string_view all = {}) {
  Event e;
  e.type = type;
  e.action = action;
  e.appid = all;
  e.keyid = keyid;
  e.result = result;
  e.rid = all;
  e.detail = detail;
  return e;
}

constexpr int64_t kNow = 1796317200123;  // 2026-12-03T17:00:00.123Z

std::vector<std::string> TrickyStrings() {
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  return {
      "plain",
      "with \"quotes\" inside",
      "back\\slash\\\\ and \\\"",
      std::string("nul\0byte", 8),
      "\b\t\n\f\r\x01\x1f\x7f",
      "caf\xc3\xa9 \xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x94\x91",  // UTF-8, 2 to 4 bytes
      "\xff\xfe invalid \xc3 UTF-8 \x80",
      "</script> & 'single' /slash/",
      all_bytes,
      std::string(300, '"'),                   // escaping after the 256-byte cut
      std::string(255, 'a') + "\xc3\xa9tail",  // the cut splits a UTF-8 sequence
  };
}

TEST(AuditRecordTest, EventTailIsByteIdenticalToBoostJson) {
  for (const std::string& s : TrickyStrings()) {
    Event e = Make("request", s, s, 200, s, s);
    EXPECT_EQ(FormatEventTail(e, kNow), ReferenceEventTail(e, kNow)) << s;
    e.type = s;
    e.result = -7;
    EXPECT_EQ(FormatEventTail(e, kNow), ReferenceEventTail(e, kNow)) << s;
  }
}

TEST(AuditRecordTest, EmptyFieldsAreLeftOutAsBefore) {
  for (const Event& e :
       {Event(), Make("request", "Encrypt", "", 0, ""), Make("request", "", "k", 400, ""),
        Make("domain_key", "loaded", "", 0, "why")}) {
    EXPECT_EQ(FormatEventTail(e, kNow), ReferenceEventTail(e, kNow));
  }
}

TEST(AuditRecordTest, TailParsesBackToTheValues) {
  const std::string valid[] = {"with \"quotes\"", "back\\slash", std::string("nul\0byte", 8),
                               "\b\t\n\f\r\x01\x1f\x7f", "caf\xc3\xa9 \xf0\x9f\x94\x91"};
  for (const std::string& s : valid) {
    const std::string line =
        FormatLine(1, kGenesisPrev, FormatEventTail(Make("request", s, "", 200, ""), kNow));
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    EXPECT_EQ(v.at("action").as_string(), s);
    EXPECT_EQ(v.at("time").as_string(), "2026-12-03T17:00:00.123Z");
  }
}

TEST(AuditRecordTest, CheckpointTailIsByteIdenticalToBoostJson) {
  const std::string mac(64, 'a');
  EXPECT_EQ(FormatCheckpointTail(kNow, "0011223344556677", mac),
            ReferenceCheckpointTail(kNow, "0011223344556677", mac));
  EXPECT_EQ(FormatCheckpointTail(kNow, "a\"b\\c\n", "\x01"),
            ReferenceCheckpointTail(kNow, "a\"b\\c\n", "\x01"));
}

TEST(AuditRecordTest, TimeMatchesGmtimeOverTheYears) {
  std::vector<int64_t> times = {0,
                                999,
                                1000,
                                951782400000,     // 2000-02-29
                                4107542399999,    // 2100-02-28T23:59:59.999
                                4107542400000,    // 2100-03-01 (not a leap year)
                                253402300799999,  // 9999-12-31T23:59:59.999
                                kNow};
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int64_t> any(0, 253402300799999);
  for (int i = 0; i < 20000; ++i) times.push_back(any(rng));
  for (int64_t t : times) {
    EXPECT_EQ(FormatEventTail(Event{}, t), ReferenceEventTail(Event{}, t)) << t;
  }
}

}  // namespace
}  // namespace kms::audit
