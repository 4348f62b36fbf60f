// ParseQuote on the real vectors and on hand-edited headers.

#include "attest/quote.h"

#include <gtest/gtest.h>

#include "attest/dcap_test_util.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;

size_t Offset(const Bytes& quote, ByteView v) {
  return static_cast<size_t>(v.data() - quote.data());
}

TEST(ParseQuote, SgxV3Layout) {
  Bytes quote = QuoteBytes("sgx_quote");
  auto q = ParseQuote(quote);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->version, 3);
  EXPECT_FALSE(q->is_tdx());
  EXPECT_EQ(q->body_type, BodyType::kSgx);
  EXPECT_EQ(q->signed_bytes.size(), 432u);
  EXPECT_EQ(Offset(quote, q->signature), 436u);
  EXPECT_EQ(Offset(quote, q->attestation_key), 500u);
  EXPECT_EQ(Offset(quote, q->qe_report), 564u);
  EXPECT_EQ(Offset(quote, q->qe_report_signature), 948u);
  EXPECT_EQ(q->qe_auth_data.size(), 32u);
  EXPECT_EQ(q->cert_data_type, kCertDataPckChain);
  EXPECT_EQ(Offset(quote, q->cert_data), 1052u);
  EXPECT_EQ(Offset(quote, q->cert_data) + q->cert_data.size(), quote.size());
}

TEST(ParseQuote, TdxV4LayoutWithZeroPadding) {
  Bytes quote = QuoteBytes("tdx_quote");
  auto q = ParseQuote(quote);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->version, 4);
  EXPECT_TRUE(q->is_tdx());
  EXPECT_EQ(q->body_type, BodyType::kTd10);
  EXPECT_EQ(q->signed_bytes.size(), 632u);
  EXPECT_EQ(Offset(quote, q->signature), 636u);
  EXPECT_EQ(Offset(quote, q->attestation_key), 700u);
  EXPECT_EQ(Offset(quote, q->qe_report), 770u);
  EXPECT_EQ(Offset(quote, q->qe_report_signature), 1154u);
  EXPECT_EQ(Offset(quote, q->qe_auth_data), 1220u);
  EXPECT_EQ(Offset(quote, q->cert_data), 1258u);
  EXPECT_EQ(Offset(quote, q->cert_data) + q->cert_data.size(), 4936u);
  EXPECT_EQ(quote.size(), 5006u);
}

TEST(ParseQuote, TdxV5WithTd15Body) {
  Bytes quote = QuoteBytes("tdx_quote_outdated");
  auto q = ParseQuote(quote);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->version, 5);
  EXPECT_EQ(q->body_type, BodyType::kTd15);
  EXPECT_EQ(q->body.size(), kTd15ReportSize);
  EXPECT_EQ(Offset(quote, q->body), 54u);
  EXPECT_EQ(q->signed_bytes.size(), 54u + 648u);
}

Status ParseEdited(const char* name, size_t off, uint8_t value) {
  Bytes quote = QuoteBytes(name);
  quote[off] = value;
  return ParseQuote(quote).status();
}

TEST(ParseQuote, HeaderFieldsOutsideTheSupportedSetAreInvalidArgument) {
  EXPECT_EQ(ParseEdited("sgx_quote", 0, 2).code(), Code::kInvalidArgument);            // version 2
  EXPECT_EQ(ParseEdited("sgx_quote", 0, 6).code(), Code::kInvalidArgument);            // version 6
  EXPECT_EQ(ParseEdited("sgx_quote", 2, 3).code(), Code::kInvalidArgument);            // P-384 key
  EXPECT_EQ(ParseEdited("sgx_quote", 4, 0x81).code(), Code::kInvalidArgument);         // v3 TDX
  EXPECT_EQ(ParseEdited("sgx_quote", 12, 0x94).code(), Code::kInvalidArgument);        // vendor
  EXPECT_EQ(ParseEdited("tdx_quote", 4, 0x82).code(), Code::kInvalidArgument);         // TEE type
  EXPECT_EQ(ParseEdited("tdx_quote", 764, 5).code(), Code::kInvalidArgument);          // not type 6
  EXPECT_EQ(ParseEdited("tdx_quote_outdated", 48, 1).code(), Code::kInvalidArgument);  // SGX body
  EXPECT_EQ(ParseEdited("tdx_quote_outdated", 48, 4).code(), Code::kInvalidArgument);  // type 4
  EXPECT_EQ(ParseEdited("tdx_quote_outdated", 50, 0x89).code(), Code::kInvalidArgument);  // size
  EXPECT_EQ(ParseEdited("tdx_quote", 5005, 1).code(), Code::kInvalidArgument);            // padding
  EXPECT_TRUE(ParseEdited("sgx_quote", 8, 0x55).ok());  // QE SVN: signed, not structural
}

TEST(ParseQuote, LengthsThatOverrunAreInvalidArgument) {
  Bytes quote = QuoteBytes("sgx_quote");
  for (size_t off : {432u, 1012u, 1048u}) {  // signature data, QE auth, cert data lengths
    Bytes q = quote;
    q[off + 1] = 0xff;
    EXPECT_EQ(ParseQuote(q).status().code(), Code::kInvalidArgument) << off;
  }
  Bytes q = quote;
  q[435] = 0xff;  // 4 GB signature data
  EXPECT_EQ(ParseQuote(q).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::attest
