#include "pccs/collateral_files.h"

#include <algorithm>
#include <filesystem>

#include "attest/collateral.h"
#include "attest/pcs_response.h"
#include "common/percent_encoding.h"

namespace kms::pccs {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxFiles = 4096;

CollateralItem SignedItem(ItemKind kind, std::string chain, std::string text, Bytes sig,
                          const std::string& source) {
  CollateralItem i;
  i.kind = kind;
  i.issuer_chain = std::move(chain);
  i.body = std::move(text);
  i.signature = std::move(sig);
  i.source = source;
  return i;
}

CollateralItem CrlItem(ItemKind kind, std::string chain, ByteView der, const std::string& source) {
  CollateralItem i;
  i.kind = kind;
  i.key = kind == ItemKind::kRootCaCrl ? "root" : "";
  i.issuer_chain = std::move(chain);
  i.body.assign(AsChars(der));
  i.source = source;
  return i;
}

std::vector<CollateralItem> ItemsOfBundle(attest::Collateral c, const std::string& source) {
  std::vector<CollateralItem> items;
  items.push_back(CrlItem(ItemKind::kRootCaCrl, "", c.root_ca_crl, source));
  items.push_back(CrlItem(ItemKind::kPckCrl, std::move(c.pck_crl_issuer_chain), c.pck_crl, source));
  items.push_back(SignedItem(ItemKind::kTcbInfo, std::move(c.tcb_info_issuer_chain),
                             std::move(c.tcb_info), std::move(c.tcb_info_signature), source));
  items.push_back(SignedItem(ItemKind::kEnclaveIdentity, std::move(c.qe_identity_issuer_chain),
                             std::move(c.qe_identity), std::move(c.qe_identity_signature),
                             source));
  return items;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// A response saved with its headers: the last header block (curl may save a "100 Continue"
// block first) and the body after it.
StatusOr<CollateralItem> ItemOfSavedResponse(const std::string& path, std::string_view text) {
  size_t end = text.find("\r\n\r\n");
  size_t skip = 4;
  if (end == std::string_view::npos) {
    end = text.find("\n\n");
    skip = 2;
  }
  if (end == std::string_view::npos) {
    return Status::InvalidArgument(path + ": HTTP response without a blank line after its headers");
  }
  std::string_view head = text.substr(0, end);
  std::string_view body = text.substr(end + skip);
  if (body.starts_with("HTTP/")) return ItemOfSavedResponse(path, body);
  if (head.find(" 200") == std::string_view::npos || head.find(" 200") > head.find('\n')) {
    return Status::InvalidArgument(path + ": not a 200 response");
  }
  std::string_view known[] = {"tcb-info-issuer-chain", "sgx-tcb-info-issuer-chain",
                              "sgx-enclave-identity-issuer-chain", "sgx-pck-crl-issuer-chain"};
  while (!head.empty()) {
    size_t nl = head.find('\n');
    std::string_view line = Trim(head.substr(0, nl));
    head = nl == std::string_view::npos ? std::string_view() : head.substr(nl + 1);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name = Lower(Trim(line.substr(0, colon)));
    if (std::find(std::begin(known), std::end(known), name) == std::end(known)) continue;
    return ItemOfResponse(name, Trim(line.substr(colon + 1)), body, path);
  }
  return Status::InvalidArgument(path + ": a response without an issuer chain header (" +
                                 "TCB-Info-Issuer-Chain, SGX-Enclave-Identity-Issuer-Chain or " +
                                 "SGX-PCK-CRL-Issuer-Chain)");
}

}  // namespace

StatusOr<CollateralItem> ItemOfResponse(std::string_view header_name,
                                        std::string_view chain_header, std::string_view body,
                                        const std::string& source) {
  std::optional<std::string> chain = PercentDecode(chain_header);
  if (!chain) return Status::InvalidArgument(source + ": issuer chain header is not percent-encoded");
  auto fail = [&source](const Status& s) { return Status::InvalidArgument(source + ": " + s.message()); };
  if (header_name == "tcb-info-issuer-chain" || header_name == "sgx-tcb-info-issuer-chain") {
    auto s = attest::ParsePcsSignedJson(body, "tcbInfo");
    if (!s.ok()) return fail(s.status());
    return SignedItem(ItemKind::kTcbInfo, *chain, s->text, s->signature, source);
  }
  if (header_name == "sgx-enclave-identity-issuer-chain") {
    auto s = attest::ParsePcsSignedJson(body, "enclaveIdentity");
    if (!s.ok()) return fail(s.status());
    return SignedItem(ItemKind::kEnclaveIdentity, *chain, s->text, s->signature, source);
  }
  if (header_name == "sgx-pck-crl-issuer-chain") {
    auto der = attest::DecodeCrl(body);
    if (!der.ok()) return fail(der.status());
    return CrlItem(ItemKind::kPckCrl, *chain, *der, source);
  }
  return Status::InvalidArgument(source + ": unknown issuer chain header " + std::string(header_name));
}

StatusOr<std::vector<CollateralItem>> ItemsOfFile(const std::string& path,
                                                  std::string_view content) {
  if (content.size() > attest::kMaxCollateralJsonSize) {
    return Status::InvalidArgument(path + ": larger than " +
                                   std::to_string(attest::kMaxCollateralJsonSize) + " bytes");
  }
  if (content.starts_with("HTTP/")) {
    KMS_ASSIGN_OR_RETURN(CollateralItem item, ItemOfSavedResponse(path, content));
    return std::vector<CollateralItem>{std::move(item)};
  }
  std::string_view trimmed = Trim(content);
  if (trimmed.starts_with("{")) {
    if (trimmed.find("\"tcb_info\"") == std::string_view::npos) {
      return Status::InvalidArgument(
          path + ": a JSON body without its issuer chain: save PCS responses with their "
                 "headers (curl -i), or use the dcap-qvl bundle form");
    }
    auto c = attest::ParseCollateralJson(content);
    if (!c.ok()) return Status::InvalidArgument(path + ": " + c.status().message());
    return ItemsOfBundle(std::move(c).value(), path);
  }
  auto der = attest::DecodeCrl(content);
  if (!der.ok()) {
    return Status::InvalidArgument(path + ": neither a collateral bundle, a saved PCS response "
                                          "nor a CRL");
  }
  return std::vector<CollateralItem>{CrlItem(ItemKind::kRootCaCrl, "", *der, path)};
}

StatusOr<std::vector<std::string>> ImportPaths(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return std::vector<std::string>{path};
  fs::directory_iterator it(path, ec);
  if (ec) return Status::NotFound(path + ": " + ec.message());
  std::vector<std::string> paths;
  for (const fs::directory_entry& e : it) {
    if (e.path().filename().string().starts_with(".") || !e.is_regular_file(ec)) continue;
    if (paths.size() == kMaxFiles) {
      return Status::InvalidArgument(path + ": more than " + std::to_string(kMaxFiles) + " files");
    }
    paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

}  // namespace kms::pccs
