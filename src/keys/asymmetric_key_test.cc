#include "keys/asymmetric_key.h"

#include <gtest/gtest.h>

#include <map>

namespace kms::keys {
namespace {

constexpr KeySpec kEcSpecs[] = {KeySpec::kEcP224, KeySpec::kEcP256, KeySpec::kEcP256K,
                                KeySpec::kEcP384, KeySpec::kEcP521};
constexpr DigestMode kShaModes[] = {DigestMode::kSha224, DigestMode::kSha256, DigestMode::kSha384,
                                    DigestMode::kSha512};
constexpr size_t kShaSizes[] = {28, 32, 48, 64};

// Key generation dominates this suite's time, so each keyspec is generated once.
const AsymmetricKey& KeyOf(KeySpec spec) {
  static auto* keys = new std::map<KeySpec, std::unique_ptr<AsymmetricKey>>();
  auto& k = (*keys)[spec];
  if (!k) k = std::move(AsymmetricKey::Generate(spec)).value();
  return *k;
}

std::string Str(const SecretBytes& s) { return std::string(AsChars(s.view())); }

TEST(AsymmetricKey, MaterialRoundTripsAndPublicPemHasTheUpstreamForm) {
  for (KeySpec spec : {KeySpec::kRsa2048, KeySpec::kEcP256, KeySpec::kEcP521, KeySpec::kSm2}) {
    const AsymmetricKey& k = KeyOf(spec);
    auto pem = k.KeyPairPem();
    ASSERT_TRUE(pem.ok());
    auto back = AsymmetricKey::FromMaterial(spec, *pem);
    ASSERT_TRUE(back.ok()) << Name(spec) << " " << back.status().ToString();
    EXPECT_EQ(*(*back)->PublicPem(), *k.PublicPem());
    std::string head =
        IsRsa(spec) ? "-----BEGIN RSA PUBLIC KEY-----\n" : "-----BEGIN PUBLIC KEY-----\n";
    EXPECT_EQ(k.PublicPem()->rfind(head, 0), 0u) << Name(spec);
    EXPECT_EQ(Str(*pem).rfind(*k.PublicPem(), 0), 0u) << "public PEM first";
  }
}

TEST(AsymmetricKey, MaterialOfAnotherKeyspecIsDataLoss) {
  auto p256 = KeyOf(KeySpec::kEcP256).KeyPairPem();
  EXPECT_EQ(AsymmetricKey::FromMaterial(KeySpec::kEcP384, *p256).status().code(), Code::kDataLoss);
  EXPECT_EQ(AsymmetricKey::FromMaterial(KeySpec::kSm2, *p256).status().code(), Code::kDataLoss);
  auto rsa = KeyOf(KeySpec::kRsa2048).KeyPairPem();
  EXPECT_EQ(AsymmetricKey::FromMaterial(KeySpec::kRsa3072, *rsa).status().code(), Code::kDataLoss);
  EXPECT_EQ(
      AsymmetricKey::FromMaterial(KeySpec::kRsa2048, SecretBytes(AsBytes("junk"))).status().code(),
      Code::kDataLoss);
}

TEST(AsymmetricKey, RsaEncryptionLimitsAreKMinus11AndKMinus66) {
  const AsymmetricKey& k = KeyOf(KeySpec::kRsa2048);
  for (auto [padding, limit] : {std::pair{PaddingMode::kRsaPkcs1, size_t{245}},
                                std::pair{PaddingMode::kRsaPkcs1Oaep, size_t{190}}}) {
    EXPECT_EQ(k.MaxPlaintextSize(padding), limit);
    Bytes pt(limit, 0xab);
    auto ct = k.Encrypt(padding, pt);
    ASSERT_TRUE(ct.ok()) << ct.status().ToString();
    EXPECT_EQ(ct->size(), 256u);
    auto back = k.Decrypt(padding, *ct);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), pt);
    pt.push_back(0);
    auto too_long = k.Encrypt(padding, pt);
    EXPECT_EQ(too_long.status().code(), Code::kInvalidArgument);
    EXPECT_NE(too_long.status().message().find(std::to_string(limit)), std::string::npos);
  }
}

TEST(AsymmetricKey, RsaEncryptionRefusesSignaturePaddings) {
  const AsymmetricKey& k = KeyOf(KeySpec::kRsa2048);
  for (PaddingMode p : {PaddingMode::kNone, PaddingMode::kRsaPkcs1Pss}) {
    auto r = k.Encrypt(p, AsBytes("x"));
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(Name(p)), std::string::npos);
  }
}

