// PEM chain splitting and the SGX extension of real PCK certificates.

#include "attest/pck_cert.h"

#include <gtest/gtest.h>

#include "attest/dcap_test_util.h"
#include "attest/quote.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;

std::string PckPem(const char* quote_name) {
  Bytes quote = QuoteBytes(quote_name);
  auto q = ParseQuote(quote);
  EXPECT_TRUE(q.ok());
  return std::string(AsChars(q->cert_data));
}

TEST(PckCert, SgxProcessorChainAndExtension) {
  std::string pem = PckPem("sgx_quote");
  EXPECT_EQ(pem.back(), '\0');  // Intel's QE appends a NUL
  auto chain = ParsePemChain(pem, 3);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_EQ(chain->size(), 3u);
  EXPECT_EQ(CommonName(X509_get_subject_name((*chain)[0].get())), "Intel SGX PCK Certificate");
  EXPECT_EQ(CommonName(X509_get_subject_name((*chain)[1].get())), "Intel SGX PCK Processor CA");
  EXPECT_EQ(CommonName(X509_get_subject_name((*chain)[2].get())), "Intel SGX Root CA");
  auto ext = ReadPckExtension(*(*chain)[0]);
  ASSERT_TRUE(ext.ok()) << ext.status().ToString();
  EXPECT_EQ(HexEncode(ext->fmspc), "00a067110000");
  EXPECT_EQ(HexEncode(ext->pce_id), "0000");
  const std::array<uint16_t, 16> svn = {11, 11, 2, 2, 255, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ext->sgx_tcb_svn, svn);
  EXPECT_EQ(ext->pcesvn, 13);
  EXPECT_EQ(ext->cpusvn.size(), 16u);
  EXPECT_EQ(ext->ppid.size(), 16u);
}

TEST(PckCert, TdxPlatformChainAndExtension) {
  auto chain = ParsePemChain(PckPem("tdx_quote"), 3);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(CommonName(X509_get_subject_name((*chain)[1].get())), "Intel SGX PCK Platform CA");
  auto ext = ReadPckExtension(*(*chain)[0]);
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(HexEncode(ext->fmspc), "b0c06f000000");
  const std::array<uint16_t, 16> svn = {3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(ext->sgx_tcb_svn, svn);
  EXPECT_EQ(ext->pcesvn, 11);
}

TEST(PckCert, ChainLimitsAndMalformedBlocks) {
  std::string pem = PckPem("sgx_quote");
  EXPECT_EQ(ParsePemChain(pem, 2).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParsePemChain("no certificate here", 3).status().code(), Code::kInvalidArgument);
  std::string broken = pem;
  broken[100] = '*';
  EXPECT_EQ(ParsePemChain(broken, 3).status().code(), Code::kInvalidArgument);
}

TEST(PckCert, ExtensionDecoderRejectsMalformedDer) {
  auto chain = ParsePemChain(PckPem("sgx_quote"), 3);
  ASSERT_TRUE(chain.ok());
  crypto::OsslPtr<ASN1_OBJECT> oid(OBJ_txt2obj("1.2.840.113741.1.13.1", 1));
  X509_EXTENSION* x =
      X509_get_ext((*chain)[0].get(), X509_get_ext_by_OBJ((*chain)[0].get(), oid.get(), -1));
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(x);
  Bytes der(ASN1_STRING_get0_data(data), ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
  ASSERT_TRUE(DecodePckExtension(der).ok());
  // Every truncation fails cleanly (the outer length no longer fits).
  for (size_t n = 0; n < der.size(); ++n) {
    EXPECT_FALSE(DecodePckExtension(ByteView(der).first(n)).ok()) << n;
  }
  Bytes longer = der;
  longer.push_back(0);
  EXPECT_FALSE(DecodePckExtension(longer).ok());
}

TEST(PckCert, IntelRootConstantIsTheVectorFile) {
  std::string der = ReadVector("IntelSGXRootCA.der");
  ByteView pinned = IntelSgxRootCaDer();
  EXPECT_EQ(AsChars(pinned), der);
  auto root = CertFromDer(pinned);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(CommonName(X509_get_subject_name(root->get())), "Intel SGX Root CA");
}

}  // namespace
}  // namespace kms::attest
