#pragma once
// CollateralService: what ehsm-pccs serves from. It owns the store, keeps the current
// CollateralView for the request path, and, with an upstream, fills misses (fetch-through)
// and refreshes each item before its nextUpdate. Everything that goes into the store passes
// VerifyAndStore (collateral_import.h) as of the clock's now; a failed fetch or refresh keeps
// the held item and is logged and counted.
//
// Thread-safe. FetchThrough and RefreshDue block on the network: call them from worker
// threads or the refresher thread, never an event loop.

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "crypto/ossl_ptr.h"
#include "pccs/collateral_import.h"
#include "pccs/collateral_store.h"
#include "pccs/collateral_view.h"
#include "pccs/pccs_metrics.h"
#include "pccs/upstream_pcs.h"

namespace kms::pccs {

struct ServiceOptions {
  const Clock* clock = nullptr;            // null = system clock
  std::unique_ptr<UpstreamPcs> upstream;   // null: serve only what is held
  int64_t refresh_ahead_s = 24 * 3600;     // refresh an item this long before its nextUpdate
  int64_t retry_after_s = 300;             // after a failed refresh, try that item again then
  int64_t refresher_poll_ms = 2000;       // the background thread looks at the store and clock this often
};

class CollateralService {
 public:
  // Takes the store and reads its items. Errors: the store's.
  static StatusOr<std::unique_ptr<CollateralService>> New(std::unique_ptr<CollateralStore> store,
                                                          ServiceOptions options,
                                                          PccsMetrics& metrics);
  ~CollateralService();

  // The current snapshot; never null.
  std::shared_ptr<const CollateralView> View() const;
  bool has_upstream() const { return options_.upstream != nullptr; }
  int64_t NowSeconds() const { return clock_.NowMs() / 1000; }

  // OK when the store is open and it holds a TCB info, or an upstream can fill misses.
  Status Readiness() const;

  // For a miss: fetches the item from the upstream (and the root CA CRL first when none is
  // held), verifies and stores it, renews the view. kNotFound without an upstream or when it
  // does not have it; kUnavailable when it cannot be reached; kInvalidArgument when what it
  // sent does not verify. An item the upstream lacked is not asked for again within
  // retry_after_s (kNotFound at once).
  // `upstream_path`, when given, is what the upstream is asked (UpstreamPcs::Fetch).
  Status FetchThrough(ItemKind kind, const std::string& key, const std::string& upstream_path = "");

  // Refetches every held item whose nextUpdate is within refresh_ahead_s of now (and not
  // retried within retry_after_s). Returns how many were replaced by a newer item.
  int RefreshDue();

  // Renews the view when the store changed under it (an `ehsm-pccs import` by another
  // process). Returns whether it did.
  bool ReloadIfChanged();

  // Starts/stops the thread that calls ReloadIfChanged and RefreshDue every
  // refresher_poll_ms. Stop is idempotent and called by the destructor.
  void StartRefresher();
  void StopRefresher();

 private:
  CollateralService(std::unique_ptr<CollateralStore> store, ServiceOptions options,
                    PccsMetrics& metrics);
  Status Reload();
  Status FetchLocked(ItemKind kind, const std::string& key, const std::string& upstream_path);
  void RefresherLoop();

  std::unique_ptr<CollateralStore> store_;
  ServiceOptions options_;
  const Clock& clock_;
  PccsMetrics& metrics_;
  crypto::OsslPtr<X509> anchor_;

  mutable std::mutex view_mu_;
  std::shared_ptr<const CollateralView> view_;  // guarded by view_mu_
  int64_t view_version_ = -1;                    // guarded by view_mu_: the store's, at view_

  std::mutex fetch_mu_;  // one upstream fetch at a time; misses for one item fetch it once
  std::map<std::pair<ItemKind, std::string>, int64_t> retry_at_;  // guarded by fetch_mu_

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by stop_mu_
  std::thread refresher_;
};

}  // namespace kms::pccs
