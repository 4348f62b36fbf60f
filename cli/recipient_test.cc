// Recipient against canned KMS replies: the block it sends, the answer it opens, and the errors
// for an answer without `recipient` and for one that does not open with its key.

#include "recipient.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <boost/json.hpp>
#include <deque>
#include <filesystem>
#include <fstream>

#include "crypto/digest.h"
#include "crypto/recipient_wrap.h"
#include "kms/encoding.h"
#include "kms/transport.h"

namespace ehsm_cli {
namespace {
namespace json = boost::json;
using kms::client::Error;
using kms::client::ErrorKind;
using kms::client::HttpRequest;
using kms::client::HttpResponse;
using kms::client::Result;

class CannedTransport final : public kms::client::Transport {
 public:
  CannedTransport(std::string* sent, std::deque<std::string>* replies)
      : sent_(sent), replies_(replies) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    *sent_ = request.body;
    if (replies_->empty()) return Error::Transport(7, "no canned reply left");
    std::string body = std::move(replies_->front());
    replies_->pop_front();
    return HttpResponse{200, std::move(body)};
  }

 private:
  std::string* sent_;
  std::deque<std::string>* replies_;
};

class RecipientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ehsm-recipient-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    args_.policy_id = "8f2b7c64-3d1e-4a5b-9c0d-1e2f3a4b5c6d";
    args_.platform_secret = (dir_ / "platform.secret").string();
    std::ofstream(args_.platform_secret) << std::string(32, '\x42');
    kms::client::Options o;
    o.url = "https://127.0.0.1:9000";
    o.appid = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";
    o.apikey = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";
    auto c = kms::client::Client::New(std::move(o),
                                      std::make_unique<CannedTransport>(&sent_, &replies_));
    ASSERT_TRUE(c.ok()) << c.error().ToString();
    client_ = std::move(c).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The recipient block of the last request.
  json::object SentBlock() {
    return json::parse(sent_).at("payload").at("recipient").as_object();
  }
  // A KMS reply whose `recipient` holds `plaintext` encrypted to `public_key_b64`.
  static std::string SealedReply(const std::string& public_key_b64, std::string_view plaintext) {
    auto spki = kms::client::Base64Decode(public_key_b64);
    EXPECT_TRUE(spki.has_value());
    auto c = kms::crypto::EncryptToRecipient(*spki, kms::AsBytes(plaintext));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    json::object r{{"algorithm", c->algorithm},
                   {"ciphertext", kms::client::Base64Encode(c->ciphertext)}};
    if (!c->ephemeral_public_key.empty()) {
      r["ephemeralPublicKey"] = kms::client::Base64Encode(c->ephemeral_public_key);
    }
    json::object reply{{"code", 200}, {"message", "successful"},
                       {"result", {{"keyid", "k-1"}, {"recipient", r}}}};
    return json::serialize(reply);
  }
  Result<json::object> CallWith(const Recipient& r, kms::SecretBytes* plaintext) {
    return r.Call(*client_, "Decrypt", {{"keyid", "k-1"}}, plaintext);
  }
  // The block `r` sends, from a GetSecretValue answered "no such version".
  json::object BlockOf(const Recipient& r) {
    replies_.push_back(R"({"code":200,"message":"successful","result":{}})");
    kms::SecretBytes plaintext;
    auto reply = r.Call(*client_, "GetSecretValue", {{"secretName", "s"}}, &plaintext,
                        Recipient::EmptyResult::kMeansNotFound);
    EXPECT_TRUE(reply.ok() && reply->empty());
    return SentBlock();
  }

  std::filesystem::path dir_;
  RecipientArgs args_;
  std::string sent_;
  std::deque<std::string> replies_;
  std::unique_ptr<kms::client::Client> client_;
};

