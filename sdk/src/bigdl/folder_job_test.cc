// Encrypting and decrypting files and Spark folders: layout, keys per part, atomic outputs.

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <sstream>

#include "bigdl_test_util.h"
#include "kms/bigdl/decrypt_job.h"
#include "kms/bigdl/encrypt_job.h"
#include "kms/bigdl/inspect.h"
#include "kms/bigdl/spark_meta.h"
#include "kms/bigdl/stream_encryptor.h"

namespace kms::bigdl {
namespace {
using namespace testing;
using V = std::vector<std::string>;

class BigdlFolderTest : public ::testing::Test {
 protected:
  KeyResolver Resolver(KeySources s = {}) {
    return KeyResolver(std::move(s), [this]() -> Result<std::unique_ptr<KeyHolder>> {
      return std::unique_ptr<KeyHolder>(new FakeKms(&unwraps_));
    });
  }
  static NewDataKey Key(const std::string& edk = kEdk) {
    NewDataKey k;
    k.text = Text(edk == kEdk ? kKeyText : FakeKms::KeyFor(edk));
    k.edk = edk;
    return k;
  }
  Result<EncryptSummary> Enc(const std::string& in, const std::string& out, const NewDataKey& key,
                             EncryptJob job = {}) {
    job.in = in;
    job.out = out;
    return RunEncrypt(job, key);
  }
  Result<DecryptSummary> Dec(const std::string& in, const std::string& out, DecryptJob job = {},
                             KeySources s = {}) {
    job.in = in;
    job.out = out;
    job.jobs = 3;
    KeyResolver keys = Resolver(std::move(s));
    return RunDecrypt(job, keys);
  }
  std::string Csv(int rows) {
    std::string s = "name,age,job\n";
    for (int i = 0; i < rows; ++i) s += "yvomq," + std::to_string(i) + ",Developer\n";
    return s;
  }

  TempDir tmp_;
  int unwraps_ = 0;
};

TEST_F(BigdlFolderTest, TheFormatNotesFolderVectorDecrypts) {
  const std::string part = "part-00000-00000000-0000-0000-0000-000000000000-c000.csv";
  std::filesystem::create_directory(tmp_ / "dir");
  MemorySource in(ToBytes(kPlain));
  BytesSink v1;
  EncryptSpec spec;
  spec.edk = kEdk;
  spec.iv = Iv0();
  ASSERT_TRUE(EncryptStream(in, v1, Text(kKeyText), spec).ok());
  ASSERT_EQ(Sha256Hex(v1.bytes),
            "1bca1dbe7328982a3f716ee29e9e1f3932a1cd3c14a401c420ad47481c986de5");
  WriteFile(tmp_ / ("dir/" + part + ".cbc"), v1.bytes);
  WriteFile(tmp_ / "dir/.meta", "{\n  \"encryptedDataKey\" : \"" + kEdk + "\"\n}\n");
  auto r = Dec(tmp_ / "dir", tmp_ / "out", {}, {});
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Names(tmp_ / "out"), (V{part}));
  EXPECT_EQ(ReadFile(tmp_ / ("out/" + part)), kPlain);
  EXPECT_EQ(unwraps_, 1);
  EXPECT_EQ(r->parts[0].key_source, "header EDK");
}

TEST_F(BigdlFolderTest, SeveralPartsWithAnEmptyOneRoundTrip) {
  std::filesystem::create_directory(tmp_ / "in");
  WriteFile(tmp_ / "in/a.csv", Csv(3000));
  WriteFile(tmp_ / "in/b.csv", Csv(7));
  WriteFile(tmp_ / "in/empty.csv", "");
  WriteFile(tmp_ / "in/.hidden", "not data");
  WriteFile(tmp_ / "in/_temporary", "not data");
  auto e = Enc(tmp_ / "in", tmp_ / "enc", Key());
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  EXPECT_EQ(e->parts.size(), 3u);
  EXPECT_EQ(Names(tmp_ / "enc"),
            (V{".meta", "_SUCCESS", "a.csv.cbc", "b.csv.cbc", "empty.csv.cbc"}));
  EXPECT_EQ(ReadFile(tmp_ / "enc/.meta"), EncodeMeta(kEdk));
  EXPECT_EQ(ReadFile(tmp_ / "enc/empty.csv.cbc").size(), 448u);  // a valid empty stream
  // Spark writes an empty partition as a 0-byte part.
  WriteFile(tmp_ / "enc/part-00002.csv.cbc", "");
  auto d = Dec(tmp_ / "enc", tmp_ / "dec");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(Names(tmp_ / "dec"), (V{"_SUCCESS", "a.csv", "b.csv", "empty.csv", "part-00002.csv"}));
  EXPECT_EQ(ReadFile(tmp_ / "dec/a.csv"), Csv(3000));
  EXPECT_EQ(ReadFile(tmp_ / "dec/b.csv"), Csv(7));
  EXPECT_EQ(ReadFile(tmp_ / "dec/empty.csv"), "");
  EXPECT_EQ(ReadFile(tmp_ / "dec/part-00002.csv"), "");
  EXPECT_EQ(d->parts.size(), 4u);
  EXPECT_EQ(d->parts[3].format, Format::kEmpty);
  EXPECT_EQ(d->distinct_edks, 1u);
  EXPECT_EQ(unwraps_, 1);  // one data key for four parts
  EXPECT_TRUE(d->success_copied);
}

TEST_F(BigdlFolderTest, NothingIsWrittenWhenAnyPartFails) {
  std::filesystem::create_directory(tmp_ / "in");
  for (int i = 0; i < 4; ++i) WriteFile(tmp_ / ("in/p" + std::to_string(i)), Csv(100 + i));
  ASSERT_TRUE(Enc(tmp_ / "in", tmp_ / "enc", Key()).ok());
  std::string last = ReadFile(tmp_ / "enc/p3.cbc");
  last[last.size() - 40] ^= 1;
  WriteFile(tmp_ / "enc/p3.cbc", last);
  V before = Names(tmp_.path());
  for (bool verify_first : {true, false}) {
    DecryptJob job;
    job.verify_first = verify_first;
    auto d = Dec(tmp_ / "enc", tmp_ / "dec", job);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().kind(), ErrorKind::kLocal);
    EXPECT_NE(d.error().message().find(tmp_ / "enc/p3.cbc"), std::string::npos);
    EXPECT_NE(d.error().message().find("MAC mismatch"), std::string::npos);
    EXPECT_EQ(Names(tmp_.path()), before);  // no output, no staging folder left
  }
  // Concatenated output: nothing either, to a file or to standard output.
  DecryptJob job;
  job.concat = tmp_ / "all.csv";
  EXPECT_FALSE(Dec(tmp_ / "enc", "", job).ok());
  EXPECT_EQ(Names(tmp_.path()), before);
  std::ostringstream out;
  DecryptJob to_stdout;
  to_stdout.stdout_stream = &out;
  EXPECT_FALSE(Dec(tmp_ / "enc", "-", to_stdout).ok());
  EXPECT_TRUE(out.str().empty());
}

