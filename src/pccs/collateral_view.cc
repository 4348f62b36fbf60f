#include "pccs/collateral_view.h"

#include <algorithm>

#include "attest/pcs_response.h"
#include "common/percent_encoding.h"
#include "pccs/pck_cert_item.h"

namespace kms::pccs {

namespace {

RenderedItem Render(const CollateralItem& item) {
  RenderedItem r;
  r.encoded_chain = PercentEncode(item.issuer_chain);
  if (item.kind == ItemKind::kTcbInfo || item.kind == ItemKind::kEnclaveIdentity) {
    r.body = attest::PcsSignedJsonBody(
        item.kind == ItemKind::kTcbInfo ? "tcbInfo" : "enclaveIdentity", item.body,
        item.signature);
  } else if (item.kind == ItemKind::kPckCert) {
    r.body = item.body;
    // Verified before it was stored, so this parses; without them the certificate still goes.
    if (auto h = PckCertHeaders(item); h.ok()) r.headers = std::move(h).value();
  } else {
    r.body = HexEncode(AsBytes(item.body));
  }
  return r;
}

}  // namespace

CollateralView::CollateralView(std::vector<CollateralItem> items) : items_(std::move(items)) {
  rendered_.reserve(items_.size());
  for (size_t i = 0; i < items_.size(); ++i) {
    index_[{items_[i].kind, items_[i].key}] = i;
    rendered_.push_back(Render(items_[i]));
  }
}

const CollateralItem* CollateralView::Find(ItemKind kind, std::string_view key) const {
  auto it = index_.find(std::make_pair(kind, std::string(key)));
  return it == index_.end() ? nullptr : &items_[it->second];
}

size_t CollateralView::Count(ItemKind kind) const {
  return static_cast<size_t>(std::count_if(items_.begin(), items_.end(),
                                           [kind](const CollateralItem& i) { return i.kind == kind; }));
}

std::optional<int64_t> CollateralView::EarliestNextUpdate() const {
  std::optional<int64_t> earliest;
  for (const CollateralItem& i : items_) {
    if (!earliest || i.next_update < *earliest) earliest = i.next_update;
  }
  return earliest;
}

}  // namespace kms::pccs
