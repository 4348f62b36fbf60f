#include "pccs/collateral_store.h"

namespace kms::pccs {

std::string_view PutOutcomeName(PutOutcome o) {
  switch (o) {
    case PutOutcome::kStored:
      return "stored";
    case PutOutcome::kReplaced:
      return "replaced";
    case PutOutcome::kUnchanged:
      return "unchanged";
    case PutOutcome::kKeptHeld:
      return "kept newer held item";
  }
  return "unknown";
}

PutOutcome OrderAgainstHeld(const CollateralItem* held, const CollateralItem& item) {
  if (held == nullptr) return PutOutcome::kStored;
  if (item.issue_date < held->issue_date) return PutOutcome::kKeptHeld;
  if (item.issue_date == held->issue_date) {
    return held->body == item.body ? PutOutcome::kUnchanged : PutOutcome::kKeptHeld;
  }
  return PutOutcome::kReplaced;
}

}  // namespace kms::pccs
