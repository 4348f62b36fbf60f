#include "store/couch_doc.h"

#include <gtest/gtest.h>

namespace kms::store::couch {
namespace {
namespace json = boost::json;

Bytes AllByteValues() {
  Bytes b(256);
  for (int i = 0; i < 256; ++i) b[i] = static_cast<uint8_t>(i);
  return b;
}

TEST(CouchBase64, KnownVectors) {
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(Base64Encode(AsBytes("f")), "Zg==");
  EXPECT_EQ(Base64Encode(AsBytes("fo")), "Zm8=");
  EXPECT_EQ(Base64Encode(AsBytes("foo")), "Zm9v");
  EXPECT_EQ(Base64Encode(AsBytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode(Bytes{0xfb, 0xff}), "+/8=");
}

TEST(CouchBase64, RoundTripsEveryLengthAndByteValue) {
  Bytes all = AllByteValues();
  for (size_t n = 0; n <= all.size(); ++n) {
    Bytes in(all.begin(), all.begin() + n);
    // Rotate so that every byte value also lands in every position of a 3-byte group.
    for (size_t shift = 0; shift < 3 && n > 0; ++shift) {
      std::rotate(in.begin(), in.begin() + 1, in.end());
      auto out = Base64Decode(Base64Encode(in));
      ASSERT_TRUE(out.ok()) << n;
      EXPECT_EQ(*out, in) << n;
    }
  }
}

TEST(CouchBase64, RejectsMalformedText) {
  for (const char* bad :
       {"Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm9v!A==", "=Zm9", "Zm=v", "Zm9v\n", "Zm 9"}) {
    EXPECT_EQ(Base64Decode(bad).status().code(), Code::kDataLoss) << bad;
  }
}

KeyRecord SampleKey() {
  KeyRecord k;
  k.keyid = "0b9e8a3c-5f0e-4d7a-9a57-2f1c1e0d9b11";
  k.creator = "app-1";
  k.keyspec = "EH_AES_GCM_256";
  k.origin = "EH_INTERNAL_KEY";
  k.keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT";
  k.key_blob = AllByteValues();
  k.creation_date_ms = 1700000000123;
  k.expire_time_ms = 1800000000456;
  k.alias = "alias-1";
  k.key_state = 0;
  return k;
}

TEST(CouchDoc, KeyRoundTripUsesUpstreamFieldNames) {
  KeyRecord k = SampleKey();
  json::object doc;
  PutKey(k, 7, doc);
  EXPECT_EQ(doc.at("_id").as_string(), "cmk:" + k.keyid);
  EXPECT_EQ(doc.at("keyBlob").as_string(), Base64Encode(k.key_blob));
  EXPECT_EQ(doc.at("creationDate").as_int64(), k.creation_date_ms);
  EXPECT_EQ(doc.at("keyState").as_int64(), 0);
  // Through text, as it travels.
  json::value reparsed = json::parse(json::serialize(doc));
  auto back = ParseKey(reparsed.as_object());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->keyid, k.keyid);
  EXPECT_EQ(back->creator, k.creator);
  EXPECT_EQ(back->keyspec, k.keyspec);
  EXPECT_EQ(back->origin, k.origin);
  EXPECT_EQ(back->keyusage, k.keyusage);
  EXPECT_EQ(back->key_blob, k.key_blob);
  EXPECT_EQ(back->creation_date_ms, k.creation_date_ms);
  EXPECT_EQ(back->expire_time_ms, k.expire_time_ms);
  EXPECT_EQ(back->alias, k.alias);
  EXPECT_EQ(back->key_state, 0);
  EXPECT_EQ(back->revision, 7);
}

TEST(CouchDoc, PutKeyKeepsFieldsItDoesNotKnow) {
  json::object doc = {{"_rev", "3-abc"}, {"sessionkeyBlob", "AAAA"}, {"keyState", 1}};
  PutKey(SampleKey(), 2, doc);
  EXPECT_EQ(doc.at("_rev").as_string(), "3-abc");
  EXPECT_EQ(doc.at("sessionkeyBlob").as_string(), "AAAA");
  EXPECT_EQ(doc.at("keyState").as_int64(), 0);
}

TEST(CouchDoc, ReadsUpstreamDocumentWithoutRevisionAndWithDoubles) {
  json::value doc = json::parse(R"({"_id":"cmk:k1","_rev":"1-x","keyid":"k1","creator":"a",
      "keyBlob":"AAEC","creationDate":1.7e12,"expireTime":1800000000000,"alias":"",
      "keyspec":"EH_SM4_CBC","origin":"EH_INTERNAL_KEY","keyusage":"EH_KEYUSAGE_ENCRYPT_DECRYPT",
      "keyState":1})");
  auto k = ParseKey(doc.as_object());
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->revision, 1);
  EXPECT_EQ(k->creation_date_ms, 1700000000000);
  EXPECT_EQ(k->key_blob, (Bytes{0, 1, 2}));
}

