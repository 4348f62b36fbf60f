#include "audit/audit_verify.h"

#include <boost/json/parse.hpp>

#include <fstream>
#include <sstream>

#include "audit/audit_record.h"
#include "crypto/hmac.h"

namespace kms::audit {
namespace {

// What the walk carries from one record to the next, across files.
struct Walk {
  std::optional<uint64_t> expected_seq;
  std::string prev_hash;  // of the last record read
  const std::optional<CheckpointKey>& key;
  std::unique_ptr<crypto::HmacSha256Key> mac;
};

bool Fail(VerifyReport& r, const std::string& file, int64_t line, uint64_t seq,
          std::string why) {
  r.ok = false;
  r.file = file;
  r.line = line;
  r.seq = seq;
  r.why = std::move(why);
  return false;
}

std::string Text(const boost::json::object& o, std::string_view name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool CheckCheckpoint(Walk& w, VerifyReport& r, const boost::json::object& o, uint64_t seq,
                     const std::string& prev, const std::string& file, int64_t n) {
  if (!w.key) {
    ++r.checkpoints_unchecked;
    return true;
  }
  const std::string dk_id = Text(o, "dk_id");
  if (dk_id != w.key->dk_id) {
    return Fail(r, file, n, seq,
                "checkpoint signed under domain key " + dk_id + ", not " + w.key->dk_id);
  }
  std::optional<Bytes> mac = HexDecode(Text(o, "mac"));
  auto expected = w.mac->Compute(AsBytes(CheckpointMacInput(seq, prev, dk_id)));
  if (!mac || !expected.ok() || !crypto::ConstantTimeEquals(*mac, *expected)) {
    return Fail(r, file, n, seq, "checkpoint MAC does not verify");
  }
  ++r.checkpoints_checked;
  return true;
}

bool CheckLine(Walk& w, VerifyReport& r, std::string_view line, const std::string& file,
               int64_t n) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) return Fail(r, file, n, 0, "not a JSON record");
  const boost::json::object& o = v.get_object();
  const boost::json::value* seq_v = o.if_contains("seq");
  if (seq_v == nullptr || !seq_v->is_number()) return Fail(r, file, n, 0, "no seq");
  boost::system::error_code num_ec;
  const uint64_t seq = seq_v->to_number<uint64_t>(num_ec);
  if (num_ec) return Fail(r, file, n, 0, "seq is not a non-negative integer");
  const std::string prev = Text(o, "prev");
  if (w.expected_seq && seq != *w.expected_seq) {
    return Fail(r, file, n, seq,
                "sequence " + std::to_string(seq) + " where " + std::to_string(*w.expected_seq) +
                    " was expected (a record was removed, added or moved)");
  }
  if (!w.expected_seq) {
    r.first_seq = seq;
    if (seq == 1 && prev != kGenesisPrev) return Fail(r, file, n, seq, "record 1 has a prev");
  } else if (prev != w.prev_hash) {
    return Fail(r, file, n, seq,
                "prev does not match the hash of the record before it (that record was "
                "changed, or this one moved)");
  }
  const std::string type = Text(o, "type");
  if (type == "checkpoint") {
    if (!CheckCheckpoint(w, r, o, seq, prev, file, n)) return false;
    r.records_after_last_checkpoint = 0;
  } else {
    ++r.records_after_last_checkpoint;
  }
  ++r.records;
  r.last_seq = seq;
  w.expected_seq = seq + 1;
  w.prev_hash = LineHash(line);
  return true;
}

bool CheckFile(Walk& w, VerifyReport& r, const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return Fail(r, file, 0, 0, "cannot be read");
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  ++r.files;
  int64_t n = 0;
  size_t at = 0;
  while (at < text.size()) {
    ++n;
    const size_t end = text.find('\n', at);
    if (end == std::string::npos) {
      return Fail(r, file, n, 0, "incomplete last record (the file was cut)");
    }
    if (!CheckLine(w, r, std::string_view(text).substr(at, end - at), file, n)) return false;
    at = end + 1;
  }
  return true;
}

}  // namespace

VerifyReport VerifyAuditFiles(const std::vector<std::string>& files,
                              const std::optional<CheckpointKey>& key) {
  VerifyReport r;
  Walk w{.expected_seq = std::nullopt, .prev_hash = "", .key = key, .mac = nullptr};
  if (key) {
    auto mac = crypto::HmacSha256Key::New(key->key.view());
    if (!mac.ok()) {
      Fail(r, "", 0, 0, "checkpoint key refused: " + mac.status().message());
      return r;
    }
    w.mac = std::move(mac).value();
  }
  for (const std::string& f : files) {
    if (!CheckFile(w, r, f)) break;
  }
  return r;
}

std::string FormatReport(const VerifyReport& r, bool key_given) {
  std::ostringstream s;
  if (!r.ok) {
    s << "BROKEN " << r.file << ":" << r.line;
    if (r.seq != 0) s << " seq " << r.seq;
    s << ": " << r.why << " (" << r.records << " records verified before it)";
    return s.str();
  }
  s << "OK files=" << r.files << " records=" << r.records << " seq=" << r.first_seq << ".."
    << r.last_seq << " checkpoints_verified=" << r.checkpoints_checked;
  if (!key_given) {
    s << " checkpoints_not_checked=" << r.checkpoints_unchecked
      << " (no domain key: the hash chain was checked, the checkpoint signatures were not)";
  }
  s << " records_after_last_checkpoint=" << r.records_after_last_checkpoint;
  if (r.first_seq > 1) s << " (the chain starts at seq " << r.first_seq << ", earlier files not given)";
  return s.str();
}

}  // namespace kms::audit