TEST_F(RecipientTest, OpensTheAnswerSealedToItsKeyForBothKeyTypes) {
  for (const char* type : {"p256", "rsa3072"}) {
    args_.key_type = type;
    auto r = Recipient::New(args_);
    ASSERT_TRUE(r.ok()) << r.error().ToString();
    // The answer is sealed to the key the block names.
    json::object block = BlockOf(**r);
    EXPECT_EQ(block.at("policyId").as_string(), args_.policy_id);
    replies_.push_back(SealedReply(std::string(block.at("publicKey").as_string()), "released"));
    kms::SecretBytes plaintext;
    auto reply = CallWith(**r, &plaintext);
    ASSERT_TRUE(reply.ok()) << type << ": " << reply.error().ToString();
    EXPECT_EQ(kms::AsChars(plaintext.view()), "released") << type;
    EXPECT_EQ(reply->at("keyid").as_string(), "k-1");
    EXPECT_FALSE(reply->contains("recipient"));
  }
}

TEST_F(RecipientTest, TheQuoteBindsTheSentPublicKeyText) {
  auto r = Recipient::New(args_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  json::object block = BlockOf(**r);
  auto quote = kms::client::Base64Decode(std::string_view(block.at("quote").as_string()));
  ASSERT_TRUE(quote.has_value());
  auto digest = kms::crypto::Digest(kms::crypto::DigestAlg::kSha256,
                                    kms::AsBytes(std::string_view(block.at("publicKey").as_string())));
  ASSERT_TRUE(digest.ok());
  kms::Bytes report_data = *digest;
  report_data.resize(64, 0);
  // The SGX v3 layout: 48-byte header, then the 384-byte report body with report data last.
  ASSERT_GE(quote->size(), 48u + 384u);
  EXPECT_EQ(kms::Bytes(quote->begin() + 48 + 320, quote->begin() + 48 + 384), report_data);
}

TEST_F(RecipientTest, AnAnswerWithoutRecipientIsAProtocolError) {
  auto r = Recipient::New(args_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  replies_.push_back(
      R"({"code":200,"message":"successful","result":{"plaintext":"cGxhaW4="}})");
  kms::SecretBytes plaintext;
  auto reply = CallWith(**r, &plaintext);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().kind(), ErrorKind::kProtocol);
  EXPECT_NE(reply.error().message().find("without a `recipient` field"), std::string::npos);
  EXPECT_TRUE(plaintext.empty());
}

TEST_F(RecipientTest, AnEmptyDecryptAnswerIsAProtocolError) {
  auto r = Recipient::New(args_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  replies_.push_back(R"({"code":200,"message":"successful","result":{}})");
  kms::SecretBytes plaintext;
  auto reply = CallWith(**r, &plaintext);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().kind(), ErrorKind::kProtocol);
}

TEST_F(RecipientTest, AnAnswerSealedToAnotherKeyDoesNotOpen) {
  auto r = Recipient::New(args_);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  auto other = Recipient::New(args_);
  ASSERT_TRUE(other.ok());
  replies_.push_back(SealedReply(std::string(BlockOf(**other).at("publicKey").as_string()), "x"));
  kms::SecretBytes plaintext;
  auto reply = CallWith(**r, &plaintext);
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().kind(), ErrorKind::kLocal);
  EXPECT_NE(reply.error().message().find("does not open"), std::string::npos);
}

TEST_F(RecipientTest, ThePlatformSecretMustBeGivenAndExist) {
  args_.platform_secret.clear();
  auto none = Recipient::New(args_);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(none.error().message().find("--sim-platform-secret"), std::string::npos);
  args_.platform_secret = (dir_ / "absent").string();
  auto absent = Recipient::New(args_);
  ASSERT_FALSE(absent.ok());
  EXPECT_NE(absent.error().message().find("no such file"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "absent"));
}

TEST_F(RecipientTest, AMalformedIdentityIsAUsageError) {
  args_.identity.sim_mrenclave = "not hex";
  auto r = Recipient::New(args_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(r.error().message().find("mrenclave"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace ehsm_cli