TEST_F(BigdlFolderTest, SingleFilesAreAllOrNothingAndVerifiedBeforeStdout) {
  WriteFile(tmp_ / "p.csv", Csv(50));
  EncryptJob raw;
  raw.raw = true;
  ASSERT_TRUE(Enc(tmp_ / "p.csv", tmp_ / "p.cbc", Key(), raw).ok());
  auto ok = Dec(tmp_ / "p.cbc", tmp_ / "p.out");
  ASSERT_TRUE(ok.ok()) << ok.error().ToString();
  EXPECT_EQ(ReadFile(tmp_ / "p.out"), Csv(50));
  std::string bad = ReadFile(tmp_ / "p.cbc");
  bad[bad.size() - 1] ^= 1;
  WriteFile(tmp_ / "bad.cbc", bad);
  WriteFile(tmp_ / "existing.out", "keep me");
  EXPECT_FALSE(Dec(tmp_ / "bad.cbc", tmp_ / "existing.out").ok());
  EXPECT_EQ(ReadFile(tmp_ / "existing.out"), "keep me");
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "new.out"));
  // Verify-first: a bad MAC means not one byte on standard output.
  std::ostringstream out;
  DecryptJob job;
  job.stdout_stream = &out;
  auto r = Dec(tmp_ / "bad.cbc", "-", job);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(out.str().empty());
  // A pipe can only be read once: the bytes before the MAC went out, and the error says so.
  std::istringstream pipe(bad);
  std::ostringstream piped_out;
  DecryptJob from_pipe;
  from_pipe.stdin_stream = &pipe;
  from_pipe.stdout_stream = &piped_out;
  auto p = Dec("-", "-", from_pipe);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message().find("untrusted"), std::string::npos) << p.error().message();
  // To a file, a pipe still leaves nothing behind.
  std::istringstream pipe2(bad);
  DecryptJob pipe_to_file;
  pipe_to_file.stdin_stream = &pipe2;
  EXPECT_FALSE(Dec("-", tmp_ / "from-pipe.out", pipe_to_file).ok());
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "from-pipe.out"));
}

