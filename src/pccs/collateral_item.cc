#include "pccs/collateral_item.h"

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
  }
  return "unknown";
}

std::optional<ItemKind> KindFromName(std::string_view name) {
  for (ItemKind k : {ItemKind::kTcbInfo, ItemKind::kEnclaveIdentity, ItemKind::kPckCrl,
                     ItemKind::kRootCaCrl}) {
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
  }
  return std::string(key);
}

std::string TcbInfoKey(bool tdx, ByteView fmspc) {
  return std::string(tdx ? "tdx-" : "sgx-") + HexEncode(fmspc);
}

}  // namespace kms::pccs
