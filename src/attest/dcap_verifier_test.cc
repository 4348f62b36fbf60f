// DcapQuoteVerifier on Intel's genuine quotes (test/vectors/dcap): the expected results, the
// edges of each collateral window, the trust anchor, and collateral from the wrong platform.

#include "attest/dcap_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "attest/dcap_test_util.h"
#include "attest/pck_cert.h"
#include "attest/quote.h"

namespace kms::attest {
namespace {
using ::testing::ElementsAre;
using namespace kms::attest::testing;

QuoteVerdict VerifyAt(const Vector& v, int64_t at, const Collateral& c) {
  Bytes quote = QuoteBytes(v.name);
  auto root = IntelRoot();
  auto verdict = VerifyDcapQuote(quote, c, at, *root);
  EXPECT_TRUE(verdict.ok()) << verdict.status().ToString();
  return verdict.ok() ? *verdict : QuoteVerdict{};
}

QuoteVerdict VerifyAt(const Vector& v, int64_t at) {
  return VerifyAt(v, at, LoadCollateral(v.name));
}

TEST(DcapVerifier, SgxQuoteNeedsConfigurationAndSwHardening) {
  QuoteVerdict v = VerifyAt(kSgx, kSgx.at);
  EXPECT_TRUE(v.verified) << v.error;
  EXPECT_EQ(v.status, "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(v.qv_result, 0xA008u);
  EXPECT_THAT(v.advisory_ids, ElementsAre("INTEL-SA-00289", "INTEL-SA-00615"));
  EXPECT_EQ(v.error, "");
  const QuoteIdentity& id = v.identity;
  EXPECT_EQ(id.tee, "sgx");
  EXPECT_EQ(id.version, 3);
  EXPECT_EQ(HexEncode(id.mrenclave),
            "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(HexEncode(id.mrsigner),
            "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(id.isvprodid, 0);
  EXPECT_EQ(id.isvsvn, 0);
  EXPECT_FALSE(id.debug);
  EXPECT_EQ(HexEncode(id.fmspc), "00a067110000");
  Bytes expected_rd = ToBytes("Hello, world!");
  expected_rd.resize(64, 0);
  EXPECT_EQ(id.report_data, expected_rd);
}

TEST(DcapVerifier, TdxV4QuoteIsUpToDate) {
  QuoteVerdict v = VerifyAt(kTdx, kTdx.at);
  EXPECT_TRUE(v.verified) << v.error;
  EXPECT_EQ(v.status, "UpToDate");
  EXPECT_EQ(v.qv_result, 0x0000u);
  EXPECT_TRUE(v.advisory_ids.empty());
  EXPECT_EQ(v.identity.tee, "tdx");
  EXPECT_EQ(v.identity.version, 4);
  EXPECT_EQ(HexEncode(v.identity.mrtd),
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b"
            "2538873118b7");
  EXPECT_EQ(HexEncode(v.identity.fmspc), "b0c06f000000");
  EXPECT_EQ(HexEncode(v.identity.report_data).substr(0, 8), "9a9d48e7");
  EXPECT_EQ(HexEncode(v.identity.report_data).substr(120), "2b523f20");
  EXPECT_FALSE(v.identity.debug);
  for (const Bytes& r : v.identity.rtmr) EXPECT_EQ(r.size(), 48u);
}

TEST(DcapVerifier, TdxV5OutdatedQuoteMatchesNoTcbLevel) {
  QuoteVerdict v = VerifyAt(kTdxOutdated, kTdxOutdated.at);
  EXPECT_FALSE(v.verified);
  EXPECT_EQ(v.status, "TcbNotSupported");
  EXPECT_EQ(v.qv_result, 0xA006u);
  EXPECT_NE(v.error, "");
  EXPECT_EQ(v.identity.tee, "tdx");
  EXPECT_EQ(v.identity.version, 5);
  EXPECT_EQ(HexEncode(v.identity.fmspc), "90c06f000000");
}

// Each window is half-open: its first second and the second before its end verify; the
// second before it and its end do not.
class DcapWindow : public ::testing::TestWithParam<Vector> {};

TEST_P(DcapWindow, EdgesOfTheCollateralWindow) {
  const Vector& vec = GetParam();
  Collateral c = LoadCollateral(vec.name);
  std::string inside = VerifyAt(vec, vec.at, c).status;
  EXPECT_EQ(VerifyAt(vec, vec.window_start, c).status, inside);
  QuoteVerdict last = VerifyAt(vec, vec.window_end - 1, c);
  EXPECT_EQ(last.status, inside) << last.error;
  QuoteVerdict before = VerifyAt(vec, vec.window_start - 1, c);
  EXPECT_FALSE(before.verified);
  EXPECT_EQ(before.status, "CollateralNotYetValid") << before.error;
  EXPECT_EQ(before.qv_result, 0xA006u);
  QuoteVerdict after = VerifyAt(vec, vec.window_end, c);
  EXPECT_FALSE(after.verified);
  EXPECT_EQ(after.status, "CollateralExpired") << after.error;
  // Long after (the day these tests were written) and long before.
  EXPECT_EQ(VerifyAt(vec, 1795824000, c).status, "CollateralExpired");
  EXPECT_EQ(VerifyAt(vec, 1600000000, c).status, "CollateralNotYetValid");
}

INSTANTIATE_TEST_SUITE_P(Vectors, DcapWindow, ::testing::Values(kSgx, kTdx, kTdxOutdated),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(DcapVerifier, ClassUsesItsCollateralSourceAndTheIntelRoot) {
  auto source = std::make_shared<FixedCollateral>(LoadCollateral(kSgx.name));
  auto verifier = DcapQuoteVerifier::New(source);
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  Bytes quote = QuoteBytes(kSgx.name);
  auto v = (*verifier)->Verify(quote, std::chrono::system_clock::from_time_t(kSgx.at));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->verified);
  EXPECT_EQ(v->qv_result, 0xA008u);
}

TEST(DcapVerifier, AnotherRootIsNotTrusted) {
  // The TCB Signing certificate is a real Intel certificate, but not a root: pinning it must
  // make every chain fail, the PCK chain first.
  Collateral c = LoadCollateral(kSgx.name);
  auto chain = ParsePemChain(c.tcb_info_issuer_chain, 2);
  ASSERT_TRUE(chain.ok());
  for (const Vector& vec : {kSgx, kTdx}) {
    Bytes quote = QuoteBytes(vec.name);
    auto v = VerifyDcapQuote(quote, LoadCollateral(vec.name), vec.at, *(*chain)[0]);
    ASSERT_TRUE(v.ok());
    EXPECT_FALSE(v->verified);
    EXPECT_EQ(v->status, "PckChainError") << v->error;
    EXPECT_EQ(v->qv_result, 0xA006u);
  }
}

TEST(DcapVerifier, SelfMadeRootWithIntelsNameIsNotTrusted) {
  // A fresh P-256 key under Intel's subject: same name, different key.
  auto root = IntelRoot();
  crypto::OsslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  crypto::OsslPtr<X509> fake(X509_new());
  ASSERT_TRUE(key && fake);
  X509_set_version(fake.get(), 2);
  X509_set_subject_name(fake.get(), X509_get_subject_name(root.get()));
  X509_set_issuer_name(fake.get(), X509_get_subject_name(root.get()));
  X509_gmtime_adj(X509_getm_notBefore(fake.get()), -10 * 365 * 86400L);
  X509_gmtime_adj(X509_getm_notAfter(fake.get()), 10 * 365 * 86400L);
  X509_set_pubkey(fake.get(), key.get());
  ASSERT_GT(X509_sign(fake.get(), key.get(), EVP_sha256()), 0);
  Bytes quote = QuoteBytes(kSgx.name);
  auto v = VerifyDcapQuote(quote, LoadCollateral(kSgx.name), kSgx.at, *fake);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->verified);
  EXPECT_EQ(v->status, "PckChainError");
}

TEST(DcapVerifier, CollateralOfAnotherPlatformIsRejected) {
  // The TDX quote's PCK CRL is from the Platform CA; the SGX quote's chain needs the
  // Processor CA's, so the CRL is missing.
  Collateral tdx = LoadCollateral(kTdx.name);
  QuoteVerdict v = VerifyAt(kSgx, kSgx.at, tdx);
  EXPECT_FALSE(v.verified);
  EXPECT_EQ(v.status, "CrlError") << v.error;

  // Right CRLs, but the TCB info and QE identity of the TDX platform.
  Collateral mixed = LoadCollateral(kSgx.name);
  mixed.tcb_info = tdx.tcb_info;
  mixed.tcb_info_signature = tdx.tcb_info_signature;
  v = VerifyAt(kSgx, kSgx.at, mixed);
  EXPECT_EQ(v.status, "TcbInfoMismatch") << v.error;
  mixed = LoadCollateral(kSgx.name);
  mixed.qe_identity = tdx.qe_identity;
  mixed.qe_identity_signature = tdx.qe_identity_signature;
  v = VerifyAt(kSgx, kSgx.at, mixed);
  EXPECT_EQ(v.status, "QeIdentityMismatch") << v.error;
}

TEST(DcapVerifier, PckCrlInPlaceOfTheRootCrlIsRejected) {
  Collateral c = LoadCollateral(kSgx.name);
  c.root_ca_crl = c.pck_crl;
  QuoteVerdict v = VerifyAt(kSgx, kSgx.at, c);
  EXPECT_FALSE(v.verified);
  EXPECT_EQ(v.status, "CrlError") << v.error;
}

TEST(DcapVerifier, UnsupportedCertificationDataIsAVerdict) {
  Bytes quote = QuoteBytes(kSgx.name);
  // v3: certification data type at 1014 + N (N = 32).
  ASSERT_EQ(LoadU16(quote, 1046), 5);
  quote[1046] = 4;
  auto root = IntelRoot();
  auto v = VerifyDcapQuote(quote, LoadCollateral(kSgx.name), kSgx.at, *root);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_FALSE(v->verified);
  EXPECT_EQ(v->status, "UnsupportedCertificationData");
}

// The SGX v3 vector re-packed in the v4 and v5 layouts (QE section inside certification data
// type 6; v5 with a body descriptor). Only the header changed, so every step up to the quote
// signature passes, and the attestation key's signature over the new header fails: proof that
// these layouts are parsed and verified through the same steps.
Bytes RepackSgx(const Bytes& v3, uint16_t version) {
  auto le16 = [](Bytes& b, uint16_t v) {
    b.push_back(v & 0xff);
    b.push_back(v >> 8);
  };
  auto le32 = [&](Bytes& b, uint32_t v) {
    le16(b, v & 0xffff);
    le16(b, v >> 16);
  };
  Bytes out(v3.begin(), v3.begin() + 48);
  out[0] = static_cast<uint8_t>(version);
  if (version == 5) {
    le16(out, 1);  // SGX body
    le32(out, 384);
  }
  out.insert(out.end(), v3.begin() + 48, v3.begin() + 432);
  Bytes qe(v3.begin() + 564, v3.end());  // QE report .. end of the PCK chain
  Bytes sig(v3.begin() + 436, v3.begin() + 564);
  le16(sig, 6);
  le32(sig, static_cast<uint32_t>(qe.size()));
  sig.insert(sig.end(), qe.begin(), qe.end());
  le32(out, static_cast<uint32_t>(sig.size()));
  out.insert(out.end(), sig.begin(), sig.end());
  return out;
}

TEST(DcapVerifier, SgxV4AndV5LayoutsReachTheQuoteSignature) {
  Bytes v3 = QuoteBytes(kSgx.name);
  auto root = IntelRoot();
  Collateral c = LoadCollateral(kSgx.name);
  for (uint16_t version : {4, 5}) {
    Bytes quote = RepackSgx(v3, version);
    auto parsed = ParseQuote(quote);
    ASSERT_TRUE(parsed.ok()) << version << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->body_type, BodyType::kSgx);
    EXPECT_EQ(parsed->cert_data_type, kCertDataPckChain);
    auto v = VerifyDcapQuote(quote, c, kSgx.at, *root);
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->status, "QuoteSignatureInvalid") << version << ": " << v->error;
    EXPECT_EQ(v->identity.version, version);
    EXPECT_EQ(HexEncode(v->identity.mrenclave).substr(0, 8), "33d8736d");
  }
}

}  // namespace
}  // namespace kms::attest
