// Micro benchmarks of the request path's pieces, one core, no TLS. Wall times on a shared box
// are noisy; compare runs made back to back, or count instructions with callgrind.

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "api/kms_context.h"
#include "api/kms_service.h"
#include "api/replay_cache.h"
#include "audit/audit_log.h"
#include "audit/audit_record.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/thread_pool.h"
#include "crypto/aes_gcm.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "keys/cmk_blob.h"
#include "keys/key_vault.h"
#include "keys/symmetric_cipher.h"
#include "keys/test_domain_key.h"
#include "protocol/canonical.h"
#include "protocol/json_parse.h"
#include "request_signer.h"
#include "store/sqlite_store.h"
#include "tee/sim/sim_platform.h"

namespace kms {
namespace {

constexpr std::string_view kAppid = "d6b8b4e2-5f7c-4c8e-9d1a-3b2f9a7c6e51";
constexpr std::string_view kKeyid = "5e1f3c2a-0b7d-4e9f-8a6c-1d2e3f4a5b6c";
constexpr std::string_view kApikey = "0123456789ABCDEFGHJKLMNPQRSTUVWX";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Plaintext1KiB() {
  return crypto::Base64Encode(Bytes(1024, 0x5a));
}

std::string EncryptBody(bench::RequestSigner& signer, std::string_view keyid) {
  std::vector<bench::Field> f = {{"keyid", std::string(keyid)}, {"plaintext", Plaintext1KiB()}};
  return signer.Body(f, NowMs());
}

// The load generator's hot path: one signed Encrypt body (1 KiB plaintext) per iteration.
void BM_LoadgenSignedBody(benchmark::State& state) {
  bench::RequestSigner signer(std::string(kAppid), kApikey, "m-");
  std::vector<bench::Field> f = {{"keyid", std::string(kKeyid)}, {"plaintext", Plaintext1KiB()}};
  for (auto _ : state) {
    std::string body = signer.Body(f, 1700000000000);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_LoadgenSignedBody);

void BM_ParseEncryptBody(benchmark::State& state) {
  bench::RequestSigner signer(std::string(kAppid), kApikey, "m-");
  std::string body = EncryptBody(signer, kKeyid);
  for (auto _ : state) {
    auto v = protocol::ParseJson(body);
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_ParseEncryptBody);

void BM_SigningString(benchmark::State& state) {
  bench::RequestSigner signer(std::string(kAppid), kApikey, "m-");
  auto v = protocol::ParseJson(EncryptBody(signer, kKeyid));
  const auto& body = v->as_object();
  for (auto _ : state) {
    std::string s = protocol::SigningString(body, protocol::EmptyValues::kDrop);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_SigningString);

void BM_HmacOfSigningString(benchmark::State& state) {
  bench::RequestSigner signer(std::string(kAppid), kApikey, "m-");
  auto v = protocol::ParseJson(EncryptBody(signer, kKeyid));
  std::string s = protocol::SigningString(v->as_object(), protocol::EmptyValues::kDrop);
  auto key = std::move(crypto::HmacSha256Key::New(AsBytes(kApikey))).value();
  for (auto _ : state) {
    auto mac = key->Compute(AsBytes(s));
    benchmark::DoNotOptimize(mac);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(s.size()));
}
BENCHMARK(BM_HmacOfSigningString);

void BM_SigningStringAndHmac(benchmark::State& state) {
  bench::RequestSigner signer(std::string(kAppid), kApikey, "m-");
  auto v = protocol::ParseJson(EncryptBody(signer, kKeyid));
  const auto& body = v->as_object();
  for (auto _ : state) {
    std::string s = protocol::SigningString(body, protocol::EmptyValues::kDrop);
    auto mac = crypto::HmacSha256(AsBytes(kApikey), AsBytes(s));
    benchmark::DoNotOptimize(mac);
  }
}
BENCHMARK(BM_SigningStringAndHmac);

void BM_AesGcmEncrypt1KiBReusedContext(benchmark::State& state) {
  auto gcm = std::move(crypto::AesGcm::New(Bytes(32, 1))).value();
  Bytes pt(1024, 2), ct(1024), iv(12, 3);
  std::array<uint8_t, 16> tag;
  for (auto _ : state) {
    Status s = gcm->Encrypt(iv, pt, {}, ct, tag);
    benchmark::DoNotOptimize(s);
  }
  state.SetBytesProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_AesGcmEncrypt1KiBReusedContext);

void BM_RandomIvFromDrbg(benchmark::State& state) {
  uint8_t iv[12];
  for (auto _ : state) {
    Status s = crypto::RandomFill(iv);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_RandomIvFromDrbg);

void BM_RandomIvBuffered(benchmark::State& state) {
  uint8_t iv[12];
  for (auto _ : state) {
    Status s = crypto::RandomNonce(iv);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_RandomIvBuffered);

keys::BlobBinding Binding() {
  return {std::string(kKeyid), std::string(kAppid), "EH_AES_GCM_256", "EH_INTERNAL_KEY",
          "EH_KEYUSAGE_ENCRYPT_DECRYPT"};
}

void BM_CmkBlobUnwrap(benchmark::State& state) {
  auto dk = keys::TestDomainKey();
  Bytes blob = std::move(keys::WrapKeyMaterial(*dk, Binding(), Bytes(32, 9))).value();
  for (auto _ : state) {
    auto k = keys::UnwrapKeyMaterial(*dk, Binding(), blob);
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(BM_CmkBlobUnwrap);

// What Encrypt pays per request when nothing is cached: unwrap, key schedule, encrypt.
void BM_UnwrapOpenEncrypt1KiB(benchmark::State& state) {
  auto dk = keys::TestDomainKey();
  Bytes blob = std::move(keys::WrapKeyMaterial(*dk, Binding(), Bytes(32, 9))).value();
  Bytes pt(1024, 2);
  for (auto _ : state) {
    auto k = keys::UnwrapKeyMaterial(*dk, Binding(), blob);
    auto c = keys::SymmetricCipher::New(keys::KeySpec::kAesGcm256, std::move(k).value());
    auto ct = (*c)->Encrypt(pt, {});
    benchmark::DoNotOptimize(ct);
  }
}
BENCHMARK(BM_UnwrapOpenEncrypt1KiB);

// One Encrypt's audit record, as api/request_audit.cc makes it.
audit::Event EncryptRecord() {
  audit::Event e;
  e.action = "Encrypt";
  e.appid = kAppid;
  e.keyid = kKeyid;
  e.result = 200;
  e.rid = "3f2a9c1e-8b7d-4c6e-a5f4-0d1e2f3a4b5c";
  return e;
}

void BM_AuditEventTail(benchmark::State& state) {
  const audit::Event e = EncryptRecord();
  for (auto _ : state) benchmark::DoNotOptimize(audit::FormatEventTail(e, NowMs()));
}
BENCHMARK(BM_AuditEventTail);

// AuditLog::Append to a file in a temp dir, from 1 and 2 threads (the server's event loops
// on this machine). Real time: the write(2) is most of the cost.
std::unique_ptr<audit::AuditLog> g_audit_log;
void BM_AuditAppend(benchmark::State& state) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kms-micro-audit-" + std::to_string(::getpid()));
  if (state.thread_index() == 0) {
    std::filesystem::create_directories(dir);
    g_audit_log = std::move(audit::AuditLog::Open({.path = (dir / "audit.log").string()},
                                                  SystemClock::Instance()))
                      .value();
    g_audit_log->SetCheckpointKey(keys::TestDomainKey()->audit_checkpoint_key(),
                                  "0011223344556677");
  }
  const audit::Event e = EncryptRecord();
  for (auto _ : state) {
    Status s = g_audit_log->Append(e);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
  }
  if (state.thread_index() == 0) {
    g_audit_log.reset();
    std::filesystem::remove_all(dir);
  }
}
BENCHMARK(BM_AuditAppend)->Threads(1)->Threads(2)->UseRealTime();

// The whole application path of one Encrypt request without TLS: parse, authenticate (MAC,
// replay cache), resolve the key, encrypt, serialize, log. Store: SQLite in a temp dir.
class ServiceFixture {
 public:
  explicit ServiceFixture(size_t open_key_capacity) {
    dir_ = std::filesystem::temp_directory_path() /
           ("kms-micro-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    store_ = std::move(store::SqliteStore::Open((dir_ / "kms.db").string())).value();
    platform_ = std::move(tee::SimPlatform::Open({.secret_path = (dir_ / "secret").string(),
                                                  .identity = {}}))
                    .value();
    vault_ = std::make_unique<keys::KeyVault>(*platform_, keys::TestDomainKey(),
                                              open_key_capacity);
    ctx_ = std::make_unique<api::KmsContext>(*store_, *vault_, SystemClock::Instance(),
                                             api::ServiceOptions{});
    pool_ = std::make_unique<ThreadPool>(1, 16);
    replay_ = std::move(api::ReplayCache::Create(SystemClock::Instance(), 1 << 24)).value();
    service_ = std::make_unique<api::KmsService>(*ctx_, *pool_, *replay_);

    auto e = std::move(vault_->Enroll()).value();
    appid_ = e.appid;
    apikey_ = std::string(AsChars(e.apikey.view()));
    (void)store_->CreateTenant({.appid = e.appid,
                                .apikey_blob = e.apikey_blob,
                                .cmk_blob = e.cmk_blob,
                                .sm_default_cmk_blob = e.sm_default_cmk_blob,
                                .create_time_ms = NowMs()});
    store::KeyRecord k{.keyid = std::string(kKeyid),
                       .creator = appid_,
                       .keyspec = "EH_AES_GCM_256",
                       .origin = "EH_INTERNAL_KEY",
                       .keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT",
                       .key_blob = {},
                       .creation_date_ms = NowMs(),
                       .expire_time_ms = api::kNeverExpires,
                       .alias = "",
                       .key_state = 1,
                       .revision = 0};
    keys::BlobBinding b{k.keyid, k.creator, k.keyspec, k.origin, k.keyusage};
    k.key_blob = std::move(vault_->CreateKey(b, keys::KeySpec::kAesGcm256,
                                             keys::Origin::kInternal,
                                             keys::KeyUsage::kEncryptDecrypt))
                     .value();
    (void)store_->CreateKey(k);
    signer_ = std::make_unique<bench::RequestSigner>(appid_, apikey_, "m-");
  }
  ~ServiceFixture() {
    service_.reset();
    pool_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::vector<std::string> Bodies(size_t n) {
    std::vector<std::string> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(EncryptBody(*signer_, kKeyid));
    return out;
  }
  api::KmsService& service() { return *service_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<tee::SimPlatform> platform_;
  std::unique_ptr<keys::KeyVault> vault_;
  std::unique_ptr<api::KmsContext> ctx_;
  std::unique_ptr<ThreadPool> pool_;
  std::unique_ptr<api::ReplayCache> replay_;
  std::unique_ptr<api::KmsService> service_;
  std::string appid_, apikey_;
  std::unique_ptr<bench::RequestSigner> signer_;
};

// Argument: capacity of the vault's opened-key caches (0 = unwrap CMK and apikey per request).
void BM_HandleNowEncrypt1KiB(benchmark::State& state) {
  ServiceFixture fx(static_cast<size_t>(state.range(0)));
  constexpr size_t kBatch = 4096;  // fresh nonces: bodies are signed outside the timed part
  std::vector<std::string> bodies = fx.Bodies(kBatch);
  size_t i = 0;
  int64_t failures = 0;
  for (auto _ : state) {
    if (i == kBatch) {
      state.PauseTiming();
      bodies = fx.Bodies(kBatch);
      i = 0;
      state.ResumeTiming();
    }
    api::HttpAnswer a = fx.service().HandleNow("POST", "/ehsm?Action=Encrypt", bodies[i++], "r");
    if (a.code != 200) ++failures;
    benchmark::DoNotOptimize(a);
  }
  if (failures) state.SkipWithError("some requests failed");
}
BENCHMARK(BM_HandleNowEncrypt1KiB)->Arg(0)->Arg(keys::KeyVault::kDefaultOpenKeyCapacity);

}  // namespace
}  // namespace kms

// The server runs benchmarks with --log-level warn; so do these.
int main(int argc, char** argv) {
  kms::log::SetLevel(kms::log::Level::kWarn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
