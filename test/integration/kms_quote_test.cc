// The four remote-attestation actions end to end against the real binary: the sim round trip
// GenerateQuote -> VerifyQuote with and without a policy, the challenge bound into the quote,
// what `sign` covers, broken quotes (400), simulation not allowed and real quotes without a
// collateral source (result false with a reason), and the quote-policy errors.

#include <boost/json/serialize.hpp>
#include <cctype>
#include <chrono>
#include <tuple>

#include "attest/dcap_verifier.h"
#include "attest/intel_root_ca.h"
#include "common/file_util.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "kms_test_fixture.h"
#include "tee/sim/sim_platform.h"

namespace kms::testing {
namespace {

using boost::json::object;

constexpr char kMrEnclave[] = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
constexpr char kMrSigner[] = "2222222222222222222222222222222222222222222222222222222222222222";
constexpr char kOther[] = "3333333333333333333333333333333333333333333333333333333333333333";

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

const object& ResultOf(const boost::json::value& reply) {
  static const object empty;
  if (!reply.is_object()) return empty;
  const auto* r = reply.get_object().if_contains("result");
  return r != nullptr && r->is_object() ? r->get_object() : empty;
}

// base64(HMAC-SHA256(apikey, text)), as a client recomputes `sign`.
std::string Hmac(const std::string& apikey, const std::string& text) {
  auto mac = crypto::HmacSha256(AsBytes(apikey), AsBytes(text));
  return mac.ok() ? crypto::Base64Encode(*mac) : "";
}

class KmsQuotes : public KmsFixture {
 protected:
  std::vector<std::string> extra_args_or(std::vector<std::string> extra) override {
    if (!allow_simulation_) return extra;
    for (const char* a : {"--sim-isvprodid", "7", "--sim-isvsvn", "3"}) extra.emplace_back(a);
    return WithSimAttestation(std::move(extra), kMrEnclave, kMrSigner);
  }
  void SetUp() override {
    KmsFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    client_->Enroll();
  }

  std::string Upload(const std::string& mr_enclave, const std::string& mr_signer) {
    auto r =
        client_->Call("UploadQuotePolicy", {{"mr_enclave", mr_enclave}, {"mr_signer", mr_signer}});
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    EXPECT_EQ(MessageOf(r), "Upload quote policy success.");
    return ResultString(r, "policyId");
  }
  std::string Quote(const std::string& challenge) {
    auto r = client_->Call("GenerateQuote", {{"challenge", challenge}});
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    EXPECT_EQ(ResultString(r, "challenge"), challenge);
    return ResultString(r, "quote");
  }
  boost::json::value Verify(const std::string& quote, const std::string& policy_id = "") {
    object p{{"quote", quote}, {"nonce", B64("nonce-1")}};
    if (!policy_id.empty()) p["policyId"] = policy_id;
    return client_->Call("VerifyQuote", p);
  }