TEST(CouchDoc, MalformedKeyIsDataLossWithoutBlobInMessage) {
  KeyRecord k = SampleKey();
  json::object good;
  PutKey(k, 1, good);
  for (const char* field : {"keyid", "creator", "keyState"}) {
    json::object doc = good;
    doc.erase(field);
    EXPECT_EQ(ParseKey(doc).status().code(), Code::kDataLoss) << field;
  }
  json::object doc = good;
  doc["keyBlob"] = "not*base64";
  Status s = ParseKey(doc).status();
  EXPECT_EQ(s.code(), Code::kDataLoss);
  EXPECT_EQ(s.message().find("not*base64"), std::string::npos);
  doc = good;
  doc["creationDate"] = "yesterday";
  EXPECT_EQ(ParseKey(doc).status().code(), Code::kDataLoss);
  doc = good;
  doc["creationDate"] = 1.5;
  EXPECT_EQ(ParseKey(doc).status().code(), Code::kDataLoss);
}

TEST(CouchDoc, QuotePolicyIsUpstreamsDocumentAndReadsUpstreamsToo) {
  QuotePolicyRecord p{.policy_id = "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607",
                      .appid = "app",
                      .mr_enclave = std::string(64, 'a'),
                      .mr_signer = std::string(64, 'B'),
                      .create_time_ms = 1700000000123};
  json::object doc;
  PutQuotePolicy(p, doc);
  EXPECT_EQ(json::serialize(doc),
            "{\"_id\":\"quote_policy:0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607\",\"appid\":\"app\","
            "\"policyId\":\"0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607\",\"mr_enclave\":\"" +
                p.mr_enclave + "\",\"mr_signer\":\"" + p.mr_signer +
                "\",\"createTime\":1700000000123}");
  // As upstream's Node service wrote it: createTime may come back as a double.
  json::object upstream =
      json::parse(
          "{\"_id\":\"quote_policy:x\",\"_rev\":\"1-a\",\"appid\":\"app\",\"policyId\":\"x\","
          "\"mr_enclave\":\"e\",\"mr_signer\":\"s\",\"createTime\":1.7e12}")
          .as_object();
  auto parsed = ParseQuotePolicy(upstream);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->policy_id, "x");
  EXPECT_EQ(parsed->create_time_ms, 1700000000000);
  upstream.erase("mr_signer");
  EXPECT_EQ(ParseQuotePolicy(upstream).status().code(), Code::kDataLoss);
}

TEST(CouchDoc, TenantRoundTrip) {
  TenantRecord t;
  t.appid = "5c9d7e1a-0000-4000-8000-000000000001";
  t.apikey_blob = AllByteValues();
  t.cmk_blob = Bytes{1, 2, 3};
  t.sm_default_cmk_blob = Bytes{};
  t.create_time_ms = 42;
  json::object doc;
  PutTenant(t, doc);
  EXPECT_EQ(doc.at("_id").as_string(), "user_info:" + t.appid);
  EXPECT_EQ(doc.at("apikey").as_string(), Base64Encode(t.apikey_blob));
  auto back = ParseTenant(json::parse(json::serialize(doc)).as_object());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->appid, t.appid);
  EXPECT_EQ(back->apikey_blob, t.apikey_blob);
  EXPECT_EQ(back->cmk_blob, t.cmk_blob);
  EXPECT_EQ(back->sm_default_cmk_blob, t.sm_default_cmk_blob);
  EXPECT_EQ(back->create_time_ms, 42);
  doc.erase("appid");
  EXPECT_EQ(ParseTenant(doc).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace kms::store::couch
