// Every change to what a quote or its collateral signs must be rejected; every truncation of a
// quote must be refused as malformed, without a crash. Positions are sampled (every 7th byte,
// from an offset that varies per region) to keep the run short; EHSM_SLOW_TESTS=1 flips every
// byte. The regions are the whole signed areas: header and report body, signature,
// attestation key, QE report, QE report signature, QE authentication data, and the TCB info
// and QE identity texts.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "attest/dcap_test_util.h"
#include "attest/dcap_verifier.h"
#include "attest/quote.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;

const size_t kStride = std::getenv("EHSM_SLOW_TESTS") != nullptr ? 1 : 7;

struct Region {
  const char* name;
  size_t begin, end;
};

std::vector<Region> SignedRegions(ByteView quote) {
  auto q = ParseQuote(quote);
  EXPECT_TRUE(q.ok());
  auto at = [&](ByteView v) { return static_cast<size_t>(v.data() - quote.data()); };
  auto region = [&](const char* name, ByteView v) { return Region{name, at(v), at(v) + v.size()}; };
  return {region("header+body", q->signed_bytes),
          region("signature", q->signature),
          region("attestation key", q->attestation_key),
          region("QE report", q->qe_report),
          region("QE report signature", q->qe_report_signature),
          region("QE auth data", q->qe_auth_data)};
}

class DcapTamper : public ::testing::TestWithParam<Vector> {
 protected:
  void SetUp() override {
    quote_ = QuoteBytes(GetParam().name);
    collateral_ = LoadCollateral(GetParam().name);
    root_ = IntelRoot();
    auto v = VerifyDcapQuote(quote_, collateral_, GetParam().at, *root_);
    ASSERT_TRUE(v.ok());
    baseline_ = *v;
  }

  // Rejected: not a quote, or not verified with a status other than the untouched one.
  ::testing::AssertionResult Rejected(ByteView quote, const Collateral& c) {
    auto v = VerifyDcapQuote(quote, c, GetParam().at, *root_);
    if (!v.ok()) return ::testing::AssertionSuccess();
    if (v->verified) return ::testing::AssertionFailure() << "verified as " << v->status;
    if (v->status == baseline_.status) {
      return ::testing::AssertionFailure() << "same outcome as the original: " << v->status;
    }
    return ::testing::AssertionSuccess();
  }

  Bytes quote_;
  Collateral collateral_;
  crypto::OsslPtr<X509> root_;
  QuoteVerdict baseline_;
};

TEST_P(DcapTamper, ByteFlipsInTheSignedRegionsOfTheQuoteAreRejected) {
  size_t tried = 0;
  for (const Region& r : SignedRegions(quote_)) {
    for (size_t i = r.begin + (r.begin % kStride); i < r.end; i += kStride) {
      Bytes q = quote_;
      q[i] ^= 0x01;
      EXPECT_TRUE(Rejected(q, collateral_)) << r.name << " byte " << i;
      ++tried;
    }
    // Both ends of every region, whatever the stride skipped.
    for (size_t i : {r.begin, r.end - 1}) {
      Bytes q = quote_;
      q[i] ^= 0x80;
      EXPECT_TRUE(Rejected(q, collateral_)) << r.name << " byte " << i;
    }
  }
  EXPECT_GT(tried, 140u);  // SGX v3: 1040 signed bytes / 7
}

TEST_P(DcapTamper, ByteFlipsInTheTcbInfoAndQeIdentityTextsAreRejected) {
  for (std::string Collateral::*text : {&Collateral::tcb_info, &Collateral::qe_identity}) {
    const std::string& original = collateral_.*text;
    for (size_t i = 3 % kStride; i < original.size(); i += kStride) {
      Collateral c = collateral_;
      (c.*text)[i] ^= 0x01;
      EXPECT_TRUE(Rejected(quote_, c)) << "byte " << i;
    }
    // Re-serialising would not change meaning but does change bytes: also rejected.
    Collateral spaced = collateral_;
    (spaced.*text).insert(1, " ");
    EXPECT_TRUE(Rejected(quote_, spaced));
  }
}

TEST_P(DcapTamper, ByteFlipsInTheCollateralSignaturesAreRejected) {
  for (Bytes Collateral::*sig :
       {&Collateral::tcb_info_signature, &Collateral::qe_identity_signature}) {
    for (size_t i = 0; i < 64; i += 3) {
      Collateral c = collateral_;
      (c.*sig)[i] ^= 0x01;
      EXPECT_TRUE(Rejected(quote_, c)) << "byte " << i;
    }
  }
}

TEST_P(DcapTamper, EveryTruncationIsInvalidArgument) {
  auto q = ParseQuote(quote_);
  ASSERT_TRUE(q.ok());
  // Where the signature data ends; after it the real TDX quote has zero padding only.
  size_t end = static_cast<size_t>(q->cert_data.data() + q->cert_data.size() - quote_.data());
  for (size_t n = 0; n < quote_.size(); ++n) {
    auto v = VerifyDcapQuote(ByteView(quote_).first(n), collateral_, GetParam().at, *root_);
    if (n < end) {
      ASSERT_FALSE(v.ok()) << "length " << n;
      ASSERT_EQ(v.status().code(), Code::kInvalidArgument) << "length " << n;
    } else {
      ASSERT_TRUE(v.ok()) << "length " << n << ": " << v.status().ToString();
      EXPECT_EQ(v->status, baseline_.status);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Vectors, DcapTamper, ::testing::Values(kSgx, kTdx, kTdxOutdated),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace kms::attest
