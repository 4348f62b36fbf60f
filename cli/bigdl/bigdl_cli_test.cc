// `ehsm bigdl` without a KMS: exit codes, messages, progress, and the file exchange with an
// independent implementation of BigDL's formats (bigdl/testdata/bigdl_reference.py).

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bigdl/bigdl_cli_test_util.h"

namespace ehsm_cli::bigdl {
namespace {
using namespace kms::bigdl::testing;
using namespace ehsm_cli::bigdl::testing;
namespace fs = std::filesystem;
using V = std::vector<std::string>;

std::string Csv(int rows, const std::string& job = "Developer") {
  std::string s = "name,age,job\n";
  for (int i = 0; i < rows; ++i) s += "yvomq," + std::to_string(i) + "," + job + "\n";
  return s;
}

class BigdlCliTest : public ::testing::Test {
 protected:
  // Offline keys: the format notes' data key and stand-in EDK.
  V Keys() const { return {"--data-key-plaintext", kKeyText, "--edk", kEdk}; }
  V DecKeys() const { return {"--data-key-plaintext", kKeyText}; }
  Outcome Run(V args, V extra = {}) {
    args.insert(args.end(), extra.begin(), extra.end());
    return Ehsm(args);
  }
  TempDir tmp_;
};

TEST_F(BigdlCliTest, OurFolderReadsWithTheReferenceAndTheReferencesWithUs) {
  fs::create_directory(tmp_ / "in");
  WriteFile(tmp_ / "in/people.csv", Csv(2000));
  WriteFile(tmp_ / "in/more.csv", Csv(3, "Engineer"));
  Outcome e = Run({"bigdl", "encrypt", tmp_ / "in", tmp_ / "enc"}, Keys());
  ASSERT_EQ(e.rc, 0) << e.err;
  Outcome r = Reference({"read-folder", tmp_ / "enc", kKeyText, tmp_ / "ref.out"}, tmp_.path());
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(ReadFile(tmp_ / "ref.out"), Csv(3, "Engineer") + Csv(2000));  // name order

  // The reference writes Spark's layout: part-NNNNN-<uuid>-c000.csv.cbc, an empty one as 0 bytes.
  WriteFile(tmp_ / "p0", Csv(10));
  WriteFile(tmp_ / "p1", "");
  WriteFile(tmp_ / "p2", Csv(5000, "Engineer"));
  Outcome w = Reference(
      {"write-folder", tmp_ / "spark", kKeyText, kEdk, tmp_ / "p0", tmp_ / "p1", tmp_ / "p2"},
      tmp_.path());
  ASSERT_EQ(w.rc, 0) << w.err;
  Outcome d = Run({"bigdl", "decrypt", tmp_ / "spark", tmp_ / "plain"}, DecKeys());
  ASSERT_EQ(d.rc, 0) << d.err;
  V names = Names(tmp_ / "plain");
  ASSERT_EQ(names.size(), 4u);
  EXPECT_EQ(names[0], "_SUCCESS");
  const std::vector<std::string> parts = {Csv(10), "", Csv(5000, "Engineer")};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(names[i + 1].substr(0, 10), "part-0000" + std::to_string(i));
    EXPECT_EQ(names[i + 1].substr(names[i + 1].size() - 9), "-c000.csv");
    EXPECT_EQ(ReadFile(tmp_ / ("plain/" + names[i + 1])), parts[i]);
  }
  EXPECT_NE(d.out.find("empty parts: 1"), std::string::npos) << d.out;
}

TEST_F(BigdlCliTest, FernetNativeAndLegacyFilesExchangeWithTheReference) {
  WriteFile(tmp_ / "plain.csv", Csv(300));
  // Fernet: cryptography.fernet.Fernet, the Python tool's own call, with eHSM's '/' alphabet.
  ASSERT_EQ(
      Run({"bigdl", "encrypt", "--format", "fernet", tmp_ / "plain.csv", tmp_ / "t"}, DecKeys()).rc,
      0);
  Outcome fd = Reference({"fernet-decrypt", kKeyText, tmp_ / "t", tmp_ / "t.out"}, tmp_.path());
  ASSERT_EQ(fd.rc, 0) << fd.err;
  EXPECT_EQ(ReadFile(tmp_ / "t.out"), Csv(300));
  ASSERT_EQ(
      Reference({"fernet-encrypt", kKeyText, tmp_ / "plain.csv", tmp_ / "py.t"}, tmp_.path()).rc,
      0);
  Outcome f2 = Run({"bigdl", "decrypt", tmp_ / "py.t", tmp_ / "py.t.out"}, DecKeys());
  ASSERT_EQ(f2.rc, 0) << f2.err;
  EXPECT_EQ(ReadFile(tmp_ / "py.t.out"), Csv(300));
  // Native AES-CBC: the data key base64-decoded (AES-256 here).
  ASSERT_EQ(Run({"bigdl", "encrypt", "--format", "native", "--raw", tmp_ / "plain.csv", tmp_ / "n"},
                DecKeys())
                .rc,
            0);
  Outcome nd = Reference({"read-native", kKeyText, tmp_ / "n", tmp_ / "n.out"}, tmp_.path());
  ASSERT_EQ(nd.rc, 0) << nd.err;
  EXPECT_EQ(ReadFile(tmp_ / "n.out"), Csv(300));
  ASSERT_EQ(
      Reference({"write-native", kKeyText, tmp_ / "plain.csv", tmp_ / "py.n"}, tmp_.path()).rc, 0);
  Outcome n2 =
      Run({"bigdl", "decrypt", "--format", "native", tmp_ / "py.n", tmp_ / "py.n.out"}, DecKeys());
  ASSERT_EQ(n2.rc, 0) << n2.err;
  EXPECT_EQ(ReadFile(tmp_ / "py.n.out"), Csv(300));
  // G1 and G2 (read only), each in its writer's period.
  for (auto [variant, when] : std::vector<std::pair<std::string, std::string>>{
           {"g1", "1652000000"}, {"g2b", "1660000000"}, {"g2c", "1680000000"}}) {
    std::string file = tmp_ / ("legacy." + variant);
    ASSERT_EQ(
        Reference({"write-g2", kKeyText, tmp_ / "plain.csv", file, when, variant}, tmp_.path()).rc,
        0);
    Outcome g = Run({"--json", "bigdl", "decrypt", file, file + ".out"}, DecKeys());
    ASSERT_EQ(g.rc, 0) << variant << ": " << g.err;
    EXPECT_EQ(ReadFile(file + ".out"), Csv(300)) << variant;
    EXPECT_NE(g.out.find(variant == "g1" ? "\"format\":\"g1\"" : "\"format\":\"g2\""),
              std::string::npos)
        << g.out;
  }
}

TEST_F(BigdlCliTest, ExitCodesAndMessagesNameTheFileAndTheReason) {
  WriteFile(tmp_ / "x.csv", Csv(20));
  ASSERT_EQ(Run({"bigdl", "encrypt", tmp_ / "x.csv", tmp_ / "enc"}, Keys()).rc, 0);
  std::string part = tmp_ / "enc/x.csv.cbc";
  std::string bytes = ReadFile(part);
  bytes[420] ^= 1;
  WriteFile(part, bytes);
  Outcome tampered = Run({"bigdl", "decrypt", tmp_ / "enc", tmp_ / "dec"}, DecKeys());
  EXPECT_EQ(tampered.rc, kExitLocal);
  EXPECT_NE(tampered.err.find(part + ": MAC mismatch"), std::string::npos) << tampered.err;
  EXPECT_FALSE(fs::exists(tmp_ / "dec"));
  // No key option at all: the EDK needs the KMS, and nothing says which CMK wrapped it.
  Outcome no_key = Run({"bigdl", "decrypt", tmp_ / "enc", tmp_ / "dec"});
  EXPECT_EQ(no_key.rc, kExitUsage);
  EXPECT_NE(no_key.err.find("--keyid ID or --primary-key FILE"), std::string::npos) << no_key.err;
  EXPECT_EQ(Run({"bigdl", "decrypt", "--format", "pq", tmp_ / "enc", tmp_ / "d"}).rc, kExitUsage);
  EXPECT_EQ(Run({"bigdl", "encrypt", tmp_ / "x.csv", tmp_ / "e2"}).rc, kExitUsage);
  EXPECT_EQ(Run({"bigdl", "encrypt", "--bogus", tmp_ / "x.csv", tmp_ / "e2"}).rc, kExitUsage);
  Outcome missing = Run({"bigdl", "decrypt", tmp_ / "nope.cbc", tmp_ / "d"}, DecKeys());
  EXPECT_EQ(missing.rc, kExitLocal);
  EXPECT_NE(missing.err.find("nope.cbc"), std::string::npos);
  WriteFile(tmp_ / "junk.cbc", "this is not encrypted at all, just text");
  Outcome junk = Run({"bigdl", "decrypt", tmp_ / "junk.cbc", tmp_ / "d"}, DecKeys());
  EXPECT_EQ(junk.rc, kExitLocal);
  EXPECT_NE(junk.err.find("--format native"), std::string::npos) << junk.err;
  // A short key is a usage error unless allowed.
  EXPECT_EQ(Run({"bigdl", "encrypt", "--data-key-plaintext",
                 "EBESExQVFhcYGRobHB0eHw==", tmp_ / "x.csv", tmp_ / "e3"})
                .rc,
            kExitUsage);
}

TEST_F(BigdlCliTest, TheDataKeyNeverAppearsInOutput) {
  WriteFile(tmp_ / "x.csv", Csv(20));
  std::vector<Outcome> runs = {
      Run({"bigdl", "encrypt", tmp_ / "x.csv", tmp_ / "enc"}, Keys()),
      Run({"--json", "bigdl", "decrypt", tmp_ / "enc", tmp_ / "dec"}, DecKeys()),
      Run({"--json", "bigdl", "inspect", tmp_ / "enc"}, DecKeys()),
      Run({"bigdl", "inspect", tmp_ / "enc"}, DecKeys()),
      Run({"bigdl", "decrypt", tmp_ / "enc", tmp_ / "dec"}, DecKeys()),  // fails: exists
  };
  for (const Outcome& o : runs) {
    EXPECT_EQ((o.out + o.err).find(kKeyText), std::string::npos) << o.out << o.err;
    EXPECT_EQ((o.out + o.err).find(kKeyText.substr(16, 16)), std::string::npos);
  }
  EXPECT_NE(runs[2].out.find("\"mac\":\"verified\""), std::string::npos) << runs[2].out;
  EXPECT_NE(runs[3].out.find(kEdk), std::string::npos);
}

TEST_F(BigdlCliTest, StandardOutputGetsOnlyThePlaintext) {
  WriteFile(tmp_ / "x.csv", Csv(20));
  ASSERT_EQ(Run({"bigdl", "encrypt", "--raw", tmp_ / "x.csv", tmp_ / "x.cbc"}, Keys()).rc, 0);
  Outcome d = Run({"bigdl", "decrypt", tmp_ / "x.cbc", "-"}, DecKeys());
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(d.out, Csv(20));
  EXPECT_NE(d.err.find("decrypted 1 part"), std::string::npos);
  // From standard input too.
  Outcome p = Ehsm({"bigdl", "decrypt", "-", "-", "--data-key-plaintext", kKeyText},
                   ReadFile(tmp_ / "x.cbc"));
  ASSERT_EQ(p.rc, 0) << p.err;
  EXPECT_EQ(p.out, Csv(20));
}

TEST_F(BigdlCliTest, ProgressBarOnlyOnATerminalAndNotWithQuiet) {
  std::string big(5u << 20, 'x');
  WriteFile(tmp_ / "big", big);
  V enc = {"bigdl", "encrypt", "--raw", tmp_ / "big", tmp_ / "big.cbc"};
  enc.insert(enc.end(), {"--data-key-plaintext", kKeyText});
  Outcome tty = Ehsm(enc, "", /*stderr_is_tty=*/true);
  ASSERT_EQ(tty.rc, 0) << tty.err;
  EXPECT_NE(tty.err.find("\r["), std::string::npos);
  EXPECT_NE(tty.err.find("100%"), std::string::npos);
  V quiet = enc;
  quiet.insert(quiet.begin(), "-q");
  Outcome q = Ehsm(quiet, "", true);
  ASSERT_EQ(q.rc, 0) << q.err;
  EXPECT_EQ(q.err.find("\r["), std::string::npos);
  Outcome pipe = Ehsm(enc, "", false);
  EXPECT_EQ(pipe.err.find("\r["), std::string::npos);
  // Decryption reads twice (verify first), the bar covers both passes.
  Outcome dec = Ehsm(
      {"bigdl", "decrypt", tmp_ / "big.cbc", tmp_ / "big.out", "--data-key-plaintext", kKeyText},
      "", true);
  ASSERT_EQ(dec.rc, 0) << dec.err;
  EXPECT_NE(dec.err.find("100%"), std::string::npos);
  EXPECT_NE(dec.err.find("10.0 MiB"), std::string::npos) << dec.err;
  // Small inputs get no bar.
  WriteFile(tmp_ / "small", "tiny");
  Outcome small = Ehsm({"bigdl", "encrypt", "--raw", tmp_ / "small", tmp_ / "small.cbc",
                        "--data-key-plaintext", kKeyText},
                       "", true);
  EXPECT_EQ(small.err.find("\r["), std::string::npos);
}

TEST_F(BigdlCliTest, LocalPrimaryKeyRoundTripAndBigdlsShortKeys) {
  fs::create_directory(tmp_ / "in");
  WriteFile(tmp_ / "in/a.csv", Csv(50));
  V pk = {"--primary-key-plaintext", "AAECAwQFBgcICQoLDA0ODw=="};
  Outcome e = Run({"--json", "bigdl", "encrypt", tmp_ / "in", tmp_ / "enc"}, pk);
  ASSERT_EQ(e.rc, 0) << e.err;
  Outcome d = Run({"bigdl", "decrypt", tmp_ / "enc", tmp_ / "dec"}, pk);
  ASSERT_EQ(d.rc, 0) << d.err;
  EXPECT_EQ(ReadFile(tmp_ / "dec/a.csv"), Csv(50));
  // BigDL itself makes 16-byte data keys in this mode (24 characters): V7's EDK, say.
  WriteFile(tmp_ / "short.csv", Csv(5));
  V v7 = {"--data-key-plaintext", "EBESExQVFhcYGRobHB0eHw==", "--edk",
          "ua1w2dw2/F6usbdOP+7M/U977r9voMMhbHcqy5sG6cU=", "--allow-short-key"};
  Outcome s = Run({"bigdl", "encrypt", tmp_ / "short.csv", tmp_ / "short"}, v7);
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_NE(s.err.find("weak"), std::string::npos) << s.err;
  Outcome refused = Run({"bigdl", "decrypt", tmp_ / "short", tmp_ / "short.d"}, pk);
  EXPECT_EQ(refused.rc, kExitUsage);
  EXPECT_NE(refused.err.find("--allow-short-key"), std::string::npos);
  Outcome ok = Run({"bigdl", "decrypt", "--allow-short-key", tmp_ / "short", tmp_ / "short.d"}, pk);
  ASSERT_EQ(ok.rc, 0) << ok.err;
  EXPECT_EQ(ReadFile(tmp_ / "short.d/short.csv"), Csv(5));
}

TEST_F(BigdlCliTest, SplitAndConcatFromTheCommandLine) {
  WriteFile(tmp_ / "big.csv", Csv(20000));
  Outcome e = Run({"bigdl", "encrypt", "--split-bytes", "65536", "--csv-header", tmp_ / "big.csv",
                   tmp_ / "enc"},
                  Keys());
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_GT(Names(tmp_ / "enc").size(), 6u);
  Outcome c = Run({"bigdl", "decrypt", tmp_ / "enc", "--concat", tmp_ / "all.csv", "--csv-header",
                   "--jobs", "2"},
                  DecKeys());
  ASSERT_EQ(c.rc, 0) << c.err;
  EXPECT_EQ(ReadFile(tmp_ / "all.csv"), Csv(20000));
}

// Streams `size` bytes of a fixed pattern (a counter in every 8-byte word) to `path`.
std::string WritePattern(const std::string& path, uint64_t size, uint64_t seed) {
  std::ofstream out(path, std::ios::binary);
  kms::Bytes block(1 << 20);
  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  for (uint64_t done = 0; done < size; done += block.size()) {
    for (size_t i = 0; i < block.size(); i += 8) {
      uint64_t v = seed ^ (done + i);
      std::memcpy(block.data() + i, &v, 8);
    }
    size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), size - done));
    out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
    EVP_DigestUpdate(sha, block.data(), n);
  }
  uint8_t md[32];
  EVP_DigestFinal_ex(sha, md, nullptr);
  EVP_MD_CTX_free(sha);
  return kms::HexEncode(kms::ByteView(md, 32));
}

