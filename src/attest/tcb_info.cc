#include "attest/tcb_info.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <limits>

namespace kms::attest {
namespace {
namespace json = boost::json;

Status Bad(std::string_view what) {
  return Status::InvalidArgument("collateral JSON: " + std::string(what));
}

StatusOr<const json::value*> Field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return Bad("\"" + std::string(name) + "\" missing");
  return v;
}

StatusOr<std::string> Str(const json::object& o, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(const json::value* v, Field(o, name));
  if (!v->is_string()) return Bad("\"" + std::string(name) + "\" is not a string");
  return std::string(v->get_string());
}

StatusOr<int64_t> Int(const json::object& o, std::string_view name, int64_t max) {
  KMS_ASSIGN_OR_RETURN(const json::value* v, Field(o, name));
  if (v->is_int64() && v->get_int64() >= 0 && v->get_int64() <= max) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(max)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return Bad("\"" + std::string(name) + "\" is not an integer in range");
}

StatusOr<Bytes> Hex(const json::object& o, std::string_view name, size_t size) {
  KMS_ASSIGN_OR_RETURN(std::string s, Str(o, name));
  std::optional<Bytes> b = HexDecode(s);
  if (!b || b->size() != size) {
    return Bad("\"" + std::string(name) + "\" is not " + std::to_string(size) + " hex bytes");
  }
  return *std::move(b);
}

StatusOr<int64_t> Time(const json::object& o, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(std::string s, Str(o, name));
  return ParseRfc3339Utc(s);
}

StatusOr<const json::object*> Obj(const json::object& o, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(const json::value* v, Field(o, name));
  if (!v->is_object()) return Bad("\"" + std::string(name) + "\" is not an object");
  return &v->get_object();
}

StatusOr<const json::array*> Arr(const json::object& o, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(const json::value* v, Field(o, name));
  if (!v->is_array()) return Bad("\"" + std::string(name) + "\" is not an array");
  return &v->get_array();
}

StatusOr<TcbStatus> ParseStatus(std::string_view s) {
  for (TcbStatus t :
       {TcbStatus::kUpToDate, TcbStatus::kSwHardeningNeeded, TcbStatus::kConfigurationNeeded,
        TcbStatus::kConfigurationAndSwHardeningNeeded, TcbStatus::kOutOfDate,
        TcbStatus::kOutOfDateConfigurationNeeded, TcbStatus::kRevoked}) {
    if (s == TcbStatusName(t)) return t;
  }
  return Bad("unrecognised tcbStatus \"" + std::string(s) + "\"");
}

// tcbStatus and the optional advisoryIDs of a level.
Status ParseVerdict(const json::object& level, TcbStatus* status, std::vector<std::string>* ids) {
  KMS_ASSIGN_OR_RETURN(std::string s, Str(level, "tcbStatus"));
  KMS_ASSIGN_OR_RETURN(*status, ParseStatus(s));
  if (const json::value* a = level.if_contains("advisoryIDs")) {
    if (!a->is_array()) return Bad("advisoryIDs is not an array");
    for (const json::value& id : a->get_array()) {
      if (!id.is_string()) return Bad("advisory id is not a string");
      ids->emplace_back(id.get_string());
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<IsvTcbLevel>> ParseIsvLevels(const json::object& o) {
  KMS_ASSIGN_OR_RETURN(const json::array* arr, Arr(o, "tcbLevels"));
  std::vector<IsvTcbLevel> levels;
  for (const json::value& v : *arr) {
    if (!v.is_object()) return Bad("tcbLevels entry is not an object");
    IsvTcbLevel level;
    KMS_ASSIGN_OR_RETURN(const json::object* tcb, Obj(v.get_object(), "tcb"));
    KMS_ASSIGN_OR_RETURN(int64_t svn, Int(*tcb, "isvsvn", 0xffff));
    level.isvsvn = static_cast<uint16_t>(svn);
    KMS_RETURN_IF_ERROR(ParseVerdict(v.get_object(), &level.status, &level.advisory_ids));
    levels.push_back(std::move(level));
  }
  return levels;
}

// v3 component arrays: 16 objects with "svn".
StatusOr<std::array<uint16_t, 16>> ComponentArray(const json::object& tcb, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(const json::array* arr, Arr(tcb, name));
  if (arr->size() != 16) return Bad(std::string(name) + " does not have 16 entries");
  std::array<uint16_t, 16> svn{};
  for (size_t i = 0; i < 16; ++i) {
    if (!(*arr)[i].is_object()) return Bad(std::string(name) + " entry is not an object");
    KMS_ASSIGN_OR_RETURN(int64_t x, Int((*arr)[i].get_object(), "svn", 255));
    svn[i] = static_cast<uint16_t>(x);
  }
  return svn;
}

StatusOr<TcbLevel> ParseTcbLevel(const json::object& o, int version, bool tdx) {
  TcbLevel level;
  KMS_ASSIGN_OR_RETURN(const json::object* tcb, Obj(o, "tcb"));
  if (version == 2) {
    for (size_t i = 0; i < 16; ++i) {
      char name[20];
      std::snprintf(name, sizeof(name), "sgxtcbcomp%02zusvn", i + 1);
      KMS_ASSIGN_OR_RETURN(int64_t x, Int(*tcb, name, 255));
      level.sgx_svn[i] = static_cast<uint16_t>(x);
    }
  } else {
    KMS_ASSIGN_OR_RETURN(level.sgx_svn, ComponentArray(*tcb, "sgxtcbcomponents"));
    if (tdx) {
      KMS_ASSIGN_OR_RETURN(auto tdx_svn, ComponentArray(*tcb, "tdxtcbcomponents"));
      level.tdx_svn = tdx_svn;
    }
  }
  KMS_ASSIGN_OR_RETURN(int64_t pcesvn, Int(*tcb, "pcesvn", 0xffff));
  level.pcesvn = static_cast<uint16_t>(pcesvn);
  KMS_RETURN_IF_ERROR(ParseVerdict(o, &level.status, &level.advisory_ids));
  return level;
}

StatusOr<TdxModuleIdentity> ParseTdxModule(const json::object& o, bool with_levels) {
  TdxModuleIdentity m;
  if (with_levels) {
    KMS_ASSIGN_OR_RETURN(m.id, Str(o, "id"));
    KMS_ASSIGN_OR_RETURN(m.levels, ParseIsvLevels(o));
  }
  KMS_ASSIGN_OR_RETURN(m.mrsigner, Hex(o, "mrsigner", 48));
  KMS_ASSIGN_OR_RETURN(m.attributes, Hex(o, "attributes", 8));
  KMS_ASSIGN_OR_RETURN(m.attributes_mask, Hex(o, "attributesMask", 8));
  return m;
}

Status ParseTdxParts(const json::object& o, TcbInfo* info) {
  KMS_ASSIGN_OR_RETURN(const json::object* module, Obj(o, "tdxModule"));
  KMS_ASSIGN_OR_RETURN(TdxModuleIdentity m, ParseTdxModule(*module, false));
  info->tdx_module = std::move(m);
  if (o.contains("tdxModuleIdentities")) {
    KMS_ASSIGN_OR_RETURN(const json::array* ids, Arr(o, "tdxModuleIdentities"));
    for (const json::value& v : *ids) {
      if (!v.is_object()) return Bad("tdxModuleIdentities entry is not an object");
      KMS_ASSIGN_OR_RETURN(TdxModuleIdentity id, ParseTdxModule(v.get_object(), true));
      info->tdx_module_identities.push_back(std::move(id));
    }
  }
  return Status::Ok();
}

StatusOr<json::object> ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Bad("not a JSON object");
  return std::move(v.get_object());
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::string_view TcbStatusName(TcbStatus s) {
  switch (s) {
    case TcbStatus::kUpToDate:
      return "UpToDate";
    case TcbStatus::kSwHardeningNeeded:
      return "SWHardeningNeeded";
    case TcbStatus::kConfigurationNeeded:
      return "ConfigurationNeeded";
    case TcbStatus::kConfigurationAndSwHardeningNeeded:
      return "ConfigurationAndSWHardeningNeeded";
    case TcbStatus::kOutOfDate:
      return "OutOfDate";
    case TcbStatus::kOutOfDateConfigurationNeeded:
      return "OutOfDateConfigurationNeeded";
    case TcbStatus::kRevoked:
      return "Revoked";
  }
  return "Revoked";
}

StatusOr<int64_t> ParseRfc3339Utc(std::string_view s) {
  unsigned y, mo, d, h, mi, sec;
  int n = 0;
  std::string z(s.substr(0, 64));
  if (std::sscanf(z.c_str(), "%4u-%2u-%2uT%2u:%2u:%2u%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
      n != 19) {
    return Bad("bad timestamp \"" + z + "\"");
  }
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    size_t i = 1;
    while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') ++i;
    if (i == 1) return Bad("bad timestamp \"" + z + "\"");
    rest = rest.substr(i);
  }
  if (rest != "Z" || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return Bad("bad timestamp \"" + z + "\" (UTC 'Z' form expected)");
  }
  return DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
}

StatusOr<TcbInfo> ParseTcbInfo(std::string_view text) {
  KMS_ASSIGN_OR_RETURN(json::object o, ParseObject(text));
  TcbInfo info;
  KMS_ASSIGN_OR_RETURN(int64_t version, Int(o, "version", 100));
  if (version != 2 && version != 3) return Bad("TCB info version " + std::to_string(version));
  info.version = static_cast<int>(version);
  if (version == 3) {
    KMS_ASSIGN_OR_RETURN(info.id, Str(o, "id"));
  }
  KMS_ASSIGN_OR_RETURN(info.issue_date, Time(o, "issueDate"));
  KMS_ASSIGN_OR_RETURN(info.next_update, Time(o, "nextUpdate"));
  KMS_ASSIGN_OR_RETURN(info.fmspc, Hex(o, "fmspc", 6));
  KMS_ASSIGN_OR_RETURN(info.pce_id, Hex(o, "pceId", 2));
  bool tdx = info.id == "TDX";
  if (tdx) KMS_RETURN_IF_ERROR(ParseTdxParts(o, &info));
  KMS_ASSIGN_OR_RETURN(const json::array* levels, Arr(o, "tcbLevels"));
  for (const json::value& v : *levels) {
    if (!v.is_object()) return Bad("tcbLevels entry is not an object");
    KMS_ASSIGN_OR_RETURN(TcbLevel level, ParseTcbLevel(v.get_object(), info.version, tdx));
    info.levels.push_back(std::move(level));
  }
  return info;
}

StatusOr<QeIdentity> ParseQeIdentity(std::string_view text) {
  KMS_ASSIGN_OR_RETURN(json::object o, ParseObject(text));
  QeIdentity qe;
  KMS_ASSIGN_OR_RETURN(int64_t version, Int(o, "version", 100));
  if (version != 2) return Bad("QE identity version " + std::to_string(version));
  qe.version = 2;
  KMS_ASSIGN_OR_RETURN(qe.id, Str(o, "id"));
  KMS_ASSIGN_OR_RETURN(qe.issue_date, Time(o, "issueDate"));
  KMS_ASSIGN_OR_RETURN(qe.next_update, Time(o, "nextUpdate"));
  // The JSON writes MISCSELECT big-endian; the report holds a little-endian u32.
  KMS_ASSIGN_OR_RETURN(Bytes misc, Hex(o, "miscselect", 4));
  KMS_ASSIGN_OR_RETURN(Bytes misc_mask, Hex(o, "miscselectMask", 4));
  auto be32 = [](const Bytes& b) {
    return static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
           static_cast<uint32_t>(b[2]) << 8 | b[3];
  };
  qe.miscselect = be32(misc);
  qe.miscselect_mask = be32(misc_mask);
  KMS_ASSIGN_OR_RETURN(qe.attributes, Hex(o, "attributes", 16));
  KMS_ASSIGN_OR_RETURN(qe.attributes_mask, Hex(o, "attributesMask", 16));
  KMS_ASSIGN_OR_RETURN(qe.mrsigner, Hex(o, "mrsigner", 32));
  KMS_ASSIGN_OR_RETURN(int64_t prodid, Int(o, "isvprodid", 0xffff));
  qe.isvprodid = static_cast<uint16_t>(prodid);
  KMS_ASSIGN_OR_RETURN(qe.levels, ParseIsvLevels(o));
  return qe;
}

}  // namespace kms::attest
