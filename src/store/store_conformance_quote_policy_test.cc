// The Store contract for quote policies (remote attestation): create, read back per owner,
// duplicates, and that a policy never counts as a wrapped object.

#include <cstdio>

#include "store/store_conformance_test.h"

namespace kms::store {
namespace {

QuotePolicyRecord MakePolicy(const std::string& policy_id, const std::string& appid) {
  QuotePolicyRecord p;
  p.policy_id = policy_id;
  p.appid = appid;
  p.mr_enclave = "70de1979095b7b85c18adefb1e1df55780e09ac3c1cc0e56a0df018a130b2fbd";
  p.mr_signer = "C30446B4BE9BAF0F69728423EA613EF81A63E72ACF7439FA0549001FD5482835";
  p.create_time_ms = 1'700'000'000'456;
  return p;
}

void ExpectSamePolicy(const QuotePolicyRecord& want, const QuotePolicyRecord& got) {
  EXPECT_EQ(got.policy_id, want.policy_id);
  EXPECT_EQ(got.appid, want.appid);
  EXPECT_EQ(got.mr_enclave, want.mr_enclave);
  EXPECT_EQ(got.mr_signer, want.mr_signer);
  EXPECT_EQ(got.create_time_ms, want.create_time_ms);
}

constexpr char kId1[] = "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607";
constexpr char kId2[] = "1a2b3c4d-5e6f-4a0b-9c1d-2e3f4a5b6c7d";

TEST_P(StoreConformanceTest, CreatedQuotePolicyReadsBackUnchangedForItsOwner) {
  QuotePolicyRecord p = MakePolicy(kId1, "app-1");
  KMS_ASSERT_STORE_OK(store_->CreateQuotePolicy(p));
  StatusOr<QuotePolicyRecord> got = store_->GetQuotePolicy("app-1", kId1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSamePolicy(p, *got);  // the hex text as uploaded, upper case included
}

TEST_P(StoreConformanceTest, QuotePolicyOfAnotherAppidOrUnknownIdIsNotFound) {
  KMS_ASSERT_STORE_OK(store_->CreateQuotePolicy(MakePolicy(kId1, "app-1")));
  EXPECT_TRUE(HasCode(store_->GetQuotePolicy("app-2", kId1).status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetQuotePolicy("app-1", kId2).status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetQuotePolicy("", kId1).status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, DuplicateQuotePolicyIdIsAlreadyExistsAndKeepsTheFirst) {
  QuotePolicyRecord first = MakePolicy(kId1, "app-1");
  KMS_ASSERT_STORE_OK(store_->CreateQuotePolicy(first));
  QuotePolicyRecord second = MakePolicy(kId1, "app-2");
  second.mr_enclave = std::string(64, 'a');
  EXPECT_TRUE(HasCode(store_->CreateQuotePolicy(second), Code::kAlreadyExists));
  StatusOr<QuotePolicyRecord> got = store_->GetQuotePolicy("app-1", kId1);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSamePolicy(first, *got);
  EXPECT_TRUE(HasCode(store_->GetQuotePolicy("app-2", kId1).status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ManyPoliciesOfOneAppidAreEachFound) {
  std::vector<QuotePolicyRecord> made;
  for (int i = 0; i < 20; ++i) {
    char id[37];
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", i, i * 7);
    QuotePolicyRecord p = MakePolicy(id, "app-1");
    p.mr_enclave = std::string(62, '0') + (i < 10 ? "0" : "1") + std::to_string(i % 10);
    KMS_ASSERT_STORE_OK(store_->CreateQuotePolicy(p));
    made.push_back(p);
  }
  for (const QuotePolicyRecord& p : made) {
    StatusOr<QuotePolicyRecord> got = store_->GetQuotePolicy("app-1", p.policy_id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ExpectSamePolicy(p, *got);
  }
}

TEST_P(StoreConformanceTest, QuotePoliciesAreNotWrappedObjects) {
  KMS_ASSERT_STORE_OK(store_->CreateQuotePolicy(MakePolicy(kId1, "app-1")));
  StatusOr<int64_t> count = store_->CountWrappedObjects();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 0);
}

}  // namespace
}  // namespace kms::store
