#include "pccs/collateral_service.h"

#include "attest/cert_chain.h"
#include "attest/intel_root_ca.h"
#include "attest/pck_cert.h"
#include "common/log.h"
#include "pccs/collateral_import.h"
#include "pccs/pck_cert_item.h"

namespace kms::pccs {
namespace {

std::string_view ResultOf(const Status& s) {
  if (s.ok()) return "ok";
  if (s.code() == Code::kNotFound) return "not_found";
  if (s.code() == Code::kInvalidArgument) return "refused";
  return "unavailable";
}

// Items remembered as missing upstream or failing to refresh; forgotten all at once beyond.
constexpr size_t kMaxRemembered = 4096;

}  // namespace

CollateralService::CollateralService(std::unique_ptr<CollateralStore> store,
                                     ServiceOptions options, PccsMetrics& metrics)
    : store_(std::move(store)),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : SystemClock::Instance()),
      metrics_(metrics),
      anchor_(std::move(attest::CertFromDer(attest::IntelSgxRootCaDer())).value()) {}

StatusOr<std::unique_ptr<CollateralService>> CollateralService::New(
    std::unique_ptr<CollateralStore> store, ServiceOptions options, PccsMetrics& metrics) {
  std::unique_ptr<CollateralService> s(
      new CollateralService(std::move(store), std::move(options), metrics));
  KMS_RETURN_IF_ERROR(s->Reload());
  return s;
}

CollateralService::~CollateralService() { StopRefresher(); }

Status CollateralService::Reload() {
  // The version first: a commit between the two reads makes the next check reload again.
  KMS_ASSIGN_OR_RETURN(int64_t version, store_->Version());
  KMS_ASSIGN_OR_RETURN(std::vector<CollateralItem> items, store_->List());
  auto view = std::make_shared<const CollateralView>(std::move(items));
  std::lock_guard<std::mutex> lock(view_mu_);
  view_ = std::move(view);
  view_version_ = version;
  return Status::Ok();
}

bool CollateralService::ReloadIfChanged() {
  auto version = store_->Version();
  if (!version.ok()) return false;
  {
    std::lock_guard<std::mutex> lock(view_mu_);
    if (*version == view_version_) return false;
  }
  std::lock_guard<std::mutex> lock(fetch_mu_);
  Status s = Reload();
  if (!s.ok()) {
    log::Warn("pccs.reload_failed", {{"error", s.message()}});
    return false;
  }
  log::Info("pccs.reloaded", {{"items", View()->items().size()}});
  return true;
}

std::shared_ptr<const CollateralView> CollateralService::View() const {
  std::lock_guard<std::mutex> lock(view_mu_);
  return view_;
}

Status CollateralService::Readiness() const {
  if (has_upstream() || View()->Count(ItemKind::kTcbInfo) > 0) return Status::Ok();
  return Status::Unavailable("no TCB info held and no upstream (ehsm-pccs import)");
}

Status CollateralService::FetchLocked(ItemKind kind, const std::string& key,
                                      const std::string& upstream_path) {
  std::vector<CollateralItem> batch;
  if (kind != ItemKind::kRootCaCrl && View()->Find(ItemKind::kRootCaCrl, "root") == nullptr) {
    auto root = options_.upstream->Fetch(ItemKind::kRootCaCrl, "root");
    if (!root.ok()) return root.status();
    batch.push_back(std::move(root).value());
  }
  auto item = options_.upstream->Fetch(kind, key, upstream_path);
  if (!item.ok()) return item.status();
  // A PCK certificate's chain is checked against its CA's CRL too: fetched with it when none
  // is held.
  if (kind == ItemKind::kPckCert) {
    auto chain = attest::ParsePemChain(item->issuer_chain, 2);
    if (!chain.ok() || chain->empty()) {
      return Status::InvalidArgument("PckChainError: " + Describe(kind, key) +
                                     ": the issuer chain does not parse");
    }
    KMS_ASSIGN_OR_RETURN(std::string ca, PckCaType(*(*chain)[0]));
    if (View()->Find(ItemKind::kPckCrl, ca) == nullptr) {
      auto crl = options_.upstream->Fetch(ItemKind::kPckCrl, ca);
      if (!crl.ok()) return crl.status();
      batch.push_back(std::move(crl).value());
    }
  }
  batch.push_back(std::move(item).value());
  auto stored = VerifyAndStore(std::move(batch), *store_, *anchor_, NowSeconds());
  if (!stored.ok()) return stored.status();
  for (const ImportedItem& i : *stored) {
    log::Info("pccs.fetched", {{"item", i.description},
                               {"source", i.source},
                               {"outcome", std::string(PutOutcomeName(i.outcome))},
                               {"next_update", i.next_update}});
  }
  return Reload();
}

