// Every `ehsm` subcommand against the real ehsm-kms binary on port 0. Skipped when the server
// has not been built.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <boost/json.hpp>

#include "app.h"
#include "kms/encoding.h"
#include "test_server.h"

extern char** environ;

namespace ehsm_cli {
namespace {
namespace fs = std::filesystem;
namespace json = boost::json;
using testing::TestServer;

struct Outcome {
  int rc;
  std::string out, err;
  json::object Json() const {
    json::error_code ec;
    auto v = json::parse(out, ec);
    return !ec && v.is_object() ? v.as_object() : json::object();
  }
  std::string Field(const char* k) const {
    auto o = Json();
    auto* v = o.if_contains(k);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
  }
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string error;
    server_ = TestServer::Start(&error).release();
    if (server_ == nullptr) skip_reason_ = new std::string(error);
    if (server_ != nullptr) {
      dir_ = new std::string(testing::MakeTempDir("ehsm-cli-test"));
      profile_ = new std::string(*dir_ + "/profile.toml");
    }
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
    if (dir_ != nullptr) fs::remove_all(*dir_);
    delete dir_;
    delete profile_;
    delete skip_reason_;
    dir_ = profile_ = skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (server_ == nullptr) GTEST_SKIP() << "no ehsm-kms server: " << *skip_reason_;
    for (const char* v : {"EHSM_URL", "EHSM_APPID", "EHSM_APIKEY", "EHSM_PROFILE"}) {
      ::unsetenv(v);
    }
    if (!fs::exists(*profile_)) {
      Outcome o = Ehsm({"enroll", "--save"}, "", false);
      ASSERT_EQ(o.rc, 0) << o.err;
    }
  }

  // Runs the CLI in-process against the test server with the suite's profile.
  static Outcome Ehsm(std::vector<std::string> args, const std::string& stdin_data = "",
                     bool json = true) {
    std::vector<std::string> full = {"ehsm", "--url", server_->url(), "--insecure",
                                     "--profile", *profile_};
    if (json) full.push_back("--json");
    full.insert(full.end(), args.begin(), args.end());
    std::vector<const char*> argv;
    for (auto& a : full) argv.push_back(a.c_str());
    std::istringstream in(stdin_data);
    std::ostringstream out, err;
    int rc = RunCli(static_cast<int>(argv.size()), argv.data(), in, out, err);
    return {rc, out.str(), err.str()};
  }
  static std::string CreateKey(const std::string& spec, const std::string& usage = "encrypt",
                               const std::string& origin = "internal") {
    Outcome o = Ehsm({"key", "create", "--spec", spec, "--usage", usage, "--origin", origin});
    EXPECT_EQ(o.rc, 0) << o.err;
    return o.Field("keyid");
  }
  static std::string P(const std::string& name) { return *dir_ + "/" + name; }

