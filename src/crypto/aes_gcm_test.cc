#include "crypto/aes_gcm.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "crypto/base64.h"
#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

using testing::Hex;
using testing::HexField;

Bytes Seq(uint8_t first, size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

struct Sealed {
  Bytes ct;
  std::array<uint8_t, AesGcm::kTagSize> tag;
};

Sealed Seal(const AesGcm& aead, ByteView iv, ByteView pt, ByteView aad) {
  Sealed s{Bytes(pt.size()), {}};
  Status st = aead.Encrypt(iv, pt, aad, s.ct, s.tag);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return s;
}

// The eHSM wire vector: base64(C || IV || TAG) for key 00..1f, IV 00..0b, AAD "challenge".
TEST(AesGcm, EhsmWireVector) {
  auto aead = AesGcm::New(Seq(0, 32));
  ASSERT_TRUE(aead.ok());
  Bytes iv = Seq(0, 12);
  Sealed s = Seal(**aead, iv, AsBytes("hello world"), AsBytes("challenge"));
  Bytes wire = s.ct;
  wire.insert(wire.end(), iv.begin(), iv.end());
  wire.insert(wire.end(), s.tag.begin(), s.tag.end());
  EXPECT_EQ(Base64Encode(wire), "L2e6d6rFtXT/LfMAAQIDBAUGBwgJCguyuulya2q7J3qnPA2PBoWE");

  Bytes pt(s.ct.size());
  ASSERT_TRUE((*aead)->Decrypt(iv, s.ct, AsBytes("challenge"), s.tag, pt).ok());
  EXPECT_EQ(AsChars(pt), "hello world");
}

// NIST GCM spec (McGrew & Viega) test case 3: AES-128, no AAD.
TEST(AesGcm, NistTestCase3) {
  auto aead = AesGcm::New(Hex("feffe9928665731c6d6a8f9467308308"));
  ASSERT_TRUE(aead.ok());
  Bytes pt = Hex(
      "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6"
      "b525b16aedf5aa0de657ba637b391aafd255");
  Sealed s = Seal(**aead, Hex("cafebabefacedbaddecaf888"), pt, {});
  EXPECT_EQ(HexEncode(s.ct),
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a"
            "5aac84aa051ba30b396a0aac973d58e091473f5985");
  EXPECT_EQ(HexEncode(s.tag), "4d5c2af327cd64a62cf35abd2ba6fab4");
}

TEST(AesGcm, RejectsWrongKeySizes) {
  for (size_t n = 0; n <= 64; ++n) {
    auto aead = AesGcm::New(Bytes(n, 7));
    if (n == 16 || n == 24 || n == 32) {
      ASSERT_TRUE(aead.ok()) << n;
      EXPECT_EQ((*aead)->key_size(), n);
    } else {
      EXPECT_EQ(aead.status().code(), Code::kInvalidArgument) << n;
    }
  }
}

TEST(AesGcm, RejectsWrongIvTagAndBufferSizes) {
  auto aead = AesGcm::New(Bytes(32, 1));
  ASSERT_TRUE(aead.ok());
  Bytes pt(5, 'x');
  Bytes ct(5);
  std::array<uint8_t, 16> tag{};
  for (size_t n : {0, 8, 11, 13, 16}) {
    EXPECT_EQ((*aead)->Encrypt(Bytes(n), pt, {}, ct, tag).code(), Code::kInvalidArgument) << n;
    EXPECT_EQ((*aead)->Decrypt(Bytes(n), ct, {}, tag, pt).code(), Code::kInvalidArgument) << n;
  }
  Bytes short_buf(4);
  EXPECT_EQ((*aead)->Encrypt(Bytes(12), pt, {}, short_buf, tag).code(), Code::kInvalidArgument);
  EXPECT_EQ((*aead)->Decrypt(Bytes(12), ct, {}, tag, short_buf).code(), Code::kInvalidArgument);
  EXPECT_EQ((*aead)->Decrypt(Bytes(12), ct, {}, Bytes(15), pt).code(), Code::kInvalidArgument);
}

TEST(AesGcm, EmptyPlaintextAndAad) {
  auto aead = AesGcm::New(Bytes(16, 0));
  ASSERT_TRUE(aead.ok());
  Sealed s = Seal(**aead, Bytes(12, 0), {}, {});
  // NIST GCM spec test case 1.
  EXPECT_EQ(HexEncode(s.tag), "58e2fccefa7e3061367f1d57a4e7455a");
  Bytes pt;
  EXPECT_TRUE((*aead)->Decrypt(Bytes(12, 0), {}, {}, s.tag, pt).ok());
}

class AesGcmTamper : public ::testing::Test {
 protected:
  void SetUp() override {
    auto a = AesGcm::New(Seq(0x40, 32));
    ASSERT_TRUE(a.ok());
    aead_ = std::move(*a);
    sealed_ = Seal(*aead_, iv_, pt_, aad_);
  }
  Status Open(ByteView ct, ByteView aad, ByteView tag, Bytes& out) {
    out.assign(ct.size(), 0xaa);
    return aead_->Decrypt(iv_, ct, aad, tag, out);
  }
  std::unique_ptr<AesGcm> aead_;
  Bytes iv_ = Seq(9, 12);
  Bytes pt_ = ToBytes("some plaintext of 33 bytes length");
  Bytes aad_ = ToBytes("associated");
  Sealed sealed_;
};

TEST_F(AesGcmTamper, EveryBitFlipOfCiphertextIsRejected) {
  Bytes out;
  for (size_t bit = 0; bit < sealed_.ct.size() * 8; ++bit) {
    Bytes ct = sealed_.ct;
    ct[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_EQ(Open(ct, aad_, sealed_.tag, out).code(), Code::kDataLoss) << bit;
    EXPECT_EQ(out, Bytes(out.size(), 0)) << "plaintext not zeroed after failure, bit " << bit;
  }
}

TEST_F(AesGcmTamper, EveryBitFlipOfTagIsRejected) {
  Bytes out;
  for (size_t bit = 0; bit < AesGcm::kTagSize * 8; ++bit) {
    auto tag = sealed_.tag;
    tag[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_EQ(Open(sealed_.ct, aad_, tag, out).code(), Code::kDataLoss) << bit;
  }
}

TEST_F(AesGcmTamper, EveryBitFlipOfAadIsRejected) {
  Bytes out;
  for (size_t bit = 0; bit < aad_.size() * 8; ++bit) {
    Bytes aad = aad_;
    aad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    EXPECT_EQ(Open(sealed_.ct, aad, sealed_.tag, out).code(), Code::kDataLoss) << bit;
  }
}

TEST_F(AesGcmTamper, TruncationsAndWrongIvAreRejected) {
  Bytes out;
  for (size_t n = 0; n < sealed_.ct.size(); ++n) {
    EXPECT_EQ(Open(ByteView(sealed_.ct).first(n), aad_, sealed_.tag, out).code(), Code::kDataLoss);
  }
  EXPECT_EQ(Open(sealed_.ct, {}, sealed_.tag, out).code(), Code::kDataLoss);
  iv_[0] ^= 1;
  EXPECT_EQ(Open(sealed_.ct, aad_, sealed_.tag, out).code(), Code::kDataLoss);
}

TEST_F(AesGcmTamper, ObjectStillWorksAfterFailures) {
  Bytes out;
  Bytes bad = sealed_.ct;
  bad[0] ^= 1;
  ASSERT_EQ(Open(bad, aad_, sealed_.tag, out).code(), Code::kDataLoss);
  ASSERT_TRUE(Open(sealed_.ct, aad_, sealed_.tag, out).ok());
  EXPECT_EQ(out, pt_);
}

TEST(AesGcm, InPlaceEncryptionAndDecryption) {
  auto aead = AesGcm::New(Bytes(24, 3));
  ASSERT_TRUE(aead.ok());
  Bytes iv(12, 5);
  Bytes buf = ToBytes("in place round trip");
  const Bytes original = buf;
  std::array<uint8_t, 16> tag;
  ASSERT_TRUE((*aead)->Encrypt(iv, buf, {}, buf, tag).ok());
  EXPECT_NE(buf, original);
  ASSERT_TRUE((*aead)->Decrypt(iv, buf, {}, tag, buf).ok());
  EXPECT_EQ(buf, original);
}

// Contexts are pooled per object; interleaving directions across threads must not mix them up.
TEST(AesGcm, ConcurrentEncryptDecryptOnOneObject) {
  auto aead = AesGcm::New(Seq(1, 32));
  ASSERT_TRUE(aead.ok());
  const AesGcm& a = **aead;
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        Bytes iv(12, static_cast<uint8_t>(t));
        iv[11] = static_cast<uint8_t>(i);
        Bytes pt(static_cast<size_t>(i % 50), static_cast<uint8_t>(i));
        Bytes ct(pt.size());
        std::array<uint8_t, 16> tag;
        Bytes back(pt.size());
        if (!a.Encrypt(iv, pt, AsBytes("x"), ct, tag).ok() ||
            !a.Decrypt(iv, ct, AsBytes("x"), tag, back).ok() || back != pt) {
          ++failures[t];
        }
        tag[0] ^= 1;
        if (a.Decrypt(iv, ct, AsBytes("x"), tag, back).code() != Code::kDataLoss) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

struct GcmVector {
  int tc_id;
  std::string comment;
  Bytes key, iv, aad, msg, ct, tag;
  std::string result;
};

std::vector<GcmVector> LoadGcmVectors() {
  std::vector<GcmVector> out;
  auto root = testing::LoadWycheproof("aes_gcm_test.json");
  for (const auto& g : root.at("testGroups").as_array()) {
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& o = tv.as_object();
      out.push_back({static_cast<int>(o.at("tcId").as_int64()), testing::StringField(o, "comment"),
                     HexField(o, "key"), HexField(o, "iv"), HexField(o, "aad"),
                     HexField(o, "msg"), HexField(o, "ct"), HexField(o, "tag"),
                     testing::StringField(o, "result")});
    }
  }
  return out;
}

class AesGcmWycheproof : public ::testing::TestWithParam<GcmVector> {};

TEST_P(AesGcmWycheproof, Vector) {
  const GcmVector& v = GetParam();
  SCOPED_TRACE("tcId " + std::to_string(v.tc_id) + " " + v.comment);
  auto aead = AesGcm::New(v.key);
  ASSERT_TRUE(aead.ok());
  Bytes pt(v.ct.size());
  Status dec = (*aead)->Decrypt(v.iv, v.ct, v.aad, v.tag, pt);
  if (v.iv.size() != AesGcm::kIvSize) {
    // Only 96-bit IVs are supported; other sizes must be refused, whatever the vector says.
    EXPECT_EQ(dec.code(), Code::kInvalidArgument);
    return;
  }
  if (v.result == "valid") {
    ASSERT_TRUE(dec.ok()) << dec.ToString();
    EXPECT_EQ(pt, v.msg);
    Sealed s = Seal(**aead, v.iv, v.msg, v.aad);
    EXPECT_EQ(s.ct, v.ct);
    EXPECT_EQ(Bytes(s.tag.begin(), s.tag.end()), v.tag);
  } else {
    ASSERT_EQ(v.result, "invalid");
    EXPECT_FALSE(dec.ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Wycheproof, AesGcmWycheproof, ::testing::ValuesIn(LoadGcmVectors()),
                         [](const auto& p) { return "tc" + std::to_string(p.param.tc_id); });

}  // namespace
}  // namespace kms::crypto