  bool allow_simulation_ = true;
};

TEST_F(KmsQuotes, SimRoundTripMatchesItsPolicyAndFailsAnotherWithAReason) {
  std::string quote = Quote(B64("challenge"));
  std::string mine = Upload(kMrEnclave, kMrSigner);

  auto ok = Verify(quote, mine);
  ASSERT_EQ(CodeOf(ok), 200) << MessageOf(ok);
  EXPECT_EQ(MessageOf(ok), "success!");
  const object& r = ResultOf(ok);
  EXPECT_EQ(r.at("result"), true) << boost::json::serialize(ok);
  EXPECT_EQ(r.at("qv_result"), 0);
  EXPECT_EQ(r.at("nonce").as_string(), B64("nonce-1"));
  EXPECT_EQ(r.at("mr_enclave"), kMrEnclave);
  EXPECT_EQ(r.at("mr_signer"), kMrSigner);
  EXPECT_FALSE(r.contains("reason"));

  for (auto [enclave, signer, named] :
       {std::tuple{kOther, kMrSigner, "MRENCLAVE"}, std::tuple{kMrEnclave, kOther, "MRSIGNER"}}) {
    auto no = Verify(quote, Upload(enclave, signer));
    ASSERT_EQ(CodeOf(no), 200) << MessageOf(no);
    const object& n = ResultOf(no);
    EXPECT_EQ(n.at("result"), false);
    ASSERT_TRUE(n.contains("reason"));
    std::string reason(n.at("reason").as_string());
    EXPECT_NE(reason.find(named), std::string::npos) << reason;
    EXPECT_NE(reason.find(kOther), std::string::npos) << reason;
  }

  auto no_policy = Verify(quote);
  ASSERT_EQ(CodeOf(no_policy), 200) << MessageOf(no_policy);
  EXPECT_EQ(ResultOf(no_policy).at("result"), true);
  EXPECT_FALSE(ResultOf(no_policy).contains("mr_enclave"));
}

TEST_F(KmsQuotes, PolicyHexIsComparedCaseInsensitivelyAndEchoedAsUploaded) {
  std::string upper(kMrEnclave);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto r = Verify(Quote(B64("c")), Upload(upper, kMrSigner));
  EXPECT_EQ(ResultOf(r).at("result"), true) << boost::json::serialize(r);
  EXPECT_EQ(ResultOf(r).at("mr_enclave").as_string(), upper);
}

TEST_F(KmsQuotes, QuoteCarriesTheIdentityAndSha256OfTheChallengeAsSent) {
  const std::string challenge = B64("bind me");
  std::string quote = Quote(challenge);
  // The sim chain lives in the KMS's memory only; this process, given the same platform
  // secret, derives the same sim root key and so verifies the KMS's quote.
  EXPECT_FALSE(FileExists(data_dir() + "/platform.secret.sim-root-ca.der"));
  EXPECT_FALSE(FileExists(data_dir() + "/platform.secret.sim-attestation"));
  auto pinner =
      tee::SimPlatform::Open({.secret_path = data_dir() + "/platform.secret", .identity = {}});
  ASSERT_TRUE(pinner.ok()) << pinner.status().ToString();
  auto der = (*pinner)->SimRootCaDer();
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  auto verifier = attest::DcapQuoteVerifier::New(
      nullptr, attest::IntelSgxRootCaDer(),
      attest::SimulationTrust{.allow_simulation = true, .sim_root_ca_der = *der});
  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  auto verdict =
      (*verifier)->Verify(*crypto::Base64Decode(quote), std::chrono::system_clock::now());
  ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
  EXPECT_TRUE(verdict->verified) << verdict->error;
  EXPECT_EQ(verdict->identity.tee, "sim");
  EXPECT_EQ(HexEncode(verdict->identity.mrenclave), kMrEnclave);
  EXPECT_EQ(HexEncode(verdict->identity.mrsigner), kMrSigner);
  EXPECT_EQ(verdict->identity.isvprodid, 7);
  EXPECT_EQ(verdict->identity.isvsvn, 3);
  EXPECT_FALSE(verdict->identity.debug);
  auto digest = crypto::Sha256(AsBytes(challenge));
  Bytes want(digest->begin(), digest->end());
  want.resize(64, 0);
  EXPECT_EQ(HexEncode(verdict->identity.report_data), HexEncode(want));
}

TEST_F(KmsQuotes, SignCoversEveryResultFieldIncludingFalseAndZero) {
  const std::string apikey = client_->credentials().apikey;
  std::string quote = Quote(B64("c"));
  std::string mine = Upload(kMrEnclave, kMrSigner);
  auto yes = Verify(quote, mine);
  const object& t = ResultOf(yes);
  EXPECT_EQ(t.at("sign").as_string(),
            Hmac(apikey, "mr_enclave=" + std::string(kMrEnclave) + "&mr_signer=" + kMrSigner +
                             "&nonce=" + B64("nonce-1") + "&qv_result=0&result=true"));

  auto no = Verify(quote, Upload(kOther, kMrSigner));
  const object& f = ResultOf(no);
  std::string reason(f.at("reason").as_string());
  EXPECT_EQ(f.at("sign").as_string(),
            Hmac(apikey, "mr_enclave=" + std::string(kOther) + "&mr_signer=" + kMrSigner +
                             "&nonce=" + B64("nonce-1") + "&qv_result=0&reason=" + reason +
                             "&result=false"));
}

TEST_F(KmsQuotes, BrokenQuotesAre400) {
  Bytes quote = *crypto::Base64Decode(Quote(B64("c")));
  // A byte of the report body (MRENCLAVE starts at 48 + 64): the quote signature no longer holds.
  Bytes flipped = quote;
  flipped[48 + 64] ^= 1;
  auto tampered = Verify(crypto::Base64Encode(flipped));
  EXPECT_EQ(CodeOf(tampered), 400);
  EXPECT_NE(MessageOf(tampered).find("QuoteSignatureInvalid"), std::string::npos)
      << MessageOf(tampered);

  Bytes truncated(quote.begin(), quote.begin() + 100);
  auto short_quote = Verify(crypto::Base64Encode(truncated));
  EXPECT_EQ(CodeOf(short_quote), 400);
  EXPECT_NE(MessageOf(short_quote).find("The quote is invalid"), std::string::npos);

  auto garbage = Verify(B64("this is not a quote at all"));
  EXPECT_EQ(CodeOf(garbage), 400) << MessageOf(garbage);

  auto too_long = Verify(crypto::Base64Encode(Bytes(8193, 1)));
  EXPECT_EQ(CodeOf(too_long), 400);
  EXPECT_EQ(MessageOf(too_long), "The quote's length is invalid.");

  auto not_b64 = Verify("not base64!");
  EXPECT_EQ(CodeOf(not_b64), 400);
}

TEST_F(KmsQuotes, RealDcapQuoteWithoutCollateralSourceIsFalseWithAReason) {
  auto vector = ReadFileBytes(std::string(KMS_TEST_DATA_DIR) + "/dcap/sgx_quote");
  ASSERT_TRUE(vector.ok()) << vector.status().ToString();
  auto r = Verify(crypto::Base64Encode(*vector));
  ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
  EXPECT_EQ(ResultOf(r).at("result"), false);
  EXPECT_EQ(ResultOf(r).at("qv_result"), 0xA006);
  std::string reason(ResultOf(r).at("reason").as_string());
  EXPECT_NE(reason.find("collateral"), std::string::npos) << reason;
}

// With --collateral-dir the real quote is judged on that collateral instead of "no collateral
// source": the vector's collateral has expired since it was captured (its CRLs' nextUpdate is in
// 2025), which the answer reports, so the KMS did fetch and check it.
class KmsQuotesWithCollateral : public KmsQuotes {
 protected:
  std::vector<std::string> extra_args_or(std::vector<std::string> extra) override {
    const std::filesystem::path collateral = dir_ / "collateral";
    std::filesystem::create_directories(collateral);
    std::filesystem::copy_file(std::string(KMS_TEST_DATA_DIR) + "/dcap/sgx_quote_collateral.json",
                               collateral / "sgx-00a067110000.json",
                               std::filesystem::copy_options::overwrite_existing);
    extra = KmsQuotes::extra_args_or(std::move(extra));
    extra.insert(extra.end(), {"--collateral-dir", collateral.string()});
    return extra;
  }
};

TEST_F(KmsQuotesWithCollateral, RealDcapQuoteIsJudgedOnTheConfiguredCollateral) {
  auto vector = ReadFileBytes(std::string(KMS_TEST_DATA_DIR) + "/dcap/sgx_quote");
  ASSERT_TRUE(vector.ok()) << vector.status().ToString();
  auto r = Verify(crypto::Base64Encode(*vector));
  ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
  EXPECT_EQ(ResultOf(r).at("result"), false);
  std::string reason(ResultOf(r).at("reason").as_string());
  EXPECT_NE(reason.find("CollateralExpired"), std::string::npos) << reason;
  EXPECT_EQ(reason.find("no collateral source"), std::string::npos) << reason;
}

TEST_F(KmsQuotes, PolicyErrors) {
  const std::string hex63(63, 'a');
  const std::string not_hex = std::string(63, 'a') + "g";
  for (auto [enclave, signer] :
       {std::pair{hex63, std::string(kMrSigner)}, std::pair{std::string(kMrEnclave), hex63 + "aa"},
        std::pair{not_hex, std::string(kMrSigner)}, std::pair{std::string(kMrEnclave), not_hex}}) {
    auto r = client_->Call("UploadQuotePolicy", {{"mr_enclave", enclave}, {"mr_signer", signer}});
    EXPECT_EQ(CodeOf(r), 400) << enclave << " " << signer;
  }
  auto missing = client_->Call("UploadQuotePolicy", {{"mr_enclave", kMrEnclave}});
  EXPECT_EQ(CodeOf(missing), 400);

  std::string mine = Upload(kMrEnclave, kMrSigner);
  auto got = client_->Call("GetQuotePolicy", {{"policyId", mine}});
  ASSERT_EQ(CodeOf(got), 200);
  EXPECT_EQ(MessageOf(got), "Query quote policy success.");
  EXPECT_EQ(ResultString(got, "policyId"), mine);
  EXPECT_TRUE(ResultOf(got).at("createTime").is_int64());

  const std::string unknown = "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607";
  auto none = client_->Call("GetQuotePolicy", {{"policyId", unknown}});
  EXPECT_EQ(CodeOf(none), 400);
  EXPECT_EQ(MessageOf(none), "Invalid  policyId.");
  EXPECT_EQ(CodeOf(client_->Call("GetQuotePolicy", {{"policyId", "not-a-uuid"}})), 400);
  EXPECT_EQ(CodeOf(client_->Call("GetQuotePolicy", object{})), 400);

  // Another tenant sees neither the policy nor uses it.
  Credentials me = client_->credentials();
  client_->Enroll();
  auto foreign = client_->Call("GetQuotePolicy", {{"policyId", mine}});
  EXPECT_EQ(CodeOf(foreign), 400);
  EXPECT_EQ(MessageOf(foreign), "Invalid  policyId.");
  auto verify_foreign = Verify(Quote(B64("c")), mine);
  EXPECT_EQ(CodeOf(verify_foreign), 400);
  EXPECT_EQ(MessageOf(verify_foreign), "Invalid  policyId.");
  client_->credentials() = me;
  EXPECT_EQ(CodeOf(client_->Call("GetQuotePolicy", {{"policyId", mine}})), 200);
}

TEST_F(KmsQuotes, PoliciesSurviveARestart) {
  std::string mine = Upload(kMrEnclave, kMrSigner);
  RestartServer();
  auto got = client_->Call("GetQuotePolicy", {{"policyId", mine}});
  ASSERT_EQ(CodeOf(got), 200) << MessageOf(got);
  EXPECT_EQ(ResultString(got, "mr_enclave"), kMrEnclave);
  EXPECT_EQ(ResultOf(Verify(Quote(B64("c")), mine)).at("result"), true);
}

class KmsQuotesWithoutSimulation : public KmsQuotes {
 protected:
  void SetUp() override {
    allow_simulation_ = false;
    KmsQuotes::SetUp();
  }
};

TEST_F(KmsQuotesWithoutSimulation, SimQuoteIsFalseWithAReason) {
  auto r = Verify(Quote(B64("c")));
  ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
  EXPECT_EQ(ResultOf(r).at("result"), false);
  EXPECT_EQ(ResultOf(r).at("qv_result"), 0xA006);
  std::string reason(ResultOf(r).at("reason").as_string());
  EXPECT_NE(reason.find("SimulationNotAllowed"), std::string::npos) << reason;
}

TEST_F(KmsQuotesWithoutSimulation, GenerateQuoteNeedsAChallenge) {
  EXPECT_EQ(CodeOf(client_->Call("GenerateQuote", object{})), 400);
  EXPECT_EQ(CodeOf(client_->Call("GenerateQuote", {{"challenge", "%%%"}})), 400);
  EXPECT_EQ(CodeOf(client_->Call("GenerateQuote", {{"challenge", std::string(4100, 'A')}})), 400);
  CallOptions no_payload;
  no_payload.omit_payload = true;
  EXPECT_EQ(CodeOf(client_->Call("GenerateQuote", object{}, no_payload)), 400);
  EXPECT_EQ(CodeOf(client_->Call("VerifyQuote", object{}, no_payload)), 400);
}

}  // namespace
}  // namespace kms::testing
