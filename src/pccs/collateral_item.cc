#include "pccs/collateral_item.h"

#include <cctype>

namespace kms::pccs {

std::string_view KindName(ItemKind kind) {
  switch (kind) {
    case ItemKind::kTcbInfo:
      return "tcb_info";
    case ItemKind::kEnclaveIdentity:
      return "enclave_identity";
    case ItemKind::kPckCrl:
      return "pck_crl";
    case ItemKind::kRootCaCrl:
      return "root_ca_crl";
    case ItemKind::kPckCert:
      return "pck_cert";
  }
  return "unknown";
}

std::optional<ItemKind> KindFromName(std::string_view name) {
  for (ItemKind k : {ItemKind::kTcbInfo, ItemKind::kEnclaveIdentity, ItemKind::kPckCrl,
                     ItemKind::kRootCaCrl, ItemKind::kPckCert}) {
    if (KindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string Describe(ItemKind kind, std::string_view key) {
  switch (kind) {
    case ItemKind::kTcbInfo:
      return key.empty() ? "TCB info" : "TCB info " + std::string(key);
    case ItemKind::kEnclaveIdentity:
      return key.empty() ? "enclave identity" : std::string(key) + " identity";
    case ItemKind::kPckCrl:
      return key.empty() ? "PCK CRL" : "PCK CRL " + std::string(key);
    case ItemKind::kRootCaCrl:
      return "root CA CRL";
    case ItemKind::kPckCert:
      if (auto q = PckCertQueryOfKey(key)) {
        // The encrypted PPID is 768 digits: its start tells platforms apart in messages.
        return "PCK certificate pceid " + q->pceid + " cpusvn " + q->cpusvn + " pcesvn " +
               q->pcesvn + " ppid " + q->encrypted_ppid.substr(0, 8) + "...";
      }
      return "PCK certificate";
  }
  return std::string(key);
}

std::string TcbInfoKey(bool tdx, ByteView fmspc) {
  return std::string(tdx ? "tdx-" : "sgx-") + HexEncode(fmspc);
}

namespace {

// `value` as lowercase hex when it is hex of `bytes` bytes.
std::optional<std::string> HexOf(std::string_view value, size_t bytes) {
  if (value.size() != 2 * bytes || !HexDecode(value).has_value()) return std::nullopt;
  std::string out(value);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

constexpr size_t kEncryptedPpidBytes = 384, kCpuSvnBytes = 16, kSvnBytes = 2;

}  // namespace

StatusOr<PckCertQuery> ParsePckCertQuery(std::string_view encrypted_ppid, std::string_view cpusvn,
                                         std::string_view pcesvn, std::string_view pceid) {
  const struct {
    const char* name;
    std::string_view value;
    size_t bytes;
  } fields[] = {{"encrypted_ppid", encrypted_ppid, kEncryptedPpidBytes},
                {"cpusvn", cpusvn, kCpuSvnBytes},
                {"pcesvn", pcesvn, kSvnBytes},
                {"pceid", pceid, kSvnBytes}};
  std::string hex[4];
  for (size_t i = 0; i < 4; ++i) {
    std::optional<std::string> h = HexOf(fields[i].value, fields[i].bytes);
    if (!h) {
      return Status::InvalidArgument(std::string(fields[i].name) + " must be " +
                                     std::to_string(2 * fields[i].bytes) + " hex digits");
    }
    hex[i] = std::move(*h);
  }
  return PckCertQuery{std::move(hex[0]), std::move(hex[1]), std::move(hex[2]), std::move(hex[3])};
}

std::string PckCertKey(const PckCertQuery& q) {
  return q.encrypted_ppid + "-" + q.cpusvn + "-" + q.pcesvn + "-" + q.pceid;
}

std::optional<PckCertQuery> PckCertQueryOfKey(std::string_view key) {
  std::string_view parts[4];
  std::string_view rest = key;
  for (size_t i = 0; i < 3; ++i) {
    size_t dash = rest.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    parts[i] = rest.substr(0, dash);
    rest = rest.substr(dash + 1);
  }
  parts[3] = rest;
  auto q = ParsePckCertQuery(parts[0], parts[1], parts[2], parts[3]);
  // Only the canonical form (lowercase) is a key.
  if (!q.ok() || PckCertKey(*q) != key) return std::nullopt;
  return std::move(q).value();
}

}  // namespace kms::pccs
