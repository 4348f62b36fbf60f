// `ehsm bigdl` against the real ehsm-kms binary on port 0: BigDL's key files and payloads,
// one Decrypt per distinct wrapped data key (counted in the server's request log), and the
// exit codes of KMS and network failures.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "bigdl/bigdl_cli_test_util.h"
#include "credentials.h"
#include "kms/client.h"
#include "kms/encoding.h"
#include "test_server.h"

namespace ehsm_cli::bigdl {
namespace {
using namespace kms::bigdl::testing;
using namespace ehsm_cli::bigdl::testing;
namespace fs = std::filesystem;
namespace json = boost::json;
using V = std::vector<std::string>;
using ehsm_cli::testing::TestServer;

std::string Csv(int rows) {
  std::string s = "name,age,job\n";
  for (int i = 0; i < rows; ++i) s += "gdni," + std::to_string(i) + ",Engineer\n";
  return s;
}

class BigdlServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ = TestServer::Start(&error).release();
    if (server_ == nullptr) {
      skip_ = new std::string(error);
      return;
    }
    dir_ = new TempDir();
    Outcome o = Ehsm({"--url", server_->url(), "--insecure", "--profile", *dir_ / "profile.toml",
                      "enroll", "--save"});
    if (o.rc != 0) skip_ = new std::string("enroll failed: " + o.err);
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
    delete skip_;
    server_ = nullptr;
    dir_ = nullptr;
    skip_ = nullptr;
  }
  void SetUp() override {
    if (skip_ != nullptr) GTEST_SKIP() << "no ehsm-kms server: " << *skip_;
    for (const char* v : {"EHSM_URL", "EHSM_APPID", "EHSM_APIKEY", "EHSM_PROFILE"}) ::unsetenv(v);
  }
  // The CLI with the suite's server and profile.
  static Outcome Kms(V args) {
    V full = {"--url", server_->url(), "--insecure", "--profile", *dir_ / "profile.toml"};
    full.insert(full.end(), args.begin(), args.end());
    return Ehsm(full);
  }
  static std::string P(const std::string& name) { return *dir_ / name; }
  // A primary-key file for a new CMK, as `ehsm bigdl primary-key create` writes it.
  static std::string NewPrimaryKey(const std::string& name) {
    Outcome o = Kms({"bigdl", "primary-key", "create", P(name)});
    EXPECT_EQ(o.rc, 0) << o.err;
    return P(name);
  }

  static TestServer* server_;
  static TempDir* dir_;
  static std::string* skip_;
};

TestServer* BigdlServerTest::server_ = nullptr;
TempDir* BigdlServerTest::dir_ = nullptr;
std::string* BigdlServerTest::skip_ = nullptr;

TEST_F(BigdlServerTest, FolderRoundTripCostsOneDecryptForAllParts) {
  std::string pk = NewPrimaryKey("pk1");
  std::string keyid = ReadFile(pk);
  ASSERT_EQ(keyid.size(), 37u);  // keyid + "\n", BigDL's KeyReaderWriter layout
  EXPECT_EQ(keyid.back(), '\n');
  fs::create_directory(P("in1"));
  for (int i = 0; i < 5; ++i) WriteFile(P("in1/part" + std::to_string(i) + ".csv"), Csv(i * 100));
  int gen = server_->CountRequests("GenerateDataKey");
  Outcome e = Kms({"bigdl", "encrypt", "--primary-key", pk, P("in1"), P("enc1")});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_EQ(server_->CountRequests("GenerateDataKey"), gen + 1);  // one data key per write
  int dec = server_->CountRequests("Decrypt");
  Outcome d = Kms({"bigdl", "decrypt", "--primary-key", pk, P("enc1"), P("dec1")});
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(server_->CountRequests("Decrypt"), dec + 1);  // five parts, one EDK
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ReadFile(P("dec1/part" + std::to_string(i) + ".csv")), Csv(i * 100));
  }
  // inspect with a key checks every MAC: again one Decrypt.
  dec = server_->CountRequests("Decrypt");
  Outcome in = Kms({"--json", "bigdl", "inspect", "--primary-key", pk, P("enc1")});
  ASSERT_EQ(in.rc, 0) << in.err;
  EXPECT_EQ(server_->CountRequests("Decrypt"), dec + 1);
  EXPECT_EQ(in.out.find("mismatch"), std::string::npos);
}

