// The dcap-qvl collateral form, CRL encodings, and the TCB info / QE identity models.

#include "attest/collateral.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <boost/json.hpp>
#include <cctype>

#include "attest/dcap_test_util.h"
#include "attest/tcb_info.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;
namespace json = boost::json;

TEST(Collateral, ParsesTheVectorFilesWithTheSignedTextsVerbatim) {
  for (const char* name : {"sgx_quote", "tdx_quote", "tdx_quote_outdated"}) {
    std::string text = ReadVector(std::string(name) + "_collateral.json");
    auto c = ParseCollateralJson(text);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    json::object o = json::parse(text).as_object();
    EXPECT_EQ(c->tcb_info, std::string(o["tcb_info"].as_string()));
    EXPECT_EQ(c->qe_identity, std::string(o["qe_identity"].as_string()));
    EXPECT_EQ(c->tcb_info_signature.size(), 64u);
    EXPECT_EQ(c->root_ca_crl[0], 0x30);  // hex decoded to DER
    EXPECT_EQ(c->pck_crl[0], 0x30);
  }
}

TEST(Collateral, MissingOrMistypedFieldsAreInvalidArgument) {
  json::object o = json::parse(ReadVector("sgx_quote_collateral.json")).as_object();
  for (const char* field : {"pck_crl_issuer_chain", "root_ca_crl", "pck_crl", "tcb_info",
                            "tcb_info_signature", "qe_identity", "qe_identity_signature",
                            "tcb_info_issuer_chain", "qe_identity_issuer_chain"}) {
    json::object missing = o;
    missing.erase(field);
    EXPECT_EQ(ParseCollateralJson(json::serialize(missing)).status().code(), Code::kInvalidArgument)
        << field;
    json::object number = o;
    number[field] = 1;
    EXPECT_EQ(ParseCollateralJson(json::serialize(number)).status().code(), Code::kInvalidArgument)
        << field;
  }
  json::object short_sig = o;
  short_sig["tcb_info_signature"] = "abcd";
  EXPECT_FALSE(ParseCollateralJson(json::serialize(short_sig)).ok());
  EXPECT_FALSE(ParseCollateralJson("[]").ok());
  EXPECT_FALSE(ParseCollateralJson("{").ok());
  EXPECT_FALSE(ParseCollateralJson(std::string(kMaxCollateralJsonSize + 1, ' ')).ok());
}

TEST(Collateral, CrlAsHexDerOrPemDecodesToTheSameDer) {
  Collateral c = LoadCollateral("sgx_quote");
  const Bytes& der = c.root_ca_crl;
  EXPECT_EQ(*DecodeCrl(HexEncode(der)), der);
  std::string upper = HexEncode(der);
  for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  EXPECT_EQ(*DecodeCrl(upper), der);
  EXPECT_EQ(*DecodeCrl(AsChars(der)), der);
  auto crl = CrlFromDer(der);
  ASSERT_TRUE(crl.ok());
  crypto::OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_X509_CRL(bio.get(), crl->get()), 1);
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  EXPECT_EQ(*DecodeCrl(std::string_view(p, static_cast<size_t>(n))), der);
  EXPECT_FALSE(DecodeCrl("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n").ok());
  EXPECT_FALSE(DecodeCrl("abc").ok());  // odd hex
}

TEST(TcbInfo, SgxV3Model) {
  auto info = ParseTcbInfo(LoadCollateral("sgx_quote").tcb_info);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, "SGX");
  EXPECT_EQ(info->version, 3);
  EXPECT_EQ(info->issue_date, 1750330571);
  EXPECT_EQ(HexEncode(info->fmspc), "00a067110000");
  ASSERT_EQ(info->levels.size(), 11u);
  EXPECT_EQ(info->levels[0].status, TcbStatus::kSwHardeningNeeded);
  EXPECT_EQ(info->levels[1].status, TcbStatus::kConfigurationAndSwHardeningNeeded);
  EXPECT_EQ(info->levels[0].sgx_svn[0], 11);
  EXPECT_FALSE(info->levels[0].tdx_svn);
  EXPECT_FALSE(info->tdx_module);
}

