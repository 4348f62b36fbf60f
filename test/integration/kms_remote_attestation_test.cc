// Mirrors upstream's SDK test sdk/python/ehsm/server_tests/test_remote_attestation.py
// (intel/ehsm, test_generate_quote_and_verify_quote) against the real binary: the server is
// started with the enclave identity that test's policy expects and with simulation allowed,
// and the same steps are checked — upload the policy, read it back, generate a quote over a
// random base64 challenge, verify it with a random nonce under the policy (success, result
// true), and verify a broken quote (the SDK sends base64 of the quote text with its last
// character replaced), which must not succeed.

#include <boost/json/serialize.hpp>
#include <cctype>
#include <random>
#include <string>

#include "crypto/base64.h"
#include "kms_test_fixture.h"

namespace kms::testing {
namespace {

constexpr char kMrEnclave[] = "70de1979095b7b85c18adefb1e1df55780e09ac3c1cc0e56a0df018a130b2fbd";
constexpr char kMrSigner[] = "c30446b4be9baf0f69728423ea613ef81a63e72acf7439fa0549001fd5482835";

// Python's string.printable, which the SDK test draws its random strings from.
constexpr std::string_view kPrintable =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~ \t\n\r\x0b\x0c";

class RandomText {
 public:
  explicit RandomText(uint32_t seed) : rng_(seed) {}
  std::string Of(int min_len, int max_len) {
    int n = std::uniform_int_distribution<int>(min_len, max_len)(rng_);
    std::uniform_int_distribution<size_t> pick(0, kPrintable.size() - 1);
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(kPrintable[pick(rng_)]);
    return s;
  }

 private:
  std::mt19937 rng_;
};

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

// The SDK's assert_response_success.
::testing::AssertionResult Succeeded(const boost::json::value& reply) {
  std::string message = MessageOf(reply);
  for (char& c : message) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (CodeOf(reply) == 200 && message.find("success") != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "code " << CodeOf(reply) << ": " << MessageOf(reply);
}

class KmsRemoteAttestation : public KmsFixture {
 protected:
  std::vector<std::string> extra_args_or(std::vector<std::string> extra) override {
    return WithSimAttestation(std::move(extra), kMrEnclave, kMrSigner);
  }
};

TEST_F(KmsRemoteAttestation, GenerateQuoteAndVerifyQuote) {
  client_->Enroll();
  RandomText random(20240612);

  auto uploaded =
      client_->Call("UploadQuotePolicy", {{"mr_enclave", kMrEnclave}, {"mr_signer", kMrSigner}});
  ASSERT_TRUE(Succeeded(uploaded));
  std::string policy_id = ResultString(uploaded, "policyId");

  auto got = client_->Call("GetQuotePolicy", {{"policyId", policy_id}});
  ASSERT_TRUE(Succeeded(got));
  EXPECT_EQ(ResultString(got, "mr_enclave"), kMrEnclave);
  EXPECT_EQ(ResultString(got, "mr_signer"), kMrSigner);

  std::string challenge = random.Of(10, 100);
  auto generated = client_->Call("GenerateQuote", {{"challenge", B64(challenge)}});
  ASSERT_TRUE(Succeeded(generated));
  std::string quote = ResultString(generated, "quote");
  ASSERT_FALSE(quote.empty());

  std::string nonce = B64(random.Of(10, 20));
  auto verified =
      client_->Call("VerifyQuote", {{"quote", quote}, {"nonce", nonce}, {"policyId", policy_id}});
  ASSERT_TRUE(Succeeded(verified));
  const auto& result = verified.at("result").as_object();
  ASSERT_TRUE(result.contains("result"));
  EXPECT_TRUE(result.at("result").is_bool() && result.at("result").as_bool())
      << boost::json::serialize(verified);

  // Upstream's SDK raises InvalidParamException here, which it does for a 400 reply.
  std::string invalid_quote = quote.substr(0, quote.size() - 1) + random.Of(1, 1);
  auto invalid = client_->Call(
      "VerifyQuote", {{"quote", B64(invalid_quote)}, {"nonce", nonce}, {"policyId", policy_id}});
  EXPECT_NE(CodeOf(invalid), 200);
  EXPECT_EQ(CodeOf(invalid), 400) << MessageOf(invalid);
}

}  // namespace
}  // namespace kms::testing
