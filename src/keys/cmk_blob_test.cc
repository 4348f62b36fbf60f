#include "keys/cmk_blob.h"

#include <gtest/gtest.h>

#include "keys/import_session.h"
#include "keys/test_domain_key.h"

namespace kms::keys {
namespace {

BlobBinding Binding() {
  return {"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f", "app", "EH_AES_GCM_256", "EH_INTERNAL_KEY",
          "EH_KEYUSAGE_ENCRYPT_DECRYPT"};
}

TEST(CmkBlob, WrapUnwrapRoundTrip) {
  auto dk = TestDomainKey();
  Bytes material(32, 0xab);
  auto blob = WrapKeyMaterial(*dk, Binding(), material);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->size(), kBlobHeaderSize + 32);
  EXPECT_EQ(AsChars(ByteView(*blob).first(4)), "EHKB");
  auto out = UnwrapKeyMaterial(*dk, Binding(), *blob);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Bytes(out->view().begin(), out->view().end()), material);
}

TEST(CmkBlob, BlobNamesTheDomainKeyThatWrappedIt) {
  auto dk = TestDomainKey(7);
  auto other = TestDomainKey(8);
  auto blob = WrapKeyMaterial(*dk, Binding(), Bytes(32, 1));
  ASSERT_TRUE(blob.ok());
  ASSERT_TRUE(BlobDomainKeyId(*blob).has_value());
  EXPECT_EQ(*BlobDomainKeyId(*blob), dk->id());
  EXPECT_NE(*BlobDomainKeyId(*blob), other->id());
  EXPECT_FALSE(BlobDomainKeyId(ByteView(*blob).first(kBlobHeaderSize - 1)).has_value());
  EXPECT_FALSE(BlobDomainKeyId(AsBytes(std::string_view("not a blob at all, but long enough to "
                                                        "hold a header")))
                   .has_value());
}

TEST(CmkBlob, StoredBlobsOfEveryKindNameTheirDomainKey) {
  auto dk = TestDomainKey(7);
  auto wrapped = WrapKeyMaterial(*dk, Binding(), Bytes(32, 1));
  ASSERT_TRUE(wrapped.ok());
  ImportSession session;
  session.key_pair_pem = SecretBytes(AsBytes(std::string_view("pem")));
  auto pending = SealImportSession(*dk, Binding(), session);
  ASSERT_TRUE(pending.ok());
  for (const Bytes& blob : {*wrapped, *pending}) {
    ASSERT_TRUE(StoredBlobDomainKeyId(blob).has_value());
    EXPECT_EQ(*StoredBlobDomainKeyId(blob), dk->id());
  }
  EXPECT_FALSE(StoredBlobDomainKeyId(Bytes()).has_value());  // external key, no material yet
}

TEST(CmkBlob, EveryBindingFieldIsAuthenticated) {
  auto dk = TestDomainKey();
  auto blob = WrapKeyMaterial(*dk, Binding(), Bytes(16, 1));
  ASSERT_TRUE(blob.ok());
  for (int field = 0; field < 5; ++field) {
    BlobBinding b = Binding();
    std::string* f[] = {&b.keyid, &b.creator, &b.keyspec, &b.origin, &b.usage};
    *f[field] += "x";
    EXPECT_EQ(UnwrapKeyMaterial(*dk, b, *blob).status().code(), Code::kDataLoss) << field;
  }
}

TEST(CmkBlob, FieldBoundariesCannotBeShifted) {
  auto dk = TestDomainKey();
  BlobBinding a = Binding();
  a.keyid = "ab";
  a.creator = "c";
  auto blob = WrapKeyMaterial(*dk, a, Bytes(16, 1));
  BlobBinding b = a;
  b.keyid = "a";
  b.creator = "bc";
  EXPECT_FALSE(UnwrapKeyMaterial(*dk, b, *blob).ok());
}

TEST(CmkBlob, EveryFlippedBitIsRejected) {
  auto dk = TestDomainKey();
  auto blob = WrapKeyMaterial(*dk, Binding(), Bytes(16, 1));
  for (size_t i = 0; i < blob->size() * 8; ++i) {
    Bytes t = *blob;
    t[i / 8] ^= static_cast<uint8_t>(1u << (i % 8));
    EXPECT_FALSE(UnwrapKeyMaterial(*dk, Binding(), t).ok()) << "bit " << i;
  }
}

TEST(CmkBlob, OtherDomainKeyIsNamedInTheError) {
  auto dk1 = TestDomainKey(1);
  auto dk2 = TestDomainKey(2);
  auto blob = WrapKeyMaterial(*dk1, Binding(), Bytes(16, 1));
  auto r = UnwrapKeyMaterial(*dk2, Binding(), *blob);
  EXPECT_EQ(r.status().code(), Code::kDataLoss);
  EXPECT_NE(r.status().message().find("another domain key"), std::string::npos);
}

TEST(CmkBlob, TruncatedBlobsAreRejected) {
  auto dk = TestDomainKey();
  auto blob = WrapKeyMaterial(*dk, Binding(), Bytes(16, 1));
  for (size_t n = 0; n < blob->size(); ++n) {
    EXPECT_FALSE(UnwrapKeyMaterial(*dk, Binding(), ByteView(*blob).first(n)).ok()) << n;
  }
}

}  // namespace
}  // namespace kms::keys
