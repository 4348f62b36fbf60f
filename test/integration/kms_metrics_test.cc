// GET /metrics of the real binary, parsed as the exposition format (common/testing), with
// counters that follow real signed requests; the bearer token; and the access log: one line
// per request, text or JSON, with no secret in it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <sstream>

#include "common/bytes.h"
#include "common/testing/exposition_parser.h"
#include "crypto/base64.h"
#include "ehsm_client.h"
#include "kms_process.h"
#include "net/testing/test_https_client.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
using metrics::testing::Exposition;
using metrics::testing::ParseExposition;
using net::testing::TestHttpsClient;
using net::testing::TestHttpResponse;

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

class KmsMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kms_metrics_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    kms_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void Start(std::vector<std::string> args = {}) {
    kms_ = std::make_unique<KmsProcess>((dir_ / "data").string(), std::move(args));
    ASSERT_NE(kms_->port(), 0) << kms_->output();
  }
  TestHttpResponse Scrape(const net::testing::Headers& headers = {}) {
    TestHttpsClient client(kms_->port());
    auto r = client.Send("GET", "/metrics", "", "", headers);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : TestHttpResponse{};
  }
  Exposition ScrapeParsed(const net::testing::Headers& headers = {}) {
    TestHttpResponse r = Scrape(headers);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    auto e = ParseExposition(r.body);
    EXPECT_TRUE(e.ok()) << e.status().message() << "\n" << r.body;
    return e.ok() ? *e : Exposition{};
  }
  std::string CreateKey(EhsmClient& c) {
    auto r = c.Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"},
                                  {"keyusage", "EH_KEYUSAGE_ENCRYPT_DECRYPT"}});
    EXPECT_EQ(CodeOf(r), 200) << boost::json::serialize(r);
    return ResultString(r, "keyid");
  }

  fs::path dir_;
  std::unique_ptr<KmsProcess> kms_;
};

TEST_F(KmsMetrics, ExpositionParsesAndCountersFollowRequests) {
  Start();
  Exposition before = ScrapeParsed();
  EXPECT_EQ(before.types.at("ehsm_store_request_duration_seconds"), "histogram");
  EXPECT_EQ(before.Find("ehsm_domain_key_loaded")->value, 1);
  const auto* info = before.Find("ehsm_domain_key_info");
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->labels.at("fingerprint_prefix").size(), 8u);
  ASSERT_NE(before.Find("ehsm_build_info"), nullptr);
  EXPECT_EQ(before.Find("ehsm_build_info")->labels.at("version"), "0.3.2");
  EXPECT_GE(before.Find("ehsm_connections_open")->value, 1);  // this scrape's
  EXPECT_EQ(before.Sum("ehsm_requests_total", {{"action", "Encrypt"}}), 0);

  EhsmClient c(kms_->port());
  c.Enroll();
  const std::string keyid = CreateKey(c);
  for (int i = 0; i < 3; ++i) {
    auto r = c.Call("Encrypt", {{"keyid", keyid}, {"plaintext", B64("hello")}});
    EXPECT_EQ(CodeOf(r), 200);
  }
  auto bad = c.Call("Encrypt", {{"keyid", "no-such-key"}, {"plaintext", B64("x")}});
  EXPECT_NE(CodeOf(bad), 200);
  c.Call("NoSuchAction", {});

  Exposition after = ScrapeParsed();
  EXPECT_EQ(after.Sum("ehsm_requests_total", {{"action", "Encrypt"}, {"code", "200"}}), 3);
  EXPECT_EQ(after.Sum("ehsm_requests_total", {{"action", "Encrypt"}}), 4);
  EXPECT_EQ(after.Sum("ehsm_requests_total", {{"action", "Enroll"}, {"code", "200"}}), 1);
  EXPECT_EQ(after.Sum("ehsm_requests_total", {{"action", "unknown"}}), 1);
  EXPECT_EQ(after.Find("ehsm_request_duration_seconds_count", {{"action", "Encrypt"}})->value, 4);
  EXPECT_GT(after.Find("ehsm_request_duration_seconds_sum", {{"action", "Encrypt"}})->value, 0);
  EXPECT_EQ(after.Find("ehsm_requests_in_flight")->value, 0);
  EXPECT_GT(after.Sum("ehsm_request_bytes_received_total"), 0);
  EXPECT_GT(after.Sum("ehsm_response_bytes_sent_total"), 0);
  EXPECT_GE(after.Find("ehsm_store_request_duration_seconds_count", {{"op", "CreateKey"}})->value,
            1);
  EXPECT_EQ(after.Find("ehsm_store_errors_total", {{"op", "CreateKey"}})->value, 0);
  // 5 signed requests (CreateKey, 4 Encrypts; the unknown action is refused after auth too).
  EXPECT_GE(after.Find("ehsm_replay_checks_total", {{"outcome", "recorded"}})->value, 5);
  EXPECT_GE(after.Find("ehsm_replay_cache_entries")->value, 5);
  EXPECT_GE(after.Sum("ehsm_cache_lookups_total", {{"cache", "tenant"}, {"result", "hit"}}), 1);
  EXPECT_GE(after.Find("ehsm_cache_entries", {{"cache", "key"}})->value, 1);
  const double ratio = after.Find("ehsm_cache_hit_ratio", {{"cache", "tenant"}})->value;
  EXPECT_GT(ratio, 0);
  EXPECT_LE(ratio, 1);
  EXPECT_NE(after.Find("ehsm_worker_queue_depth"), nullptr);
  EXPECT_EQ(after.Find("ehsm_access_log_dropped_total")->value, 0);
}