TEST_F(BigdlServerTest, TwoWrappedKeysInOneFolderCostTwoDecrypts) {
  std::string pk = NewPrimaryKey("pk2");
  fs::create_directory(P("in2"));
  WriteFile(P("in2/a.csv"), Csv(10));
  ASSERT_EQ(Kms({"bigdl", "encrypt", "--primary-key", pk, P("in2"), P("enc2a")}).rc, 0);
  ASSERT_EQ(Kms({"bigdl", "encrypt", "--primary-key", pk, P("in2"), P("enc2b")}).rc, 0);
  fs::copy_file(P("enc2b/a.csv.cbc"), P("enc2a/b.csv.cbc"));  // BigDL's append quirk
  fs::copy_file(P("enc2a/a.csv.cbc"), P("enc2a/c.csv.cbc"));
  int dec = server_->CountRequests("Decrypt");
  Outcome d = Kms({"--json", "bigdl", "decrypt", "--primary-key", pk, P("enc2a"), P("dec2")});
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(server_->CountRequests("Decrypt"), dec + 2);
  EXPECT_NE(d.out.find("\"distinct_edks\":2"), std::string::npos) << d.out;
  EXPECT_EQ(ReadFile(P("dec2/b.csv")), Csv(10));
}

TEST_F(BigdlServerTest, BigdlsOwnDecryptPayloadUnwrapsOurKeys) {
  // What BigDL's EHSMKeyManagementService sends: {aad: "test", ciphertext: EDK, keyid}.
  std::string pk = NewPrimaryKey("pk3");
  std::string keyid = ReadFile(pk).substr(0, 36);
  WriteFile(P("x.csv"), Csv(30));
  ASSERT_EQ(Kms({"bigdl", "encrypt", "--keyid", keyid, P("x.csv"), P("enc3")}).rc, 0);
  std::string meta = ReadFile(P("enc3/.meta"));
  std::string edk = json::parse(meta).as_object().at("encryptedDataKey").as_string().c_str();
  std::string warning;
  auto profile = LoadProfile(P("profile.toml"), &warning);
  ASSERT_TRUE(profile.ok());
  kms::client::Options opt;
  opt.url = server_->url();
  opt.tls.insecure = true;
  opt.appid = profile->appid;
  opt.apikey = profile->apikey;
  auto client = kms::client::Client::New(std::move(opt));
  ASSERT_TRUE(client.ok()) << client.error().ToString();
  json::object payload{{"aad", "test"}, {"ciphertext", edk}, {"keyid", keyid}};
  auto r = (*client)->Call("Decrypt", &payload, true);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  std::string text = r->at("plaintext").as_string().c_str();
  EXPECT_EQ(text.size(), 44u);  // base64 of keylen 32
  // That text is the data key: it opens the part offline.
  Outcome d = Ehsm({"bigdl", "decrypt", "--data-key-plaintext", text, P("enc3"), P("dec3")});
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(ReadFile(P("dec3/x.csv")), Csv(30));

  // The legacy data-key file flow: EDK in a file, parts with an empty header EDK.
  ASSERT_EQ(Kms({"bigdl", "data-key", "create", "--primary-key", pk, P("dk3")}).rc, 0);
  std::string file_edk = ReadFile(P("dk3"));
  ASSERT_EQ(file_edk.back(), '\n');
  json::object p2{
      {"aad", "test"}, {"ciphertext", file_edk.substr(0, file_edk.size() - 1)}, {"keyid", keyid}};
  auto r2 = (*client)->Call("Decrypt", &p2, true);
  ASSERT_TRUE(r2.ok()) << r2.error().ToString();
  std::string legacy_text = r2->at("plaintext").as_string().c_str();
  Outcome e0 =
      Ehsm({"bigdl", "encrypt", "--data-key-plaintext", legacy_text, P("x.csv"), P("enc3n0")});
  ASSERT_EQ(e0.rc, 0) << e0.err;
  EXPECT_NE(e0.err.find("no --edk"), std::string::npos);
  Outcome d0 = Kms({"bigdl", "decrypt", "--primary-key", pk, "--data-key-file", P("dk3"),
                    P("enc3n0"), P("dec3n0")});
  ASSERT_EQ(d0.rc, 0) << d0.err;
  EXPECT_EQ(ReadFile(P("dec3n0/x.csv")), Csv(30));
}

