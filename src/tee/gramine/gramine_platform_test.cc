// GraminePlatform against a fake /dev/attestation: a plain directory with Gramine's file
// names, a report made from the real SGX vector's body and that vector as the quote. What this
// cannot show (real EREPORT, EGETKEY, the quoting enclave) needs a Gramine SGX enclave.

#include "tee/gramine/gramine_platform.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "attest/dcap_test_util.h"
#include "attest/dcap_verifier.h"
#include "attest/quote.h"
#include "crypto/test_util.h"

namespace kms::tee {
namespace {
using namespace kms::attest::testing;
using kms::crypto::testing::TempDir;

class FakeAttestation {
 public:
  FakeAttestation() {
    std::filesystem::create_directories(dir_.path("keys"));
    Write("attestation_type", ToBytes("dcap"));
    Write("my_target_info", Bytes(512, 0x5a));
    Write("target_info", {});
    Write("user_report_data", Bytes(64, 0xff));
    quote_ = QuoteBytes("sgx_quote");
    Bytes report(quote_.begin() + 48, quote_.begin() + 48 + attest::kSgxReportSize);
    report.resize(432, 0);  // key id and MAC
    Write("report", report);
    Write("quote", quote_);
    Write("keys/_sgx_mrenclave", Bytes(16, 0x01));
    Write("keys/_sgx_mrsigner", Bytes(16, 0x02));
  }
  void Write(const std::string& name, ByteView data) { dir_.Write(name, data); }
  Bytes Read(const std::string& name) const { return dir_.Read(name); }
  std::string root() const { return dir_.path(""); }
  const Bytes& quote() const { return quote_; }

  std::unique_ptr<GraminePlatform> Open() const {
    auto p = GraminePlatform::Open({.root = root()});
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }

 private:
  TempDir dir_;
  Bytes quote_;
};

// The report data of the SGX vector: "Hello, world!" and zeros.
Bytes VectorReportData() {
  Bytes rd(64, 0);
  std::string hello = "Hello, world!";
  std::copy(hello.begin(), hello.end(), rd.begin());
  return rd;
}

TEST(GraminePlatform, IdentityComesFromTheEnclavesOwnReport) {
  FakeAttestation fake;
  auto p = fake.Open();
  ASSERT_NE(p, nullptr);
  const TeeIdentity& id = p->Identity();
  EXPECT_EQ(id.tee_type, "sgx");
  EXPECT_EQ(HexEncode(id.mrenclave),
            "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(HexEncode(id.mrsigner),
            "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(id.prod_id, 0);
  EXPECT_EQ(id.svn, 0);
  EXPECT_FALSE(id.debug);
  EXPECT_FALSE(p->IsSimulation());
  EXPECT_EQ(p->attestation_type(), "dcap");
  // The report was asked for this enclave itself, with zero report data.
  EXPECT_EQ(fake.Read("target_info"), Bytes(512, 0x5a));
  EXPECT_EQ(fake.Read("user_report_data"), Bytes(64, 0));
}

TEST(GraminePlatform, QuoteCarriesTheReportDataAndVerifies) {
  FakeAttestation fake;
  auto p = fake.Open();
  ASSERT_NE(p, nullptr);
  auto quote = p->GenerateQuote(VectorReportData());
  ASSERT_TRUE(quote.ok()) << quote.status().ToString();
  EXPECT_EQ(*quote, fake.quote());
  EXPECT_EQ(fake.Read("user_report_data"), VectorReportData());  // written before reading
  auto verifier = attest::DcapQuoteVerifier::New(
      std::make_shared<attest::FixedCollateral>(LoadCollateral("sgx_quote")));
  ASSERT_TRUE(verifier.ok());
  auto v = (*verifier)->Verify(
      *quote, std::chrono::system_clock::time_point(std::chrono::seconds(kSgx.at)));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->verified) << v->error;
  EXPECT_EQ(v->identity.mrenclave, p->Identity().mrenclave);
}

TEST(GraminePlatform, RefusesAQuoteThatDoesNotCarryTheReportData) {
  FakeAttestation fake;
  auto p = fake.Open();
  ASSERT_NE(p, nullptr);
  auto other = p->GenerateQuote(Bytes(64, 0x42));
  EXPECT_EQ(other.status().code(), Code::kInternal) << other.status().ToString();
  fake.Write("quote", ToBytes("not a quote"));
  EXPECT_EQ(p->GenerateQuote(VectorReportData()).status().code(), Code::kInternal);
  EXPECT_EQ(p->GenerateQuote(Bytes(32, 0)).status().code(), Code::kInvalidArgument);
}

TEST(GraminePlatform, QuotesNeedDcap) {
  FakeAttestation fake;
  fake.Write("attestation_type", ToBytes("none\n"));
  auto p = fake.Open();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->attestation_type(), "none");
  EXPECT_EQ(p->GenerateQuote(VectorReportData()).status().code(), Code::kFailedPrecondition);
}

TEST(GraminePlatform, SealsUnderTheGramineKeyOfThePolicy) {
  FakeAttestation fake;
  auto p = fake.Open();
  ASSERT_NE(p, nullptr);
  Bytes secret = ToBytes("domain key bytes");
  auto by_enclave = p->Seal(secret, AsBytes("aad"), SealPolicy::kMrEnclave);
  auto by_signer = p->Seal(secret, AsBytes("aad"), SealPolicy::kMrSigner);
  ASSERT_TRUE(by_enclave.ok() && by_signer.ok());
  auto back = p->Unseal(*by_enclave, AsBytes("aad"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), secret);
  EXPECT_EQ(p->Unseal(*by_enclave, AsBytes("other")).status().code(), Code::kDataLoss);

  // Another MRENCLAVE (its Gramine key differs): only the MRSIGNER blob still unseals.
  fake.Write("keys/_sgx_mrenclave", Bytes(16, 0x03));
  auto upgraded = fake.Open();
  ASSERT_NE(upgraded, nullptr);
  EXPECT_EQ(upgraded->Unseal(*by_enclave, AsBytes("aad")).status().code(), Code::kDataLoss);
  EXPECT_TRUE(upgraded->Unseal(*by_signer, AsBytes("aad")).ok());
  // Another signer: neither.
  fake.Write("keys/_sgx_mrsigner", Bytes(16, 0x04));
  auto foreign = fake.Open();
  ASSERT_NE(foreign, nullptr);
  EXPECT_EQ(foreign->Unseal(*by_signer, AsBytes("aad")).status().code(), Code::kDataLoss);
}

TEST(GraminePlatform, OutsideAnEnclaveAndBrokenFilesAreClearErrors) {
  TempDir empty;
  auto none = GraminePlatform::Open({.root = empty.path("")});
  ASSERT_EQ(none.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("not running inside a Gramine SGX enclave"),
            std::string::npos);
  {
    FakeAttestation fake;
    fake.Write("report", Bytes(100, 0));
    auto p = GraminePlatform::Open({.root = fake.root()});
    EXPECT_EQ(p.status().code(), Code::kDataLoss) << p.status().ToString();
  }
  {
    FakeAttestation fake;
    fake.Write("keys/_sgx_mrsigner", Bytes(32, 0));
    auto p = GraminePlatform::Open({.root = fake.root()});
    EXPECT_EQ(p.status().code(), Code::kDataLoss) << p.status().ToString();
  }
}

}  // namespace
}  // namespace kms::tee
