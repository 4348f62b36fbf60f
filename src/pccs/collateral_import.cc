#include "pccs/collateral_import.h"

#include <algorithm>
#include <map>

#include "attest/cert_chain.h"
#include "common/file_util.h"
#include "pccs/collateral_files.h"
#include "pccs/item_verifier.h"

namespace kms::pccs {
namespace {

// The root CA CRL the other items' chains are checked with: the newest of the batch that
// verified, else the held one.
StatusOr<crypto::OsslPtr<X509_CRL>> RootCrlFor(const std::vector<CollateralItem>& verified_roots,
                                               const CollateralStore& store) {
  const CollateralItem* best = nullptr;
  for (const CollateralItem& r : verified_roots) {
    if (best == nullptr || r.issue_date > best->issue_date) best = &r;
  }
  std::vector<CollateralItem> held;
  if (best == nullptr) {
    KMS_ASSIGN_OR_RETURN(held, store.List());
    for (const CollateralItem& i : held) {
      if (i.kind == ItemKind::kRootCaCrl) best = &i;
    }
  }
  if (best == nullptr) return crypto::OsslPtr<X509_CRL>();
  return attest::CrlFromDer(AsBytes(best->body));
}

// The PCK CRLs a PCK certificate's chain is checked with: those of the batch that verified,
// else the held one of each CA.
StatusOr<std::vector<crypto::OsslPtr<X509_CRL>>> PckCrlsFor(
    const std::vector<const CollateralItem*>& verified, const CollateralStore& store) {
  std::map<std::string, const CollateralItem*> newest;
  for (const CollateralItem* c : verified) {
    const CollateralItem*& best = newest[c->key];
    if (best == nullptr || c->issue_date > best->issue_date) best = c;
  }
  KMS_ASSIGN_OR_RETURN(std::vector<CollateralItem> held, store.List());
  for (const CollateralItem& i : held) {
    if (i.kind == ItemKind::kPckCrl && newest.find(i.key) == newest.end()) newest[i.key] = &i;
  }
  std::vector<crypto::OsslPtr<X509_CRL>> out;
  for (const auto& [key, item] : newest) {
    KMS_ASSIGN_OR_RETURN(crypto::OsslPtr<X509_CRL> crl, attest::CrlFromDer(AsBytes(item->body)));
    out.push_back(std::move(crl));
  }
  return out;
}

// The order of verification: root CA CRLs check every chain, PCK CRLs the PCK certificates'.
int VerifyRank(const CollateralItem& i) {
  if (i.kind == ItemKind::kRootCaCrl) return 0;
  if (i.kind == ItemKind::kPckCrl) return 1;
  return i.kind == ItemKind::kPckCert ? 3 : 2;
}

// Whether `name`, from a verifier's reason, names `item` again: its description, that of its
// kind, or (for identities, described generically before their id is known) "<id> identity".
bool NamesItem(std::string_view name, const CollateralItem& item) {
  if (name == Describe(item.kind, item.key) || name == Describe(item.kind, "")) return true;
  return item.kind == ItemKind::kEnclaveIdentity && name.ends_with(" identity") &&
         name.find(' ') == name.size() - 9;
}

// "<source>: <item>: <status>: <reason>". Verifiers name the item in their reasons
// ("TcbInfoSignatureInvalid: TCB info: signature does not verify"); that name is not repeated,
// but kept as the item's when it says more ("QE identity" for "enclave identity").
std::string Line(const CollateralItem& item, const Status& s) {
  std::string item_name = Describe(item.kind, item.key);
  std::string reason = s.message();
  const size_t status_end = reason.find(": ");
  const size_t name_end = status_end == std::string::npos ? std::string::npos
                                                          : reason.find(": ", status_end + 2);
  if (name_end != std::string::npos) {
    std::string_view name = std::string_view(reason).substr(status_end + 2,
                                                            name_end - status_end - 2);
    if (NamesItem(name, item)) {
      if (item.key.empty()) item_name = std::string(name);
      reason.erase(status_end + 2, name_end - status_end);
    }
  }
  return item.source + ": " + item_name + ": " + reason;
}

}  // namespace

StatusOr<std::vector<ImportedItem>> VerifyAndStore(std::vector<CollateralItem> items,
                                                   CollateralStore& store, X509& anchor,
                                                   int64_t at) {
  // Root CA CRLs first: the others' chains are checked against one.
  std::stable_sort(items.begin(), items.end(), [](const CollateralItem& a, const CollateralItem& b) {
    return VerifyRank(a) < VerifyRank(b);
  });
  std::vector<std::string> refused;
  std::vector<CollateralItem> roots;
  size_t i = 0;
  for (; i < items.size() && items[i].kind == ItemKind::kRootCaCrl; ++i) {
    Status s = VerifyItem(items[i], anchor, nullptr, at);
    if (s.ok()) roots.push_back(items[i]);
    else refused.push_back(Line(items[i], s));
  }
  KMS_ASSIGN_OR_RETURN(crypto::OsslPtr<X509_CRL> root_crl, RootCrlFor(roots, store));
  std::vector<const CollateralItem*> pck_crls;
  for (; i < items.size() && items[i].kind != ItemKind::kPckCert; ++i) {
    Status s = VerifyItem(items[i], anchor, root_crl.get(), at);
    if (!s.ok()) refused.push_back(Line(items[i], s));
    else if (items[i].kind == ItemKind::kPckCrl) pck_crls.push_back(&items[i]);
  }
  if (i < items.size()) {
    KMS_ASSIGN_OR_RETURN(std::vector<crypto::OsslPtr<X509_CRL>> crls, PckCrlsFor(pck_crls, store));
    std::vector<X509_CRL*> raw;
    for (const auto& c : crls) raw.push_back(c.get());
    for (; i < items.size(); ++i) {
      Status s = VerifyItem(items[i], anchor, root_crl.get(), at, raw);
      if (!s.ok()) refused.push_back(Line(items[i], s));
    }
  }
  if (!refused.empty()) {
    std::string msg = std::to_string(refused.size()) + " item(s) refused, nothing stored:";
    for (const std::string& r : refused) msg += "\n  " + r;
    return Status::InvalidArgument(msg);
  }
  KMS_ASSIGN_OR_RETURN(std::vector<PutOutcome> outcomes, store.PutAll(items));
  std::vector<ImportedItem> out;
  for (size_t k = 0; k < items.size(); ++k) {
    out.push_back({items[k].source, Describe(items[k].kind, items[k].key), outcomes[k],
                   items[k].next_update});
  }
  return out;
}

StatusOr<std::vector<ImportedItem>> ImportPath(const std::string& path, CollateralStore& store,
                                               X509& anchor, int64_t at) {
  KMS_ASSIGN_OR_RETURN(std::vector<std::string> paths, ImportPaths(path));
  if (paths.empty()) return Status::InvalidArgument(path + ": no files to import");
  std::vector<CollateralItem> items;
  std::vector<std::string> unreadable;
  for (const std::string& p : paths) {
    auto content = ReadFileBytes(p);
    auto file_items = content.ok() ? ItemsOfFile(p, AsChars(*content))
                                   : StatusOr<std::vector<CollateralItem>>(content.status());
    if (!file_items.ok()) {
      unreadable.push_back(file_items.status().message());
      continue;
    }
    for (CollateralItem& i : *file_items) items.push_back(std::move(i));
  }
  if (!unreadable.empty()) {
    std::string msg = std::to_string(unreadable.size()) + " file(s) refused, nothing stored:";
    for (const std::string& r : unreadable) msg += "\n  " + r;
    return Status::InvalidArgument(msg);
  }
  return VerifyAndStore(std::move(items), store, anchor, at);
}

}  // namespace kms::pccs
