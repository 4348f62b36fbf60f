#include "pccs/collateral_item.h"

#include <cctype>
#include <span>

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
        // The encrypted PPID is 768 digits: its start tells queries apart in messages.
        return "PCK certificate pceid " + q->pceid + " cpusvn " + q->cpusvn + " pcesvn " +
               q->pcesvn +
               (q->qeid.empty() ? " ppid " + q->encrypted_ppid.substr(0, 8) + "..."
                                : " qeid " + q->qeid);
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

constexpr size_t kEncryptedPpidBytes = 384, kCpuSvnBytes = 16, kSvnBytes = 2, kQeIdBytes = 16;
constexpr std::string_view kQeKeyPrefix = "qe";  // not hex: no encrypted PPID starts with it

struct Field {
  const char* name;
  std::string_view value;
  size_t bytes;
  std::string* out;
};

Status ParseFields(std::span<const Field> fields) {
  for (const Field& f : fields) {
    std::optional<std::string> h = HexOf(f.value, f.bytes);
    if (!h) {
      return Status::InvalidArgument(std::string(f.name) + " must be " +
                                     std::to_string(2 * f.bytes) + " hex digits");
    }
    *f.out = std::move(*h);
  }
  return Status::Ok();
}

}  // namespace

StatusOr<PckCertQuery> ParsePckCertQuery(std::string_view encrypted_ppid, std::string_view cpusvn,
                                         std::string_view pcesvn, std::string_view pceid,
                                         std::string_view qeid) {
  PckCertQuery q;
  const Field fields[] = {{"encrypted_ppid", encrypted_ppid, kEncryptedPpidBytes, &q.encrypted_ppid},
                          {"cpusvn", cpusvn, kCpuSvnBytes, &q.cpusvn},
                          {"pcesvn", pcesvn, kSvnBytes, &q.pcesvn},
                          {"pceid", pceid, kSvnBytes, &q.pceid}};
  KMS_RETURN_IF_ERROR(ParseFields(fields));
  if (!qeid.empty()) {
    const Field qe[] = {{"qeid", qeid, kQeIdBytes, &q.qeid}};
    KMS_RETURN_IF_ERROR(ParseFields(qe));
  }
  return q;
}

std::string PckCertKey(const PckCertQuery& q) {
  const std::string platform = q.qeid.empty() ? q.encrypted_ppid : std::string(kQeKeyPrefix) + q.qeid;
  return platform + "-" + q.cpusvn + "-" + q.pcesvn + "-" + q.pceid;
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
  PckCertQuery q;
  const bool by_qe = parts[0].starts_with(kQeKeyPrefix);
  const Field fields[] = {
      by_qe ? Field{"qeid", parts[0].substr(kQeKeyPrefix.size()), kQeIdBytes, &q.qeid}
            : Field{"encrypted_ppid", parts[0], kEncryptedPpidBytes, &q.encrypted_ppid},
      {"cpusvn", parts[1], kCpuSvnBytes, &q.cpusvn},
      {"pcesvn", parts[2], kSvnBytes, &q.pcesvn},
      {"pceid", parts[3], kSvnBytes, &q.pceid}};
  // Only the canonical form (lowercase) is a key.
  if (!ParseFields(fields).ok() || PckCertKey(q) != key) return std::nullopt;
  return q;
}

}  // namespace kms::pccs