TEST_F(KmsMetrics, TokenIsRequiredWhenSet) {
  Start({"--metrics-token", "s3cret-token", "--log-level", "info"});
  TestHttpResponse none = Scrape();
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");
  EXPECT_EQ(none.body.find("ehsm_"), std::string::npos);
  EXPECT_EQ(Scrape({{"Authorization", "Bearer wrong"}}).status, 401);
  EXPECT_EQ(Scrape({{"Authorization", "Bearer s3cret-token-longer"}}).status, 401);
  EXPECT_EQ(Scrape({{"Authorization", "s3cret-token"}}).status, 401);  // no scheme
  Exposition e = ScrapeParsed({{"Authorization", "Bearer s3cret-token"}});
  EXPECT_NE(e.Find("ehsm_build_info"), nullptr);
  // The probes stay open, and the token is not in the start-up summary.
  TestHttpsClient client(kms_->port());
  EXPECT_EQ(client.Send("GET", "/healthz", "", "")->status, 200);
  EXPECT_EQ(kms_->output().find("s3cret-token"), std::string::npos);
  EXPECT_NE(kms_->output().find("metrics_token=set"), std::string::npos);
}

std::vector<std::string> LinesWith(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) out.push_back(line);
  }
  return out;
}

// Secrets a request carries: the apikey, the plaintext and AAD, the signature, the ciphertext.
void ExpectNoSecretIn(const std::string& log, const std::vector<std::string>& secrets) {
  for (const std::string& s : secrets) {
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(log.find(s), std::string::npos) << "secret " << s << " in the log";
  }
}

std::vector<std::string> RunRequests(EhsmClient& c, const std::string& keyid) {
  const std::string plaintext = B64("a plaintext that must not be logged");
  const std::string aad = B64("aad-that-must-not-be-logged");
  // Sent raw so that the test knows the signature that went over the wire.
  const std::string body = c.SignedBody(
      c.credentials(), {{"keyid", keyid}, {"plaintext", plaintext}, {"aad", aad}}, {});
  const std::string sign = boost::json::parse(body).as_object().at("sign").as_string().c_str();
  auto [status, reply] = c.PostRaw("Encrypt", body);
  EXPECT_EQ(status, 200);
  boost::json::value enc = boost::json::parse(reply);
  EXPECT_EQ(CodeOf(enc), 200) << reply;
  const std::string ciphertext = ResultString(enc, "ciphertext");
  auto dec = c.Call("Decrypt", {{"keyid", keyid}, {"ciphertext", ciphertext}, {"aad", aad}});
  EXPECT_EQ(CodeOf(dec), 200);
  return {c.credentials().apikey, plaintext, aad, ciphertext, sign};
}

TEST_F(KmsMetrics, AccessLogHasOneLinePerRequestAndNoSecret) {
  Start({"--log-level", "info"});
  EhsmClient c(kms_->port());
  c.Enroll();
  const std::string keyid = CreateKey(c);
  std::vector<std::string> secrets = RunRequests(c, keyid);
  ASSERT_EQ(kms_->Stop(), 0);  // flushes the access log
  const std::string out = kms_->output();
  std::vector<std::string> lines = LinesWith(out, " request rid=");
  ASSERT_EQ(lines.size(), 4u) << out;  // Enroll, CreateKey, Encrypt, Decrypt
  EXPECT_NE(lines[2].find("action=Encrypt appid=" + c.credentials().appid + " code=200 status=200"),
            std::string::npos)
      << lines[2];
  for (const char* field : {" us=", " in=", " out="}) {
    EXPECT_NE(lines[2].find(field), std::string::npos) << lines[2];
  }
  ExpectNoSecretIn(out, secrets);
}

TEST_F(KmsMetrics, JsonLogFormatWritesOneObjectPerLine) {
  Start({"--log-level", "info", "--log-format", "json"});
  EhsmClient c(kms_->port());
  c.Enroll();
  const std::string keyid = CreateKey(c);
  std::vector<std::string> secrets = RunRequests(c, keyid);
  ASSERT_EQ(kms_->Stop(), 0);
  const std::string out = kms_->output();
  std::vector<std::string> access = LinesWith(out, "\"event\":\"request\"");
  ASSERT_EQ(access.size(), 4u) << out;
  for (const std::string& line : access) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    EXPECT_TRUE(v.as_object().contains("ts"));
    EXPECT_EQ(v.as_object().at("level").as_string(), "info");
    EXPECT_TRUE(v.as_object().contains("rid"));
  }
  EXPECT_EQ(boost::json::parse(access[2]).as_object().at("action").as_string(), "Encrypt");
  // The other lines of the main log are JSON too.
  for (const std::string& line : LinesWith(out, "\"event\":\"kms.")) {
    boost::system::error_code ec;
    boost::json::parse(line, ec);
    EXPECT_FALSE(ec) << line;
  }
  ExpectNoSecretIn(out, secrets);
}

}  // namespace
}  // namespace kms::testing
