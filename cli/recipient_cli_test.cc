// The `ehsm` binary as the recipient of attestation-gated key release, against the real
// ehsm-kms binary (--allow-simulation, an explicit sim identity) over HTTPS on loopback: the
// CLI's sim quote comes from a SimPlatform over the KMS's own platform secret file.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "bigdl/bigdl_cli_test_util.h"
#include "kms/client.h"
#include "kms/encoding.h"
#include "test_server.h"

namespace ehsm_cli {
namespace {
using namespace kms::bigdl::testing;
using namespace ehsm_cli::bigdl::testing;
namespace json = boost::json;
using V = std::vector<std::string>;
using ehsm_cli::testing::TestServer;

constexpr char kMrEnclave[] = "5a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9";
constexpr char kMrSigner[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
constexpr char kOtherMrEnclave[] =
    "1111111111111111111111111111111111111111111111111111111111111111";

class RecipientCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ = TestServer::Start(&error, {"--allow-simulation", "--sim-mrenclave", kMrEnclave,
                                         "--sim-mrsigner", kMrSigner})
                  .release();
    if (server_ == nullptr) {
      skip_ = new std::string(error);
      return;
    }
    dir_ = new TempDir();
    env_ = new V{"EHSM_URL=" + server_->url()};
    auto setup = EnrollAndUploadPolicies();
    if (!setup.empty()) skip_ = new std::string(setup);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete skip_;
    delete env_;
    server_ = nullptr;
    dir_ = nullptr;
    skip_ = nullptr;
    env_ = nullptr;
  }
  void SetUp() override {
    if (skip_ != nullptr) GTEST_SKIP() << "no ehsm-kms server: " << *skip_;
  }

  // Enrolls a tenant and uploads the quote policies: the KMS's identity and another mrenclave.
  static std::string EnrollAndUploadPolicies() {
    kms::client::Options o;
    o.url = server_->url();
    o.tls.insecure = true;
    auto anon = kms::client::Client::New(o);
    if (!anon.ok()) return anon.error().ToString();
    auto e = (*anon)->Enroll();
    if (!e.ok()) return e.error().ToString();
    env_->push_back("EHSM_APPID=" + e->appid);
    env_->push_back("EHSM_APIKEY=" + e->apikey);
    o.appid = e->appid;
    o.apikey = e->apikey;
    auto c = kms::client::Client::New(o);
    if (!c.ok()) return c.error().ToString();
    client_ = c->release();
    for (auto [mrenclave, out] : {std::pair{kMrEnclave, &policy_}, {kOtherMrEnclave, &other_}}) {
      json::object p{{"mr_enclave", mrenclave}, {"mr_signer", kMrSigner}};
      auto up = client_->Call("UploadQuotePolicy", &p, false);
      if (!up.ok()) return up.error().ToString();
      *out = std::string(up->at("policyId").as_string());
    }
    return "";
  }

