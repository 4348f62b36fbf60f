// `import` with the real DCAP vectors: bundles and raw PCS responses are verified against the
// pinned root before anything is stored; tampered, expired or chainless items are refused with
// the file and item named, and the store is left as it was; newer replaces older, never the
// other way round.

#include "pccs/collateral_import.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "attest/pcs_response.h"
#include "common/percent_encoding.h"
#include "pccs/pccs_test_server.h"
#include "pccs/status_report.h"

namespace kms::pccs {
namespace {
using namespace kms::pccs::testing;
using namespace kms::attest::testing;

class ImportTest : public ::testing::Test {
 protected:
  ImportTest() : anchor_(IntelRoot()) {
    for (const char* sub : {"dir", "raw"}) std::filesystem::create_directories(tmp_.path(sub));
    auto s = SqliteCollateralStore::Open(tmp_.path("pccs.db"));
    EXPECT_TRUE(s.ok());
    store_ = std::move(s).value();
  }
  StatusOr<std::vector<ImportedItem>> Import(const std::string& path, int64_t at) {
    return ImportPath(path, *store_, *anchor_, at);
  }
  std::string WriteVector(const std::string& file, const std::string& vector) {
    return tmp_.Write(file, AsBytes(ReadVector(vector + "_collateral.json")));
  }
  std::vector<CollateralItem> Held() { return *store_->List(); }
  const CollateralItem* Find(const std::vector<CollateralItem>& items, ItemKind k,
                             const std::string& key) {
    for (const CollateralItem& i : items) {
      if (i.kind == k && i.key == key) return &i;
    }
    return nullptr;
  }

  crypto::testing::TempDir tmp_;
  crypto::OsslPtr<X509> anchor_;
  std::unique_ptr<SqliteCollateralStore> store_;
};

TEST_F(ImportTest, TheVectorBundlesGoInWhole) {
  auto r = Import(WriteVector("sgx.json", "sgx_quote"), kSgx.at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  std::vector<CollateralItem> held = Held();
  ASSERT_EQ(held.size(), 4u);
  attest::Collateral c = LoadCollateral("sgx_quote");
  const CollateralItem* tcb = Find(held, ItemKind::kTcbInfo, "sgx-00a067110000");
  ASSERT_NE(tcb, nullptr);
  EXPECT_EQ(tcb->body, c.tcb_info);  // byte for byte
  EXPECT_EQ(tcb->signature, c.tcb_info_signature);
  EXPECT_EQ(tcb->issuer_chain, c.tcb_info_issuer_chain);
  EXPECT_EQ(tcb->issue_date, 1750330571);  // 2025-06-19T10:56:11Z
  EXPECT_EQ(tcb->next_update, 1752922571);
  const CollateralItem* qe = Find(held, ItemKind::kEnclaveIdentity, "QE");
  ASSERT_NE(qe, nullptr);
  EXPECT_EQ(qe->body, c.qe_identity);
  const CollateralItem* pck = Find(held, ItemKind::kPckCrl, "processor");
  ASSERT_NE(pck, nullptr);
  EXPECT_EQ(pck->body, std::string(AsChars(c.pck_crl)));
  ASSERT_NE(Find(held, ItemKind::kRootCaCrl, "root"), nullptr);

  // A directory: the TDX bundle joins; the shared root CA CRL is the same one.
  WriteVector("dir/sgx.json", "sgx_quote");
  WriteVector("dir/tdx.json", "tdx_quote");
  auto d = Import(tmp_.path("dir"), kTdx.at);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  held = Held();
  EXPECT_EQ(held.size(), 7u);  // + TDX TCB info, TD_QE identity, platform PCK CRL
  EXPECT_NE(Find(held, ItemKind::kTcbInfo, "tdx-b0c06f000000"), nullptr);
  EXPECT_NE(Find(held, ItemKind::kEnclaveIdentity, "TD_QE"), nullptr);
  EXPECT_NE(Find(held, ItemKind::kPckCrl, "platform"), nullptr);
  for (const ImportedItem& i : *d) {
    if (i.source.ends_with("sgx.json")) {
      EXPECT_EQ(i.outcome, PutOutcome::kUnchanged) << i.description;
    }
  }
}

TEST_F(ImportTest, ATamperedItemIsRefusedAndNothingChanges) {
  ASSERT_TRUE(Import(WriteVector("good.json", "sgx_quote"), kSgx.at).ok());
  const std::vector<CollateralItem> before = Held();
  // Raise the TCB info's version in the signed text: the signature no longer covers it.
  std::string text = ReadVector("sgx_quote_collateral.json");
  size_t at = text.find("\\\"tcbEvaluationDataNumber\\\":");
  ASSERT_NE(at, std::string::npos);
  text[at + 28] = text[at + 28] == '9' ? '8' : '9';
  std::string bad = tmp_.Write("dir/tampered.json", AsBytes(text));
  WriteVector("dir/tdx.json", "tdx_quote");  // a good file in the same batch
  auto r = Import(tmp_.path("dir"), kSgx.at);
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find(bad + ": TCB info: TcbInfoSignatureInvalid: signature "
                                        "does not verify"),
            std::string::npos)
      << r.status().message();
  // The item is named once, not again in the reason.
  const std::string m = r.status().message();
  EXPECT_EQ(m.find("TCB info", m.find("TCB info") + 1), std::string::npos) << m;
  EXPECT_NE(r.status().message().find("nothing stored"), std::string::npos);
  std::vector<CollateralItem> after = Held();
  ASSERT_EQ(after.size(), before.size());  // not even the good TDX items went in
  for (size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].body, before[i].body);

