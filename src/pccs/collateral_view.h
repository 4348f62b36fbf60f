#pragma once
// CollateralView: an immutable snapshot of what the store holds, which the request path reads
// without touching the store. A new snapshot is taken after every write (import at start,
// fetch-through, refresh), so readers during a refresh see either the old or the new item,
// never a half-written one.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pccs/collateral_item.h"

namespace kms::pccs {

// What is sent for an item, rendered once per snapshot rather than once per request.
struct RenderedItem {
  std::string body;           // JSON items: the PCS body; CRLs: hex of the DER; PCK certs: PEM
  std::string encoded_chain;  // the issuer chain, percent-encoded for its header
  // Headers sent besides the chain: a PCK certificate's SGX-TCBm, SGX-FMSPC and CA type.
  std::vector<std::pair<std::string, std::string>> headers;
};

class CollateralView {
 public:
  explicit CollateralView(std::vector<CollateralItem> items);

  // The item of `kind` and `key`, or null.
  const CollateralItem* Find(ItemKind kind, std::string_view key) const;
  // The rendering of an item Find returned.
  const RenderedItem& Rendered(const CollateralItem& item) const {
    return rendered_[static_cast<size_t>(&item - items_.data())];
  }
  const std::vector<CollateralItem>& items() const { return items_; }
  size_t Count(ItemKind kind) const;
  // The earliest nextUpdate of all items; nullopt when empty.
  std::optional<int64_t> EarliestNextUpdate() const;

 private:
  std::vector<CollateralItem> items_;
  std::vector<RenderedItem> rendered_;  // parallel to items_
  std::map<std::pair<ItemKind, std::string>, size_t, std::less<>> index_;
};

}  // namespace kms::pccs
