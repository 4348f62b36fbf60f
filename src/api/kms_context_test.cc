// KmsContext's key cache under an injected interleaving: a DisableKey or DeleteKey that lands
// between a cache miss's store read and its Put must not be undone by that Put.

#include "api/kms_context.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "api/api_test_env.h"

namespace kms::api {
namespace {

using testing::ApiTestEnv;
using testing::kStartMs;

// Runs `after_read` once, after the next GetKey has read the store and before it returns: the
// window in which another request's invalidation can overtake the reader.
class InterleavingStore : public store::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  StatusOr<store::KeyRecord> GetKey(const std::string& keyid) override {
    auto record = inner().GetKey(keyid);
    if (auto hook = std::exchange(after_read, nullptr)) hook();
    return record;
  }
  std::function<void()> after_read;
};

class KeyCacheInterleaving : public ::testing::Test {
 protected:
  FakeClock clock_{kStartMs};
  ApiTestEnv<InterleavingStore> env_{clock_, ServiceOptions{.key_cache_ttl_ms = 60000}};
};

TEST_F(KeyCacheInterleaving, DisableKeyDuringAReadIsNotUndoneByItsLatePut) {
  std::string keyid = env_.CreateAesKey();
  env_.store().after_read = [&] { EXPECT_EQ(env_.Run(&DisableKey, {{"keyid", keyid}}).code, 200); };
  // This request read the record before the disable: it may still succeed.
  (void)env_.Run(&Encrypt, env_.EncryptPayload(keyid));
  ASSERT_EQ(env_.store().after_read, nullptr);  // the interleaving happened
  Reply after = env_.Run(&Encrypt, env_.EncryptPayload(keyid));
  EXPECT_EQ(after.code, 400);
  EXPECT_EQ(after.message, "keyid is disabled");
}

TEST_F(KeyCacheInterleaving, DeleteKeyDuringAReadIsNotUndoneByItsLatePut) {
  std::string keyid = env_.CreateAesKey();
  env_.store().after_read = [&] { EXPECT_EQ(env_.Run(&DeleteKey, {{"keyid", keyid}}).code, 200); };
  (void)env_.Run(&Encrypt, env_.EncryptPayload(keyid));
  ASSERT_EQ(env_.store().after_read, nullptr);
  Reply after = env_.Run(&Encrypt, env_.EncryptPayload(keyid));
  EXPECT_EQ(after.code, 400);
  EXPECT_EQ(after.message, "keyid error");
}

TEST_F(KeyCacheInterleaving, ReadWithoutInterleavingIsCached) {
  std::string keyid = env_.CreateAesKey();
  EXPECT_EQ(env_.Run(&Encrypt, env_.EncryptPayload(keyid)).code, 200);
  EXPECT_TRUE(env_.ctx().KeyCached(keyid));
}

}  // namespace
}  // namespace kms::api