TEST_F(BigdlFolderTest, TwoDataKeysInOneFolderAreBothUnwrappedOnce) {
  // BigDL's append mode: new parts under a new key, .meta overwritten with the new EDK.
  std::filesystem::create_directory(tmp_ / "a");
  std::filesystem::create_directory(tmp_ / "b");
  WriteFile(tmp_ / "a/old.csv", Csv(10));
  WriteFile(tmp_ / "b/new.csv", Csv(20));
  WriteFile(tmp_ / "b/new2.csv", Csv(30));
  ASSERT_TRUE(Enc(tmp_ / "a", tmp_ / "enc", Key("edk-A")).ok());
  ASSERT_TRUE(Enc(tmp_ / "b", tmp_ / "encb", Key("edk-B")).ok());
  for (auto name : {"new.csv.cbc", "new2.csv.cbc"}) {
    std::filesystem::copy_file(tmp_ / ("encb/" + std::string(name)),
                               tmp_ / ("enc/" + std::string(name)));
  }
  std::filesystem::copy_file(tmp_ / "encb/.meta", tmp_ / "enc/.meta",
                             std::filesystem::copy_options::overwrite_existing);
  auto d = Dec(tmp_ / "enc", tmp_ / "dec");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(ReadFile(tmp_ / "dec/old.csv"), Csv(10));
  EXPECT_EQ(ReadFile(tmp_ / "dec/new2.csv"), Csv(30));
  EXPECT_EQ(d->distinct_edks, 2u);
  EXPECT_EQ(unwraps_, 2);
  ASSERT_EQ(d->warnings.size(), 1u);
  EXPECT_NE(d->warnings[0].find("old.csv.cbc"), std::string::npos);
}

TEST_F(BigdlFolderTest, HeaderEdkWithoutMetaAndEmptyEdkWithDataKeyFile) {
  WriteFile(tmp_ / "x.csv", Csv(5));
  ASSERT_TRUE(Enc(tmp_ / "x.csv", tmp_ / "enc", Key("edk-Q")).ok());
  std::filesystem::remove(tmp_ / "enc/.meta");
  auto d = Dec(tmp_ / "enc", tmp_ / "dec");
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  EXPECT_EQ(ReadFile(tmp_ / "dec/x.csv"), Csv(5));
  // EncryptFiles.scala's layout: no EDK anywhere, the key from a legacy data-key file.
  NewDataKey no_edk = Key("edk-Z");
  no_edk.edk = "";
  ASSERT_TRUE(Enc(tmp_ / "x.csv", tmp_ / "enc0", no_edk).ok());
  std::filesystem::remove(tmp_ / "enc0/.meta");
  auto refused = Dec(tmp_ / "enc0", tmp_ / "dec0");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind(), ErrorKind::kInvalidArgument);
  KeySources s;
  s.data_key_file_edk = "edk-Z";
  auto d0 = Dec(tmp_ / "enc0", tmp_ / "dec0", {}, std::move(s));
  ASSERT_TRUE(d0.ok()) << d0.error().ToString();
  EXPECT_EQ(ReadFile(tmp_ / "dec0/x.csv"), Csv(5));
  EXPECT_EQ(d0->parts[0].key_source, "--data-key-file");
}

TEST_F(BigdlFolderTest, SplitPartsRepeatTheHeaderAndConcatenateBack) {
  std::string csv = Csv(5000);
  WriteFile(tmp_ / "big.csv", csv);
  EncryptJob split;
  split.split_bytes = 16384;
  split.csv_header = true;
  auto e = Enc(tmp_ / "big.csv", tmp_ / "enc", Key(), split);
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  ASSERT_GT(e->parts.size(), 3u);
  EXPECT_EQ(e->parts[0].output, "big.csv-00000.cbc");
  auto d = Dec(tmp_ / "enc", tmp_ / "dec");
  ASSERT_TRUE(d.ok());
  for (const auto& p : d->parts) {
    EXPECT_EQ(ReadFile(tmp_ / ("dec/" + p.output)).rfind("name,age,job\n", 0), 0u) << p.output;
  }
  DecryptJob concat;
  concat.concat = tmp_ / "all.csv";
  concat.csv_header = true;
  ASSERT_TRUE(Dec(tmp_ / "enc", "", concat).ok());
  EXPECT_EQ(ReadFile(tmp_ / "all.csv"), csv);
}

