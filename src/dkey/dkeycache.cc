#include "dkey/dkeycache.h"

#include <sys/stat.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/backoff.h"
#include "common/file_util.h"
#include "common/log.h"
#include "dkey/daemon_metrics.h"
#include "dkey/health_server.h"
#include "dkey/local_dk_server.h"
#include "dkey/sealed_dk.h"
#include "attest/collateral_config.h"
#include "tee/platform_factory.h"

namespace kms::dkey {
namespace {

class DkeyCacheImpl final : public DkeyCache {
 public:
  explicit DkeyCacheImpl(Policy policy) : policy_(std::move(policy)) {}
  ~DkeyCacheImpl() override { Stop(); }

  Status Init(const DkeyCacheConfig& c, const DkUpstreamFactory& make_upstream) {
    config_ = c;
    // The data dir holds the sealed copy and the platform secret: owner-only, whatever umask
    // the operator's shell had (the socket's mode is set explicitly).
    ::umask(077);
    KMS_RETURN_IF_ERROR(EnsureDirectory(c.data_dir));
    KMS_ASSIGN_OR_RETURN(platform_, tee::OpenPlatform(tee::ToPlatformSpec(c.identity)));
    KMS_ASSIGN_OR_RETURN(std::shared_ptr<const attest::CollateralSource> collateral,
                         attest::MakeCollateralSource(c.collateral, "dkeycache"));
    sealed_ = std::make_unique<SealedDomainKeyFile>(*platform_, c.data_dir);
    LoadSealedCopy();
    upstream_ = make_upstream(c, *platform_, policy_, std::move(collateral));
    KMS_ASSIGN_OR_RETURN(local_, LocalDkServer::Start({.socket_path = c.socket}, *platform_,
                                                      policy_, [this] { return Grantable(); }));
    if (c.health_port >= 0) {
      RegisterDaemonMetrics(metrics_, "ehsm-dkeycache", [this] { return dk_id(); }, [this] { return Ready(); });
      KMS_ASSIGN_OR_RETURN(health_, HealthServer::Start(
                                        {.host = c.host,
                                         .port = static_cast<uint16_t>(c.health_port),
                                         .metrics = &metrics_,
                                         .metrics_token = c.metrics_token},
                                        [this] { return Ready(); }));
    }
    log::Info("dkeycache.started",
              {{"socket", c.socket},
               {"upstream", upstream_->Describe()},
               {"health_port", health_ ? std::to_string(health_->port()) : std::string("-")},
               {"ready", Ready().ok() ? "true" : "false"}});
    loop_ = std::thread([this] { FetchLoop(); });
    return Status::Ok();
  }

  std::optional<uint16_t> health_port() const override {
    if (!health_) return std::nullopt;
    return health_->port();
  }

  Status Ready() const override {
    std::lock_guard lock(mu_);
    if (!dk_.empty()) return Status::Ok();
    return Status::Unavailable(not_ready_);
  }

  std::string dk_id() const override {
    std::lock_guard lock(mu_);
    return dk_id_;
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (loop_.joinable()) loop_.join();
    local_.reset();
    health_.reset();
  }

 private:
  void LoadSealedCopy() {
    if (!sealed_->Exists()) {
      SetNotReady("no domain key yet: waiting for a dkeyserver");
      return;
    }
    auto loaded = sealed_->Load();
    if (!loaded.ok()) {
      log::Warn("dkeycache.sealed_copy_unreadable",
                {{"path", sealed_->path()}, {"error", loaded.status().message()}});
      SetNotReady("no domain key yet: the sealed copy does not unseal; waiting for a dkeyserver");
      return;
    }
    auto id = DomainKeyId(loaded->view());
    if (!id.ok()) return SetNotReady(id.status().message());
    log::Info("dkeycache.domain_key_loaded", {{"dk_id", *id}, {"path", sealed_->path()}});
    std::lock_guard lock(mu_);
    dk_ = std::move(loaded).value();
    dk_id_ = std::move(id).value();
  }