TEST(AsymmetricKey, EveryDecryptionFailureLooksTheSame) {
  const AsymmetricKey& k = KeyOf(KeySpec::kRsa2048);
  Bytes ct = *k.Encrypt(PaddingMode::kRsaPkcs1Oaep, AsBytes("secret"));
  Bytes flipped = ct;
  flipped[100] ^= 1;
  std::vector<StatusOr<SecretBytes>> failures;
  failures.push_back(k.Decrypt(PaddingMode::kRsaPkcs1, ct));  // wrong padding
  failures.push_back(k.Decrypt(PaddingMode::kRsaPkcs1Oaep, flipped));
  failures.push_back(k.Decrypt(PaddingMode::kRsaPkcs1Oaep, Bytes(10, 1)));  // wrong length
  failures.push_back(KeyOf(KeySpec::kSm2).Decrypt(PaddingMode::kNone, ct));
  for (const auto& f : failures) {
    ASSERT_FALSE(f.ok());
    EXPECT_EQ(f.status().code(), Code::kDataLoss);
    EXPECT_EQ(f.status().message(), failures[0].status().message());
  }
}

TEST(AsymmetricKey, Sm2EncryptsWhateverPaddingIsNamed) {
  const AsymmetricKey& k = KeyOf(KeySpec::kSm2);
  for (PaddingMode p : {PaddingMode::kNone, PaddingMode::kRsaPkcs1Oaep}) {
    auto ct = k.Encrypt(p, AsBytes("sm2 text"));
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(Str(*k.Decrypt(PaddingMode::kRsaPkcs1, *ct)), "sm2 text");
  }
}