TEST_F(BigdlFolderTest, ExistingOutputNeedsForceWhichAlsoDropsStaleCrcFiles) {
  WriteFile(tmp_ / "x.csv", Csv(5));
  ASSERT_TRUE(Enc(tmp_ / "x.csv", tmp_ / "enc", Key()).ok());
  WriteFile(tmp_ / "enc/.x.csv.cbc.crc", "stale Hadoop checksum");
  auto again = Enc(tmp_ / "x.csv", tmp_ / "enc", Key());
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().message().find("--force"), std::string::npos);
  EncryptJob force;
  force.force = true;
  ASSERT_TRUE(Enc(tmp_ / "x.csv", tmp_ / "enc", Key(), force).ok());
  EXPECT_EQ(Names(tmp_ / "enc"), (V{".meta", "_SUCCESS", "x.csv.cbc"}));
  // An existing empty folder is fine without --force.
  std::filesystem::create_directory(tmp_ / "empty");
  EXPECT_TRUE(Enc(tmp_ / "x.csv", tmp_ / "empty", Key()).ok());
}

TEST_F(BigdlFolderTest, FernetAndNativeFolders) {
  std::filesystem::create_directory(tmp_ / "in");
  WriteFile(tmp_ / "in/a.csv", Csv(40));
  WriteFile(tmp_ / "in/b.csv", "");
  EncryptJob fernet;
  fernet.format = Format::kFernet;
  ASSERT_TRUE(Enc(tmp_ / "in", tmp_ / "f", Key(), fernet).ok());
  EXPECT_EQ(Names(tmp_ / "f"), (V{"a.csv.encrypted", "b.csv.encrypted"}));  // the Python layout
  KeySources ks;
  ks.data_key_text = Text(kKeyText);
  auto df = Dec(tmp_ / "f", tmp_ / "fd", {}, std::move(ks));
  ASSERT_TRUE(df.ok()) << df.error().ToString();
  EXPECT_EQ(ReadFile(tmp_ / "fd/a.csv"), Csv(40));
  EXPECT_EQ(ReadFile(tmp_ / "fd/b.csv"), "");
  // Native with a local primary key: that key is the data key, .meta's EDK is empty.
  NewDataKey pk;
  pk.text = Text("AAECAwQFBgcICQoLDA0ODw==");
  EncryptJob native;
  native.format = Format::kNative;
  ASSERT_TRUE(Enc(tmp_ / "in", tmp_ / "n", pk, native).ok());
  EXPECT_EQ(ReadFile(tmp_ / "n/.meta"), EncodeMeta(""));
  KeySources local;
  local.local_primary_key = Text("AAECAwQFBgcICQoLDA0ODw==");
  DecryptJob as_native;
  as_native.format = FormatChoice::kNative;
  auto dn = Dec(tmp_ / "n", tmp_ / "nd", as_native, std::move(local));
  ASSERT_TRUE(dn.ok()) << dn.error().ToString();
  EXPECT_EQ(ReadFile(tmp_ / "nd/a.csv"), Csv(40));
}

TEST_F(BigdlFolderTest, InspectReportsHeadersAndMacsWithoutKeys) {
  std::filesystem::create_directory(tmp_ / "in");
  WriteFile(tmp_ / "in/a.csv", Csv(40));
  ASSERT_TRUE(Enc(tmp_ / "in", tmp_ / "enc", Key()).ok());
  WriteFile(tmp_ / "enc/README", "plain notes");
  auto plain = Inspect(tmp_ / "enc", FormatChoice::kAuto, nullptr, {});
  ASSERT_TRUE(plain.ok()) << plain.error().ToString();
  EXPECT_EQ(plain->meta_edk, kEdk);
  ASSERT_EQ(plain->parts.size(), 1u);
  EXPECT_EQ(plain->parts[0].info.edk, kEdk);
  EXPECT_TRUE(plain->parts[0].mac.empty());
  EXPECT_EQ(plain->other_files, (V{"README"}));
  KeyResolver keys = Resolver();
  auto checked = Inspect(tmp_ / "enc", FormatChoice::kAuto, &keys, {});
  ASSERT_TRUE(checked.ok());
  EXPECT_EQ(checked->parts[0].mac, "verified");
  std::string bad = ReadFile(tmp_ / "enc/a.csv.cbc");
  bad[500] ^= 1;
  WriteFile(tmp_ / "enc/a.csv.cbc", bad);
  auto tampered = Inspect(tmp_ / "enc", FormatChoice::kAuto, &keys, {});
  EXPECT_EQ(tampered->parts[0].mac.rfind("mismatch", 0), 0u) << tampered->parts[0].mac;
}

}  // namespace
}  // namespace kms::bigdl