  static TestServer* server_;
  static std::string* dir_;
  static std::string* profile_;
  static std::string* skip_reason_;
};

TestServer* ServerTest::server_ = nullptr;
std::string* ServerTest::dir_ = nullptr;
std::string* ServerTest::profile_ = nullptr;
std::string* ServerTest::skip_reason_ = nullptr;

TEST(FindPort, ParsesTheServersStartupLine) {
  EXPECT_EQ(testing::FindPort("ehsm-kms 0.3.2 listening on port 40123\n"), 40123);
  EXPECT_EQ(testing::FindPort("config ok\nlistening port=9000 tls\n"), 9000);
  EXPECT_EQ(testing::FindPort("listening on port 401"), 0);  // line not complete yet
  EXPECT_EQ(testing::FindPort("support: none\n"), 0);
}

TEST_F(ServerTest, VersionAndEnroll) {
  Outcome v = Ehsm({"version"});
  ASSERT_EQ(v.rc, 0) << v.err;
  EXPECT_FALSE(v.Field("version").empty());
  struct stat st;
  ASSERT_EQ(::stat(profile_->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // Without --save the apikey is printed once; with --save it is not printed at all.
  Outcome e = Ehsm({"--profile", P("other.toml"), "enroll"});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_EQ(e.Field("apikey").size(), 32u);
  Outcome s = Ehsm({"--profile", P("saved.toml"), "enroll", "--save"});
  ASSERT_EQ(s.rc, 0);
  EXPECT_TRUE(s.Field("apikey").empty());
  EXPECT_NE(Slurp(P("saved.toml")).find("apikey"), std::string::npos);
}

TEST_F(ServerTest, WrongApikeyIsAServerError) {
  Outcome o = Ehsm({"--apikey", "00000000000000000000000000000000", "key", "list"});
  EXPECT_EQ(o.rc, kExitServer);
  EXPECT_NE(o.err.find("400"), std::string::npos) << o.err;
}

TEST_F(ServerTest, KeyLifecycle) {
  std::string id = CreateKey("aes-gcm-256");
  ASSERT_FALSE(id.empty());
  Outcome list = Ehsm({"key", "list"});
  ASSERT_EQ(list.rc, 0);
  EXPECT_NE(list.out.find(id), std::string::npos);
  EXPECT_EQ(Ehsm({"key", "disable", id}).rc, 0);
  Outcome refused = Ehsm({"encrypt", "--key", id, "hello"});
  EXPECT_EQ(refused.rc, kExitServer);
  EXPECT_NE(refused.err.find("keyid is disabled"), std::string::npos) << refused.err;
  EXPECT_EQ(Ehsm({"key", "enable", id}).rc, 0);
  EXPECT_EQ(Ehsm({"encrypt", "--key", id, "hello"}).rc, 0);
  EXPECT_EQ(Ehsm({"key", "delete", id}).rc, 0);
  EXPECT_EQ(Ehsm({"key", "list"}).out.find(id), std::string::npos);
}

TEST_F(ServerTest, EncryptDecryptWithAadAndFiles) {
  std::string id = CreateKey("aes-gcm-256");
  Outcome enc = Ehsm({"encrypt", "--key", id, "--aad", "ctx-1", "attack at dawn"});
  ASSERT_EQ(enc.rc, 0) << enc.err;
  std::string ct = enc.Field("ciphertext");
  Outcome dec = Ehsm({"decrypt", "--key", id, "--aad", "ctx-1", ct}, "", false);
  ASSERT_EQ(dec.rc, 0) << dec.err;
  EXPECT_EQ(dec.out, "attack at dawn");
  EXPECT_EQ(Ehsm({"decrypt", "--key", id, "--aad", "ctx-2", ct}).rc, kExitServer);
  // Raw files in and out, plaintext from stdin.
  ASSERT_EQ(Ehsm({"encrypt", "--key", id, "--out", P("ct.bin")}, std::string("\0\1bin", 5)).rc, 0);
  ASSERT_EQ(Ehsm({"decrypt", "--key", id, "--in", P("ct.bin"), "--out", P("pt.bin")}).rc, 0);
  EXPECT_EQ(Slurp(P("pt.bin")), std::string("\0\1bin", 5));
}

TEST_F(ServerTest, DataKeysAndExport) {
  std::string aes = CreateKey("aes-gcm-256");
  std::string rsa = CreateKey("rsa-2048");
  Outcome gen = Ehsm({"datakey", "generate", "--key", aes, "--len", "32"});
  ASSERT_EQ(gen.rc, 0) << gen.err;
  std::string plain = gen.Field("plaintext");
  std::string wrapped = gen.Field("ciphertext");
  EXPECT_EQ(kms::client::Base64Decode(plain)->size(), 32u);
  Outcome unwrapped = Ehsm({"decrypt", "--key", aes, wrapped});
  ASSERT_EQ(unwrapped.rc, 0);
  EXPECT_EQ(unwrapped.Field("plaintext"), plain);
  Outcome np = Ehsm({"datakey", "generate", "--key", aes, "--no-plaintext"});
  ASSERT_EQ(np.rc, 0);
  EXPECT_TRUE(np.Field("plaintext").empty());
  EXPECT_FALSE(np.Field("ciphertext").empty());
  Outcome exp = Ehsm({"datakey", "export", "--key", aes, "--to", rsa, wrapped});
  ASSERT_EQ(exp.rc, 0) << exp.err;
  Outcome back = Ehsm({"asym-decrypt", "--key", rsa, "--padding", "oaep", exp.Field("newdatakey")});
  ASSERT_EQ(back.rc, 0) << back.err;
  EXPECT_EQ(back.Field("plaintext"), plain);
}

TEST_F(ServerTest, SignAndVerify) {
  for (const char* spec : {"ec-p256", "rsa-2048", "sm2"}) {
    std::string id = CreateKey(spec, "sign");
    Outcome sig = Ehsm({"sign", "--key", id, "the message"});
    ASSERT_EQ(sig.rc, 0) << spec << ": " << sig.err;
    std::string s = sig.Field("signature");
    Outcome ok = Ehsm({"verify", "--key", id, "--signature", s, "the message"});
    EXPECT_EQ(ok.rc, 0) << spec << ": " << ok.err;
    Outcome bad = Ehsm({"verify", "--key", id, "--signature", s, "another message"});
    EXPECT_EQ(bad.rc, kExitInvalidSignature) << spec << ": " << bad.err;
  }
  std::string rsa = CreateKey("rsa-2048", "sign");
  Outcome pkcs1 = Ehsm({"sign", "--key", rsa, "--padding", "pkcs1", "--digest", "sha384", "m"});
  ASSERT_EQ(pkcs1.rc, 0) << pkcs1.err;
  EXPECT_EQ(Ehsm({"verify", "--key", rsa, "--padding", "pkcs1", "--digest", "sha384",
                 "--signature", pkcs1.Field("signature"), "m"}).rc, 0);
}

TEST_F(ServerTest, AsymmetricAndPublicKey) {
  std::string rsa = CreateKey("rsa-3072");
  for (const char* padding : {"oaep", "pkcs1"}) {
    Outcome enc = Ehsm({"asym-encrypt", "--key", rsa, "--padding", padding, "short secret"});
    ASSERT_EQ(enc.rc, 0) << enc.err;
    Outcome dec = Ehsm({"asym-decrypt", "--key", rsa, "--padding", padding,
                       enc.Field("ciphertext")}, "", false);
    ASSERT_EQ(dec.rc, 0) << dec.err;
    EXPECT_EQ(dec.out, "short secret");
  }
  Outcome pub = Ehsm({"key", "public-key", rsa, "--out", P("rsa.pem")}, "", false);
  ASSERT_EQ(pub.rc, 0) << pub.err;
  EXPECT_NE(Slurp(P("rsa.pem")).find("-----BEGIN"), std::string::npos);
}

// Decrypts the KMS's AES-GCM ciphertext (C || IV || TAG) locally with the imported key, which
// proves the server really uses the material we imported.
std::string LocalGcmDecrypt(const kms::Bytes& key, const kms::Bytes& blob) {
  if (blob.size() < 28) return "";
  size_t n = blob.size() - 28;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  std::string out(n, '\0');
  int len = 0;
  kms::Bytes tag(blob.end() - 16, blob.end());
  bool ok = EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nullptr, key.data(), blob.data() + n) == 1 &&
            EVP_DecryptUpdate(c, reinterpret_cast<unsigned char*>(out.data()), &len, blob.data(),
                              static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(c, nullptr, &len) == 1;
  EVP_CIPHER_CTX_free(c);
  return ok ? out : "";
}

TEST_F(ServerTest, ImportBringYourOwnKey) {
  for (const char* padding : {"oaep", "pkcs1"}) {
    std::string id = CreateKey("aes-gcm-256", "encrypt", "external");
    kms::Bytes key(32);
    RAND_bytes(key.data(), 32);
    {
      std::ofstream f(P("raw.key"), std::ios::binary);
      f.write(reinterpret_cast<const char*>(key.data()), 32);
    }
    Outcome imp = Ehsm({"import", "--key", id, "--material", P("raw.key"), "--padding", padding,
                       "--wrapping-spec", "rsa-2048"});
    ASSERT_EQ(imp.rc, 0) << padding << ": " << imp.err;
    Outcome enc = Ehsm({"encrypt", "--key", id, "byok works"});
    ASSERT_EQ(enc.rc, 0) << enc.err;
    EXPECT_EQ(LocalGcmDecrypt(key, *kms::client::Base64Decode(enc.Field("ciphertext"))),
              "byok works");
  }
}

TEST_F(ServerTest, SecretManager) {
  const std::string name = "db-password-" + std::to_string(::getpid());
  Outcome c = Ehsm({"secret", "create", name, "--data", "v1", "--desc", "prod db"});
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_EQ(Ehsm({"secret", "put", name}, "v2\n").rc, 0);
  Outcome get = Ehsm({"secret", "get", name});
  ASSERT_EQ(get.rc, 0) << get.err;
  EXPECT_EQ(get.Field("secretData"), "v2");
  Outcome old = Ehsm({"secret", "get", name, "--version", "1"}, "", false);
  ASSERT_EQ(old.rc, 0);
  EXPECT_EQ(old.out, "v1\n");
  Outcome versions = Ehsm({"secret", "list-versions", name});
  ASSERT_EQ(versions.rc, 0);
  EXPECT_EQ(versions.Json()["totalCount"].to_number<int64_t>(), 2);
  EXPECT_EQ(Ehsm({"secret", "update-desc", name, "--desc", "rotated"}).rc, 0);
  Outcome desc = Ehsm({"secret", "describe", name});
  ASSERT_EQ(desc.rc, 0);
  EXPECT_EQ(desc.Field("description"), "rotated");
  EXPECT_NE(Ehsm({"secret", "list"}).out.find(name), std::string::npos);
  EXPECT_EQ(Ehsm({"secret", "delete", name, "--recovery-days", "7"}).rc, 0);
  EXPECT_EQ(Ehsm({"secret", "get", name}).rc, kExitServer);
  EXPECT_EQ(Ehsm({"secret", "restore", name}).rc, 0);
  EXPECT_EQ(Ehsm({"secret", "get", name}).Field("secretData"), "v2");
  EXPECT_EQ(Ehsm({"secret", "delete", name, "--force"}).rc, 0);
  EXPECT_EQ(Ehsm({"secret", "describe", name}).rc, kExitServer);
}

TEST_F(ServerTest, FileEnvelopeRoundTripAndTamper) {
  std::string id = CreateKey("aes-gcm-256");
  std::string data(3 * 1024 * 1024 + 17, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + (i >> 12));
  { std::ofstream(P("big.in"), std::ios::binary) << data; }
  ASSERT_EQ(Ehsm({"file", "encrypt", "--key", id, P("big.in"), P("big.enc")}).rc, 0);
  Outcome info = Ehsm({"file", "info", P("big.enc")});
  EXPECT_EQ(info.Field("keyid"), id);
  ASSERT_EQ(Ehsm({"file", "decrypt", P("big.enc"), P("big.out")}).rc, 0);
  EXPECT_EQ(Slurp(P("big.out")), data);
  std::string enc = Slurp(P("big.enc"));
  enc[enc.size() / 2] ^= 0x20;
  { std::ofstream(P("bad.enc"), std::ios::binary) << enc; }
  Outcome bad = Ehsm({"file", "decrypt", P("bad.enc"), P("bad.out")});
  EXPECT_EQ(bad.rc, kExitLocal);
  EXPECT_FALSE(fs::exists(P("bad.out")));
}

TEST_F(ServerTest, LargeFileThroughTheServer) {
  if (std::getenv("EHSM_SLOW_TESTS") == nullptr) GTEST_SKIP() << "set EHSM_SLOW_TESTS=1";
  std::string id = CreateKey("aes-gcm-256");
  {
    std::ofstream out(P("huge.in"), std::ios::binary);
    std::string block(1 << 20, 'x');
    for (int i = 0; i < 400; ++i) {
      block[0] = static_cast<char>(i);
      out << block;
    }
  }
  ASSERT_EQ(Ehsm({"file", "encrypt", "--key", id, P("huge.in"), P("huge.enc")}).rc, 0);
  ASSERT_EQ(Ehsm({"file", "decrypt", P("huge.enc"), P("huge.out")}).rc, 0);
  EXPECT_EQ(fs::file_size(P("huge.out")), 400u << 20);
  EXPECT_TRUE(Slurp(P("huge.in")) == Slurp(P("huge.out")));
  fs::remove(P("huge.in"));
  fs::remove(P("huge.enc"));
  fs::remove(P("huge.out"));
}

TEST_F(ServerTest, DeleteAllKeysOfAFreshTenant) {
  std::string profile = P("tenant2.toml");
  ASSERT_EQ(Ehsm({"--profile", profile, "enroll", "--save"}).rc, 0);
  ASSERT_EQ(Ehsm({"--profile", profile, "key", "create"}).rc, 0);
  ASSERT_EQ(Ehsm({"--profile", profile, "key", "create"}).rc, 0);
  EXPECT_EQ(Ehsm({"--profile", profile, "key", "list"}).Json()["keys"].as_array().size(), 2u);
  EXPECT_EQ(Ehsm({"--profile", profile, "key", "delete-all", "--yes"}).rc, 0);
  EXPECT_TRUE(Ehsm({"--profile", profile, "key", "list"}).Json()["keys"].as_array().empty());
}

// The README path of a new user, with the real `ehsm` binary as a separate process: enroll
// with --save, create a key, encrypt and decrypt a file.
int RunBinary(const std::vector<std::string>& args, const std::string& profile,
              std::string* out) {
  std::string bin = std::string(KMS_BINARY_DIR) + "/bin/ehsm";
  std::string out_file = profile + ".stdout";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  std::vector<std::string> full = {bin};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_s = {"EHSM_PROFILE=" + profile, "HOME=/nonexistent"};
  std::vector<char*> envp;
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  *out = Slurp(out_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(ServerTest, NewUserFlowWithTheBinary) {
  std::string profile = P("newuser.toml");
  std::string out;
  ASSERT_EQ(RunBinary({"--url", server_->url(), "--insecure", "enroll", "--save"}, profile, &out),
            0);
  EXPECT_EQ(out.find("apikey:"), std::string::npos);  // saved, not printed
  ASSERT_EQ(RunBinary({"key", "create"}, profile, &out), 0);
  std::string keyid = out.substr(0, out.find('\n'));
  ASSERT_EQ(keyid.size(), 36u) << out;
  ASSERT_EQ(keyid.find_first_not_of("0123456789abcdef-"), std::string::npos) << keyid;
  { std::ofstream(P("notes.txt")) << "my private notes\n"; }
  ASSERT_EQ(RunBinary({"file", "encrypt", "--key", keyid, P("notes.txt"), P("notes.enc")},
                      profile, &out), 0);
  ASSERT_EQ(RunBinary({"file", "decrypt", P("notes.enc"), P("notes.dec")}, profile, &out), 0);
  EXPECT_EQ(Slurp(P("notes.dec")), "my private notes\n");
}

}  // namespace
}  // namespace ehsm_cli