  // The built `ehsm` binary, with the suite's server and tenant in its environment.
  static Outcome Run(V args) {
    args.insert(args.begin(), {EhsmBinary(), "--insecure"});
    return Spawn(args, dir_->path(), *env_);
  }
  // The recipient options for the KMS's platform and identity, with `policy`.
  static V As(const std::string& policy, const std::string& key = "p256",
              const std::string& secret = server_->data_dir() + "/platform.secret") {
    return {"--recipient-policy", policy,   "--recipient-key", key,
            "--sim-platform-secret", secret, "--sim-mrenclave", kMrEnclave,
            "--sim-mrsigner", kMrSigner};
  }
  static V Join(V a, const V& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  }
  static std::string NewKey() {
    auto id = client_->CreateKey("EH_AES_GCM_256", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
    EXPECT_TRUE(id.ok()) << id.error().ToString();
    return id.ok() ? *id : "";
  }
  static std::string Encrypt(const std::string& keyid, const std::string& text) {
    auto ct = client_->Encrypt(keyid, kms::AsBytes(text));
    EXPECT_TRUE(ct.ok()) << ct.error().ToString();
    return ct.ok() ? kms::client::Base64Encode(*ct) : "";
  }

  static TestServer* server_;
  static TempDir* dir_;
  static V* env_;
  static std::string* skip_;
  static kms::client::Client* client_;
  static std::string policy_, other_;
};

TestServer* RecipientCliTest::server_ = nullptr;
TempDir* RecipientCliTest::dir_ = nullptr;
V* RecipientCliTest::env_ = nullptr;
std::string* RecipientCliTest::skip_ = nullptr;
kms::client::Client* RecipientCliTest::client_ = nullptr;
std::string RecipientCliTest::policy_, RecipientCliTest::other_;

TEST_F(RecipientCliTest, DecryptReleasesThePlaintextToBothKeyTypes) {
  std::string keyid = NewKey();
  std::string ct = Encrypt(keyid, "attack at dawn");
  for (const char* key : {"p256", "rsa3072"}) {
    Outcome o = Run(Join({"decrypt", "--key", keyid, ct}, As(policy_, key)));
    EXPECT_EQ(o.rc, 0) << key << ": " << o.err;
    EXPECT_EQ(o.out, "attack at dawn") << key;
  }
  // --out and --json behave as without a recipient.
  Outcome f = Run(Join({"decrypt", "--key", keyid, ct, "--out", *dir_ / "pt.bin"}, As(policy_)));
  ASSERT_EQ(f.rc, 0) << f.err;
  EXPECT_EQ(ReadFile(*dir_ / "pt.bin"), "attack at dawn");
  Outcome j = Run(Join({"--json", "decrypt", "--key", keyid, ct}, As(policy_)));
  ASSERT_EQ(j.rc, 0) << j.err;
  EXPECT_EQ(json::parse(j.out).at("plaintext").as_string(),
            kms::client::Base64Encode(kms::AsBytes(std::string_view("attack at dawn"))));
}

TEST_F(RecipientCliTest, DatakeyGenerateReturnsAUsableDataKey) {
  std::string keyid = NewKey();
  Outcome o =
      Run(Join({"--json", "datakey", "generate", "--key", keyid, "--len", "48"}, As(policy_)));
  ASSERT_EQ(o.rc, 0) << o.err;
  json::object r = json::parse(o.out).as_object();
  auto plain = kms::client::Base64Decode(std::string_view(r.at("plaintext").as_string()));
  auto wrapped = kms::client::Base64Decode(std::string_view(r.at("ciphertext").as_string()));
  ASSERT_TRUE(plain && wrapped);
  EXPECT_EQ(plain->size(), 48u);
  // The wrapped key the KMS sent alongside decrypts (without a recipient) to the same bytes.
  auto unwrapped = client_->Decrypt(keyid, *wrapped);
  ASSERT_TRUE(unwrapped.ok()) << unwrapped.error().ToString();
  EXPECT_EQ(kms::Bytes(unwrapped->view().begin(), unwrapped->view().end()), *plain);
}

TEST_F(RecipientCliTest, SecretGetReturnsTheValue) {
  kms::client::CreateSecretRequest req;
  req.secret_name = "db-password";
  req.secret_data = "s3cr3t value";
  auto made = client_->CreateSecret(req);
  ASSERT_TRUE(made.ok()) << made.error().ToString();
  Outcome o = Run(Join({"secret", "get", "db-password"}, As(policy_)));
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.out, "s3cr3t value\n");
  Outcome rsa = Run(Join({"--json", "secret", "get", "db-password"}, As(policy_, "rsa3072")));
  ASSERT_EQ(rsa.rc, 0) << rsa.err;
  json::object r = json::parse(rsa.out).as_object();
  EXPECT_EQ(r.at("secretData").as_string(), "s3cr3t value");
  EXPECT_EQ(r.at("versionId").as_int64(), 1);
  // A version that does not exist is "not found", as without a recipient.
  Outcome absent = Run(Join({"secret", "get", "db-password", "--version", "9"}, As(policy_)));
  EXPECT_EQ(absent.rc, 1) << absent.err;
  EXPECT_NE(absent.err.find("no version 9"), std::string::npos) << absent.err;
}

TEST_F(RecipientCliTest, APolicyForAnotherEnclaveIsRefused) {
  std::string keyid = NewKey();
  Outcome o = Run(Join({"decrypt", "--key", keyid, Encrypt(keyid, "x")}, As(other_)));
  EXPECT_EQ(o.rc, 1) << o.err;
  EXPECT_NE(o.err.find("The recipient is not trusted"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST_F(RecipientCliTest, AnotherPlatformSecretIsRefused) {
  std::string foreign = *dir_ / "foreign.secret";
  WriteFile(foreign, std::string(32, '\x5a'));
  std::string keyid = NewKey();
  Outcome o = Run(Join({"decrypt", "--key", keyid, Encrypt(keyid, "x")},
                       As(policy_, "p256", foreign)));
  EXPECT_EQ(o.rc, 1) << o.err;
  EXPECT_NE(o.err.find("The recipient is not trusted"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("not the pinned sim root"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST_F(RecipientCliTest, MissingPlatformSecretIsAUsageError) {
  std::string keyid = NewKey();
  std::string ct = Encrypt(keyid, "x");
  Outcome none = Run({"decrypt", "--key", keyid, ct, "--recipient-policy", policy_});
  EXPECT_EQ(none.rc, 2) << none.err;
  EXPECT_NE(none.err.find("--sim-platform-secret"), std::string::npos) << none.err;
  // A path that does not exist is refused rather than created as a new platform.
  std::string absent = *dir_ / "absent.secret";
  Outcome missing = Run(Join({"decrypt", "--key", keyid, ct}, As(policy_, "p256", absent)));
  EXPECT_EQ(missing.rc, 2) << missing.err;
  EXPECT_NE(missing.err.find("no such file"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::ifstream(absent).good());
}

}  // namespace
}  // namespace ehsm_cli