TEST(TcbInfo, TdxModel) {
  auto info = ParseTcbInfo(LoadCollateral("tdx_quote").tcb_info);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->id, "TDX");
  ASSERT_TRUE(info->tdx_module);
  EXPECT_EQ(info->tdx_module->mrsigner, Bytes(48, 0));
  ASSERT_EQ(info->tdx_module_identities.size(), 2u);
  EXPECT_EQ(info->tdx_module_identities[1].id, "TDX_01");
  EXPECT_EQ(info->tdx_module_identities[1].levels[0].isvsvn, 4);
  ASSERT_TRUE(info->levels[0].tdx_svn);
  EXPECT_EQ((*info->levels[0].tdx_svn)[0], 5);
}

TEST(TcbInfo, V2LevelsAndUnknownStatus) {
  std::string v2 = R"({"version":2,"issueDate":"2025-01-01T00:00:00Z",
    "nextUpdate":"2025-02-01T00:00:00Z","fmspc":"00a067110000","pceId":"0000","tcbLevels":[
    {"tcb":{"sgxtcbcomp01svn":1,"sgxtcbcomp02svn":2,"sgxtcbcomp03svn":3,"sgxtcbcomp04svn":4,
    "sgxtcbcomp05svn":5,"sgxtcbcomp06svn":6,"sgxtcbcomp07svn":7,"sgxtcbcomp08svn":8,
    "sgxtcbcomp09svn":9,"sgxtcbcomp10svn":10,"sgxtcbcomp11svn":11,"sgxtcbcomp12svn":12,
    "sgxtcbcomp13svn":13,"sgxtcbcomp14svn":14,"sgxtcbcomp15svn":15,"sgxtcbcomp16svn":16,
    "pcesvn":9},"tcbDate":"2025-01-01T00:00:00Z","tcbStatus":"OutOfDate"}]})";
  auto info = ParseTcbInfo(v2);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->levels[0].sgx_svn[15], 16);
  EXPECT_EQ(info->levels[0].pcesvn, 9);
  std::string unknown = v2;
  unknown.replace(unknown.find("OutOfDate"), 9, "Fine");
  EXPECT_EQ(ParseTcbInfo(unknown).status().code(), Code::kInvalidArgument);
  std::string v4 = v2;
  v4.replace(v4.find("\"version\":2"), 11, "\"version\":4");
  EXPECT_FALSE(ParseTcbInfo(v4).ok());
}

TEST(QeIdentity, SgxModel) {
  auto qe = ParseQeIdentity(LoadCollateral("sgx_quote").qe_identity);
  ASSERT_TRUE(qe.ok()) << qe.status().ToString();
  EXPECT_EQ(qe->id, "QE");
  EXPECT_EQ(qe->isvprodid, 1);
  EXPECT_EQ(qe->miscselect_mask, 0xffffffffu);
  EXPECT_EQ(qe->attributes[0], 0x11);
  EXPECT_EQ(qe->attributes_mask[0], 0xfb);
  EXPECT_EQ(qe->next_update, 1752919278);
  EXPECT_EQ(qe->levels[0].isvsvn, 8);
  EXPECT_EQ(qe->levels[0].status, TcbStatus::kUpToDate);
}

TEST(Rfc3339, UtcFormsOnly) {
  EXPECT_EQ(*ParseRfc3339Utc("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*ParseRfc3339Utc("2025-06-19T10:56:11Z"), 1750330571);
  EXPECT_EQ(*ParseRfc3339Utc("2024-02-29T23:59:59.123Z"), 1709251199);
  EXPECT_FALSE(ParseRfc3339Utc("2025-06-19T10:56:11+01:00").ok());
  EXPECT_FALSE(ParseRfc3339Utc("2025-06-19 10:56:11Z").ok());
  EXPECT_FALSE(ParseRfc3339Utc("2025-13-19T10:56:11Z").ok());
  EXPECT_FALSE(ParseRfc3339Utc("").ok());
}

}  // namespace
}  // namespace kms::attest