TEST(AsymmetricKey, EcCannotEncrypt) {
  EXPECT_EQ(KeyOf(KeySpec::kEcP256).Encrypt(PaddingMode::kNone, AsBytes("x")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(KeyOf(KeySpec::kEcP256).Decrypt(PaddingMode::kNone, AsBytes("x")).status().code(),
            Code::kInvalidArgument);
}

void ExpectSignVerify(const AsymmetricKey& k, SignParams p, ByteView input, ByteView other) {
  auto sig = k.Sign(p, input);
  ASSERT_TRUE(sig.ok()) << Name(k.spec()) << " " << Name(p.digest) << " "
                        << sig.status().ToString();
  EXPECT_TRUE(*k.Verify(p, input, *sig)) << Name(k.spec()) << " " << Name(p.digest);
  EXPECT_FALSE(*k.Verify(p, other, *sig)) << Name(k.spec()) << " " << Name(p.digest);
}

TEST(AsymmetricKey, RsaSignsWithBothPaddingsEveryShaAndBothMessageTypes) {
  const AsymmetricKey& k = KeyOf(KeySpec::kRsa2048);
  for (PaddingMode pad : {PaddingMode::kRsaPkcs1, PaddingMode::kRsaPkcs1Pss}) {
    for (size_t i = 0; i < 4; ++i) {
      ExpectSignVerify(k, {kShaModes[i], pad, MessageType::kRaw}, AsBytes("msg"), AsBytes("msh"));
      ExpectSignVerify(k, {kShaModes[i], pad, MessageType::kDigest}, Bytes(kShaSizes[i], 1),
                       Bytes(kShaSizes[i], 2));
    }
  }
}

TEST(AsymmetricKey, EcdsaOnEveryCurveWithEveryDigest) {
  for (KeySpec spec : kEcSpecs) {
    const AsymmetricKey& k = KeyOf(spec);
    for (DigestMode d : {DigestMode::kSha224, DigestMode::kSha256, DigestMode::kSha384,
                         DigestMode::kSha512, DigestMode::kSm3}) {
      // Padding is ignored for EC: real clients send EH_RSA_PKCS1 or EH_PAD_NONE.
      ExpectSignVerify(k, {d, PaddingMode::kRsaPkcs1, MessageType::kRaw}, AsBytes("m"),
                       AsBytes("n"));
      size_t n = d == DigestMode::kSm3 ? 32 : kShaSizes[static_cast<int>(d) - 1];
      ExpectSignVerify(k, {d, PaddingMode::kNone, MessageType::kDigest}, Bytes(n, 3), Bytes(n, 4));
    }
  }
}

TEST(AsymmetricKey, Sm2AlwaysUsesSm3AndTakesEAsTheDigest) {
  const AsymmetricKey& k = KeyOf(KeySpec::kSm2);
  for (DigestMode d : {DigestMode::kSm3, DigestMode::kSha256, DigestMode::kSha512}) {
    ExpectSignVerify(k, {d, PaddingMode::kNone, MessageType::kRaw}, AsBytes("m"), AsBytes("n"));
  }
  // A raw signature verifies as EH_DIGEST of e = SM3(Z || M), and the other way round.
  auto pem = k.KeyPairPem();
  auto sm2 = crypto::Sm2Key::FromPem(Str(*pem));
  Bytes e = *(*sm2)->MessageDigest(AsBytes("m"));
  SignParams raw{DigestMode::kSm3, PaddingMode::kNone, MessageType::kRaw};
  SignParams digest{DigestMode::kSm3, PaddingMode::kNone, MessageType::kDigest};
  EXPECT_TRUE(*k.Verify(digest, e, *k.Sign(raw, AsBytes("m"))));
  EXPECT_TRUE(*k.Verify(raw, AsBytes("m"), *k.Sign(digest, e)));
  // SHA-512 named, but the digest is SM3's size.
  EXPECT_TRUE(k.Sign({DigestMode::kSha512, PaddingMode::kNone, MessageType::kDigest}, e).ok());
}

TEST(AsymmetricKey, RsaRefusesSm3AndNonSignaturePaddings) {
  const AsymmetricKey& k = KeyOf(KeySpec::kRsa2048);
  auto sm3 = k.Sign({DigestMode::kSm3, PaddingMode::kRsaPkcs1, MessageType::kRaw}, AsBytes("m"));
  EXPECT_EQ(sm3.status().code(), Code::kInvalidArgument);
  EXPECT_NE(sm3.status().message().find("EH_SM3"), std::string::npos);
  for (PaddingMode p : {PaddingMode::kNone, PaddingMode::kRsaPkcs1Oaep}) {
    SignParams params{DigestMode::kSha256, p, MessageType::kRaw};
    EXPECT_EQ(k.Sign(params, AsBytes("m")).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(k.Verify(params, AsBytes("m"), Bytes(256)).status().code(), Code::kInvalidArgument);
  }
}

TEST(AsymmetricKey, WrongDigestSizeIsAnErrorToSignButFalseToVerify) {
  for (KeySpec spec : {KeySpec::kRsa2048, KeySpec::kEcP256, KeySpec::kSm2}) {
    const AsymmetricKey& k = KeyOf(spec);
    SignParams p{DigestMode::kSha256, IsRsa(spec) ? PaddingMode::kRsaPkcs1 : PaddingMode::kNone,
                 MessageType::kDigest};
    auto sig = k.Sign(p, Bytes(31));
    EXPECT_EQ(sig.status().code(), Code::kInvalidArgument) << Name(spec);
    EXPECT_NE(sig.status().message().find("32-byte"), std::string::npos);
    Bytes good_sig = *k.Sign(p, Bytes(32));
    auto v = k.Verify(p, Bytes(33), good_sig);
    ASSERT_TRUE(v.ok()) << Name(spec);
    EXPECT_FALSE(*v);
  }
}

TEST(AsymmetricKey, MalformedSignatures) {
  const AsymmetricKey& rsa = KeyOf(KeySpec::kRsa2048);
  SignParams p{DigestMode::kSha256, PaddingMode::kRsaPkcs1Pss, MessageType::kRaw};
  auto short_sig = rsa.Verify(p, AsBytes("m"), Bytes(255, 1));
  EXPECT_EQ(short_sig.status().code(), Code::kInvalidArgument);
  EXPECT_NE(short_sig.status().message().find("256"), std::string::npos);
  EXPECT_FALSE(*rsa.Verify(p, AsBytes("m"), Bytes(256, 1)));  // right size, wrong value
  for (KeySpec spec : {KeySpec::kEcP384, KeySpec::kSm2}) {
    SignParams q{DigestMode::kSha384, PaddingMode::kNone, MessageType::kRaw};
    EXPECT_FALSE(*KeyOf(spec).Verify(q, AsBytes("m"), AsBytes("not der"))) << Name(spec);
  }
}

TEST(AsymmetricKey, LargeRsaKeysWork) {
  for (KeySpec spec : {KeySpec::kRsa3072, KeySpec::kRsa4096}) {
    const AsymmetricKey& k = KeyOf(spec);
    ExpectSignVerify(k, {DigestMode::kSha512, PaddingMode::kRsaPkcs1Pss, MessageType::kRaw},
                     AsBytes("m"), AsBytes("n"));
    auto ct = k.Encrypt(PaddingMode::kRsaPkcs1Oaep, AsBytes("k"));
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(ct->size(), spec == KeySpec::kRsa3072 ? 384u : 512u);
    EXPECT_EQ(Str(*k.Decrypt(PaddingMode::kRsaPkcs1Oaep, *ct)), "k");
  }
}

}  // namespace
}  // namespace kms::keys