Status CollateralService::FetchThrough(ItemKind kind, const std::string& key,
                                       const std::string& upstream_path) {
  if (!has_upstream()) return Status::NotFound("no upstream");
  std::lock_guard<std::mutex> lock(fetch_mu_);
  if (View()->Find(kind, key) != nullptr) return Status::Ok();  // another miss fetched it
  // What the upstream just said it lacks is not asked for again until retry_after_s, so a
  // client asking for made-up FMSPCs cannot turn each request into an upstream request.
  const auto id = std::make_pair(kind, key);
  const int64_t now = NowSeconds();
  auto known = retry_at_.find(id);
  if (known != retry_at_.end() && known->second > now) {
    return Status::NotFound(Describe(kind, key) + ": not at the upstream (asked recently)");
  }
  Status s = FetchLocked(kind, key, upstream_path);
  metrics_.CountUpstream(ResultOf(s));
  if (s.code() == Code::kNotFound) {
    if (retry_at_.size() >= kMaxRemembered) retry_at_.clear();
    retry_at_[id] = now + options_.retry_after_s;
  }
  if (!s.ok()) {
    log::Warn("pccs.fetch_failed", {{"item", Describe(kind, key)}, {"error", s.message()}});
  }
  return s;
}

int CollateralService::RefreshDue() {
  if (!has_upstream()) return 0;
  std::lock_guard<std::mutex> lock(fetch_mu_);
  const int64_t now = NowSeconds();
  int replaced = 0;
  std::shared_ptr<const CollateralView> view = View();
  for (const CollateralItem& held : view->items()) {
    if (held.next_update - options_.refresh_ahead_s > now) continue;
    auto id = std::make_pair(held.kind, held.key);
    auto retry = retry_at_.find(id);
    if (retry != retry_at_.end() && retry->second > now) continue;
    Status s = FetchLocked(held.kind, held.key, "");
    metrics_.CountUpstream(ResultOf(s));
    const CollateralItem* now_held = View()->Find(held.kind, held.key);
    if (s.ok() && now_held != nullptr && now_held->issue_date > held.issue_date) {
      ++replaced;
      retry_at_.erase(id);
      continue;
    }
    // Nothing newer yet (or a failure): keep the held item, try again later.
    retry_at_[id] = now + options_.retry_after_s;
    if (!s.ok()) {
      log::Warn("pccs.refresh_failed", {{"item", Describe(held.kind, held.key)},
                                        {"error", s.message()},
                                        {"next_update", held.next_update}});
    }
  }
  return replaced;
}

void CollateralService::StartRefresher() {
  if (refresher_.joinable()) return;
  refresher_ = std::thread([this] { RefresherLoop(); });
}

void CollateralService::StopRefresher() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void CollateralService::RefresherLoop() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    lock.unlock();
    ReloadIfChanged();
    RefreshDue();
    lock.lock();
    stop_cv_.wait_for(lock, std::chrono::milliseconds(options_.refresher_poll_ms),
                      [this] { return stopping_; });
  }
}

}  // namespace kms::pccs