  void SetNotReady(const std::string& reason) {
    std::lock_guard lock(mu_);
    not_ready_ = reason;
  }

  StatusOr<SecretBytes> Grantable() const {
    std::lock_guard lock(mu_);
    if (dk_.empty()) return Status::Unavailable("the dkeycache holds no domain key yet");
    return dk_.Clone();
  }

  // Returns false when stopping.
  bool WaitFor(std::chrono::milliseconds delay) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, delay, [this] { return stopping_; });
  }

  void FetchLoop() {
    Backoff backoff(std::chrono::milliseconds(config_.retry_initial_ms),
                    std::chrono::milliseconds(config_.retry_max_ms));
    for (;;) {
      auto fetched = upstream_->Fetch();
      std::chrono::milliseconds delay(config_.revalidate_ms);
      if (fetched.ok()) {
        backoff.Reset();
        Adopt(*fetched);
      } else {
        delay = backoff.Next();
        const bool held = Ready().ok();
        if (!held) SetNotReady("no domain key yet: " + fetched.status().message());
        log::Warn("dkeycache.fetch_retry",
                  {{"attempt", backoff.attempts()},
                   {"delay_ms", static_cast<int64_t>(delay.count())},
                   {"holding_dk", held ? "true" : "false"},
                   {"error", fetched.status().message()}});
      }
      if (!WaitFor(delay)) return;
    }
  }

  void Adopt(FetchedDomainKey& fetched) {
    auto id = DomainKeyId(fetched.dk.view());
    if (!id.ok()) {
      log::Warn("dkeycache.domain_key_invalid",
                {{"served_by", fetched.served_by}, {"error", id.status().message()}});
      return;
    }
    std::string held_id;
    {
      std::lock_guard lock(mu_);
      held_id = dk_id_;
    }
    if (held_id == *id) {
      log::Info("dkeycache.domain_key_revalidated",
                {{"dk_id", *id}, {"served_by", fetched.served_by}});
      return;
    }
    if (!held_id.empty()) {
      log::Error("dkeycache.domain_key_mismatch",
                 {{"held_dk_id", held_id},
                  {"offered_dk_id", *id},
                  {"served_by", fetched.served_by},
                  {"action", "keeping the held key; the offered one is refused"}});
      return;
    }
    Status sealed = sealed_->Store(fetched.dk.view());
    if (!sealed.ok()) {
      log::Warn("dkeycache.seal_failed",
                {{"path", sealed_->path()},
                 {"error", sealed.message()},
                 {"consequence",
                  "serving from memory only: a restart while no dkeyserver answers will not "
                  "be ready"}});
    }
    log::Info("dkeycache.domain_key_obtained",
              {{"dk_id", *id}, {"served_by", fetched.served_by},
               {"sealed", sealed.ok() ? "true" : "false"}});
    std::lock_guard lock(mu_);
    dk_ = std::move(fetched.dk);
    dk_id_ = std::move(id).value();
  }

  const Policy policy_;
  DkeyCacheConfig config_;
  std::unique_ptr<tee::TeePlatform> platform_;
  std::unique_ptr<SealedDomainKeyFile> sealed_;
  std::unique_ptr<DkUpstream> upstream_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  SecretBytes dk_;         // guarded by mu_; empty while not held
  std::string dk_id_;      // guarded by mu_
  std::string not_ready_;  // guarded by mu_
  std::unique_ptr<LocalDkServer> local_;
  metrics::Registry metrics_;  // before health_, which renders it
  std::unique_ptr<HealthServer> health_;
  std::thread loop_;
};

}  // namespace

StatusOr<std::unique_ptr<DkeyCache>> DkeyCache::Start(const DkeyCacheConfig& config,
                                                      Policy policy,
                                                      const DkUpstreamFactory& make_upstream) {
  auto cache = std::make_unique<DkeyCacheImpl>(std::move(policy));
  KMS_RETURN_IF_ERROR(cache->Init(config, make_upstream));
  return std::unique_ptr<DkeyCache>(std::move(cache));
}

}  // namespace kms::dkey