std::string Sha256File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EVP_MD_CTX* sha = EVP_MD_CTX_new();
  EVP_DigestInit_ex(sha, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(sha, buf.data(), static_cast<size_t>(in.gcount()));
  }
  uint8_t md[32];
  EVP_DigestFinal_ex(sha, md, nullptr);
  EVP_MD_CTX_free(sha);
  return kms::HexEncode(kms::ByteView(md, 32));
}

TEST_F(BigdlCliTest, OneGibFolderStreamsThroughTheBinary) {
  if (std::getenv("EHSM_SLOW_TESTS") == nullptr) GTEST_SKIP() << "set EHSM_SLOW_TESTS=1";
  // Eight 128 MiB parts (one odd-sized) and an empty one, through the real binary.
  fs::create_directory(tmp_ / "in");
  std::vector<std::string> sums;
  for (int i = 0; i < 8; ++i) {
    uint64_t size = (uint64_t{128} << 20) - (i == 7 ? 12345 : 0);
    sums.push_back(WritePattern(tmp_ / ("in/part-" + std::to_string(i) + ".csv"), size, i));
  }
  WriteFile(tmp_ / "in/part-8.csv", "");
  V keys = {"--data-key-plaintext", kKeyText, "--edk", kEdk};
  V enc = {EhsmBinary(), "-q", "bigdl", "encrypt", tmp_ / "in", tmp_ / "enc"};
  enc.insert(enc.end(), keys.begin(), keys.end());
  Outcome e = Spawn(enc, tmp_.path());
  ASSERT_EQ(e.rc, 0) << e.err;
  fs::remove_all(tmp_ / "in");
  V dec = {EhsmBinary(),           "-q",    "bigdl", "decrypt", tmp_ / "enc", tmp_ / "dec",
           "--data-key-plaintext", kKeyText};
  Outcome d = Spawn(dec, tmp_.path());
  ASSERT_EQ(d.rc, 0) << d.err;
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(Sha256File(tmp_ / ("dec/part-" + std::to_string(i) + ".csv")), sums[i]) << i;
  }
  EXPECT_EQ(fs::file_size(tmp_ / "dec/part-8.csv"), 0u);
  // Two jobs with 1 MiB buffers each: far below one part, let alone the folder.
  EXPECT_LT(e.max_rss_kib, 64 * 1024);
  EXPECT_LT(d.max_rss_kib, 64 * 1024);
}

}  // namespace
}  // namespace ehsm_cli::bigdl