TEST_F(BigdlServerTest, KmsAndNetworkFailuresHaveTheirExitCodes) {
  std::string pk = NewPrimaryKey("pk4");
  std::string other = NewPrimaryKey("pk4b");
  WriteFile(P("y.csv"), Csv(3));
  ASSERT_EQ(Kms({"bigdl", "encrypt", "--primary-key", pk, P("y.csv"), P("enc4")}).rc, 0);
  Outcome wrong = Kms({"bigdl", "decrypt", "--primary-key", other, P("enc4"), P("dec4")});
  EXPECT_EQ(wrong.rc, kExitServer) << wrong.err;
  EXPECT_NE(wrong.err.find("enc4/y.csv.cbc"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(P("dec4")));
  std::string keyid = ReadFile(pk).substr(0, 36);
  ASSERT_EQ(Kms({"key", "disable", keyid}).rc, 0);
  EXPECT_EQ(Kms({"bigdl", "decrypt", "--keyid", keyid, P("enc4"), P("dec4")}).rc, kExitServer);
  EXPECT_EQ(Kms({"bigdl", "encrypt", "--keyid", keyid, P("y.csv"), P("enc4b")}).rc, kExitServer);
  ASSERT_EQ(Kms({"key", "enable", keyid}).rc, 0);
  Outcome down = Ehsm({"--url", "https://127.0.0.1:1", "--insecure", "--profile", P("profile.toml"),
                       "bigdl", "decrypt", "--keyid", keyid, P("enc4"), P("dec4")});
  EXPECT_EQ(down.rc, kExitNetwork) << down.err;
  Outcome pk_exists = Kms({"bigdl", "primary-key", "create", pk});
  EXPECT_EQ(pk_exists.rc, kExitLocal);
  EXPECT_NE(pk_exists.err.find("--force"), std::string::npos);
}

// AddressSanitizer's runtime and shadow memory add about 40 MiB to any process; the bound stays
// below the 64 MiB file either way, so a reader that held the file would still fail it.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KMS_TEST_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define KMS_TEST_UNDER_ASAN 1
#endif
#ifdef KMS_TEST_UNDER_ASAN
constexpr int64_t kPeakRssBoundKib = 60 * 1024;
#else
constexpr int64_t kPeakRssBoundKib = 40 * 1024;
#endif

TEST_F(BigdlServerTest, TheBinaryStreamsInConstantMemory) {
  // 64 MiB through the real binary: its peak RSS stays far below the file size.
  std::string pk = NewPrimaryKey("pk5");
  {
    std::ofstream out(P("big.csv"), std::ios::binary);
    std::string line = "yvomq,1,Developer,0123456789abcdefghijklmnopqrstuvwxyz\n";
    std::string block;
    while (block.size() < (1u << 20)) block += line;
    for (int i = 0; i < 64; ++i) out << block;
  }
  V common = {EhsmBinary(), "--url",           server_->url(), "--insecure",
              "--profile",  P("profile.toml"), "-q",           "bigdl"};
  V enc = common;
  enc.insert(enc.end(), {"encrypt", "--primary-key", pk, P("big.csv"), P("big.enc")});
  Outcome e = Spawn(enc, dir_->path());
  ASSERT_EQ(e.rc, 0) << e.err;
  V dec = common;
  dec.insert(dec.end(), {"decrypt", "--primary-key", pk, P("big.enc"), P("big.dec")});
  Outcome d = Spawn(dec, dir_->path());
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(Sha256Hex(ReadFile(P("big.dec/big.csv"))), Sha256Hex(ReadFile(P("big.csv"))));
  EXPECT_LT(e.max_rss_kib, kPeakRssBoundKib) << "encrypt peak RSS";
  EXPECT_LT(d.max_rss_kib, kPeakRssBoundKib) << "decrypt peak RSS";
  fs::remove_all(P("big.enc"));
  fs::remove_all(P("big.dec"));
  fs::remove(P("big.csv"));
}

}  // namespace
}  // namespace ehsm_cli::bigdl