  // The root certificate in a chain is never trusted by itself: only its key is compared
  // with the pinned root's. A TCB info sent with another signer's chain does not verify.
  attest::Collateral c = LoadCollateral("sgx_quote");
  std::string wrong = tmp_.Write(
      "wrong.http", AsBytes("HTTP/1.1 200 OK\r\nTCB-Info-Issuer-Chain: " +
                            PercentEncode(c.pck_crl_issuer_chain) + "\r\n\r\n" +
                            attest::PcsSignedJsonBody("tcbInfo", c.tcb_info, c.tcb_info_signature)));
  auto r2 = Import(wrong, kSgx.at);
  ASSERT_EQ(r2.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r2.status().message().find("wrong.http: TCB info: TcbInfoSignatureInvalid"),
            std::string::npos)
      << r2.status().message();
  EXPECT_EQ(Held().size(), before.size());
}

TEST_F(ImportTest, ExpiredAndNotYetValidCollateralIsRefused) {
  std::string file = WriteVector("sgx.json", "sgx_quote");
  auto expired = Import(file, kSgx.window_end);
  ASSERT_EQ(expired.status().code(), Code::kInvalidArgument);
  EXPECT_NE(expired.status().message().find("CollateralExpired"), std::string::npos)
      << expired.status().message();
  EXPECT_NE(expired.status().message().find("sgx.json"), std::string::npos);
  // Each refused item once, named by what it is: "QE identity", not "enclave identity: ...
  // QE identity".
  EXPECT_NE(expired.status().message().find("sgx.json: QE identity: CollateralExpired: "),
            std::string::npos)
      << expired.status().message();
  EXPECT_EQ(expired.status().message().find("QE identity: QE identity"), std::string::npos);
  auto early = Import(file, kSgx.window_start - 1);
  ASSERT_EQ(early.status().code(), Code::kInvalidArgument);
  EXPECT_NE(early.status().message().find("CollateralNotYetValid"), std::string::npos)
      << early.status().message();
  EXPECT_TRUE(Held().empty());
}

TEST_F(ImportTest, NewerReplacesOlderAndOlderNeverReplacesNewer) {
  ASSERT_TRUE(Import(WriteVector("2026.json", "tdx_quote_outdated"), kTdxOutdated.at).ok());
  const CollateralItem td_qe_2026 = *Find(Held(), ItemKind::kEnclaveIdentity, "TD_QE");
  auto r = Import(WriteVector("2025.json", "tdx_quote"), kTdx.at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (const ImportedItem& i : *r) {
    if (i.description == "TD_QE identity" || i.description == "PCK CRL platform") {
      EXPECT_EQ(i.outcome, PutOutcome::kKeptHeld) << i.description;
    }
  }
  EXPECT_EQ(Find(Held(), ItemKind::kEnclaveIdentity, "TD_QE")->body, td_qe_2026.body);

  crypto::testing::TempDir other;
  auto fresh = SqliteCollateralStore::Open(other.path("pccs.db"));
  ASSERT_TRUE(ImportPath(WriteVector("a.json", "tdx_quote"), **fresh, *anchor_, kTdx.at).ok());
  auto up = ImportPath(WriteVector("b.json", "tdx_quote_outdated"), **fresh, *anchor_,
                       kTdxOutdated.at);
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  auto held = *(*fresh)->List();
  EXPECT_EQ(Find(held, ItemKind::kEnclaveIdentity, "TD_QE")->body, td_qe_2026.body);
}

// The response as `curl -i` saves it from a PCS.
std::string SavedResponse(const std::string& header, const std::string& chain,
                          const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + header + ": " +
         PercentEncode(chain) + "\r\nRequest-ID: abc\r\n\r\n" + body;
}

TEST_F(ImportTest, RawPcsResponsesWithTheirHeaders) {
  attest::Collateral c = LoadCollateral("sgx_quote");
  tmp_.Write("raw/rootcacrl.der", c.root_ca_crl);
  tmp_.Write("raw/tcb.http",
             AsBytes(SavedResponse("TCB-Info-Issuer-Chain", c.tcb_info_issuer_chain,
                                   attest::PcsSignedJsonBody("tcbInfo", c.tcb_info,
                                                             c.tcb_info_signature))));
  tmp_.Write("raw/qe.http",
             AsBytes(SavedResponse("SGX-Enclave-Identity-Issuer-Chain", c.qe_identity_issuer_chain,
                                   attest::PcsSignedJsonBody("enclaveIdentity", c.qe_identity,
                                                             c.qe_identity_signature))));
  tmp_.Write("raw/pckcrl.http", AsBytes(SavedResponse("SGX-PCK-CRL-Issuer-Chain",
                                                      c.pck_crl_issuer_chain,
                                                      HexEncode(c.pck_crl))));
  auto r = Import(tmp_.path("raw"), kSgx.at);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<CollateralItem> held = Held();
  ASSERT_EQ(held.size(), 4u);
  EXPECT_EQ(Find(held, ItemKind::kTcbInfo, "sgx-00a067110000")->body, c.tcb_info);
  EXPECT_EQ(Find(held, ItemKind::kPckCrl, "processor")->body, std::string(AsChars(c.pck_crl)));

  // A body saved without its headers has no chain: refused, saying what to do.
  std::string bare = tmp_.Write("bare.json", AsBytes(attest::PcsSignedJsonBody(
                                                 "tcbInfo", c.tcb_info, c.tcb_info_signature)));
  auto b = Import(bare, kSgx.at);
  ASSERT_EQ(b.status().code(), Code::kInvalidArgument);
  EXPECT_NE(b.status().message().find("curl -i"), std::string::npos) << b.status().message();
}

TEST_F(ImportTest, WithoutARootCaCrlNothingElseCanBeChecked) {
  attest::Collateral c = LoadCollateral("sgx_quote");
  std::string tcb = tmp_.Write(
      "tcb.http", AsBytes(SavedResponse("TCB-Info-Issuer-Chain", c.tcb_info_issuer_chain,
                                        attest::PcsSignedJsonBody("tcbInfo", c.tcb_info,
                                                                  c.tcb_info_signature))));
  auto r = Import(tcb, kSgx.at);
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no valid root CA CRL"), std::string::npos)
      << r.status().message();
  // Once one is held, the same file goes in.
  ASSERT_TRUE(Import(tmp_.Write("root.crl", c.root_ca_crl), kSgx.at).ok());
  EXPECT_TRUE(Import(tcb, kSgx.at).ok());
}

TEST_F(ImportTest, StatusWarnsAboutItemsExpiringWithinAWeek) {
  ASSERT_TRUE(Import(WriteVector("sgx.json", "sgx_quote"), kSgx.at).ok());
  StatusReport fine = MakeStatusReport(Held(), kSgx.at);
  EXPECT_EQ(fine.warnings, 0) << fine.text;
  EXPECT_NE(fine.text.find("TCB info sgx-00a067110000  issued 2025-06-19T10:56:11Z  nextUpdate "
                           "2025-07-19T10:56:11Z"),
            std::string::npos)
      << fine.text;
  // Eight days before the PCK CRL's and the TCB info's nextUpdate nothing warns; six days
  // before, the items expiring then do.
  StatusReport soon = MakeStatusReport(Held(), kSgx.window_end - 6 * 86400);
  EXPECT_GE(soon.warnings, 1) << soon.text;
  EXPECT_NE(soon.text.find("WARNING: "), std::string::npos);
  StatusReport late = MakeStatusReport(Held(), kSgx.window_end + 1);
  EXPECT_NE(late.text.find("expired at"), std::string::npos) << late.text;
}

}  // namespace
}  // namespace kms::pccs
