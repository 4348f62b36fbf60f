// The test vectors V1-V8 of the BigDL format notes (docs/bigdl.md, "Test vectors"): exact bytes.

#include <gtest/gtest.h>

#include "bigdl_test_util.h"
#include "kms/bigdl/data_key.h"
#include "kms/bigdl/fernet_header.h"
#include "kms/bigdl/local_primary_key.h"
#include "kms/bigdl/spark_meta.h"
#include "kms/bigdl/stream_decryptor.h"
#include "kms/bigdl/stream_encryptor.h"

namespace kms::bigdl {
namespace {
using namespace testing;

Bytes Encrypt(Format format, const std::string& key, ByteView plain, const std::string& edk,
              ByteView iv, int64_t time = 0, size_t step = SIZE_MAX) {
  MemorySource in(Bytes(plain.begin(), plain.end()), step);
  BytesSink out;
  EncryptSpec spec;
  spec.format = format;
  spec.edk = edk;
  spec.iv = Bytes(iv.begin(), iv.end());
  spec.time = time;
  auto n = EncryptStream(in, out, Text(key), spec);
  EXPECT_TRUE(n.ok()) << n.error().ToString();
  return out.bytes;
}

// Decrypts `data` (auto-detected unless `choice`), expecting success.
std::string Decrypt(const Bytes& data, const std::string& key,
                    FormatChoice choice = FormatChoice::kAuto, DecryptResult* result = nullptr) {
  MemorySource in(data);
  auto d = StreamDecryptor::Open(in, choice);
  EXPECT_TRUE(d.ok()) << d.error().ToString();
  if (!d.ok()) return "";
  BytesSink out;
  auto r = (*d)->Run(Text(key), {}, &out);
  EXPECT_TRUE(r.ok()) << r.error().ToString();
  if (r.ok() && result != nullptr) *result = *r;
  return out.str();
}

Bytes V2Plaintext() {
  Bytes p(3 * 1024 * 1024 + 5);
  for (size_t i = 0; i < p.size(); ++i) p[i] = static_cast<uint8_t>(i % 251);
  return p;
}

TEST(BigdlVectors, KeyDerivationFromTheDataKeyText) {
  auto k = DeriveTextKeys(Text(kKeyText));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(HexEncode(k->mac_key.view()), "62663431674854484c772f524f45526d");
  EXPECT_EQ(HexEncode(k->aes_key.view()), "2f6b772f356a506b3548627854334747");
}

TEST(BigdlVectors, V1G3) {
  Bytes f = Encrypt(Format::kG3, kKeyText, AsBytes(kPlain), kEdk, Iv0());
  ASSERT_EQ(f.size(), 464u);
  EXPECT_EQ(HexEncode(ByteView(f).first(8)), "0000005000000010");
  EXPECT_EQ(AsChars(ByteView(f).subspan(8, 80)), kEdk);
  EXPECT_EQ(HexEncode(ByteView(f).subspan(88, 16)), HexEncode(Iv0()));
  EXPECT_EQ(std::count(f.begin() + 104, f.begin() + 400, 0x80), 296);
  EXPECT_EQ(HexEncode(ByteView(f).subspan(400, 32)),
            "5c7e5fb94452270021213762c18f8f68b2e40cad3b2a850b84df77239ca7de71");
  EXPECT_EQ(HexEncode(ByteView(f).subspan(432, 32)),
            "5611d7c1303cb27956bf866da669d58d055c5e1563ee9ff372ec3fa8068bb810");
  EXPECT_EQ(Sha256Hex(f), "1bca1dbe7328982a3f716ee29e9e1f3932a1cd3c14a401c420ad47481c986de5");
  EXPECT_EQ(G3StreamSize(kPlain.size()), 464u);
  DecryptResult r;
  EXPECT_EQ(Decrypt(f, kKeyText, FormatChoice::kAuto, &r), kPlain);
  EXPECT_EQ(r.format, Format::kG3);
  EXPECT_EQ(r.mac, MacStatus::kVerified);
}

TEST(BigdlVectors, V2G3StreamingIsIndependentOfChunking) {
  Bytes p = V2Plaintext();
  EXPECT_EQ(Sha256Hex(p), "b01669d77761c4dfdfc8fb927821087bcf5c9ef1f917c4f1f8504e529f19edab");
  // Reads of odd sizes feed the cipher differently; the bytes must not change.
  for (size_t step : {size_t{1} << 20, size_t{7777}, SIZE_MAX}) {
    Bytes f = Encrypt(Format::kG3, kKeyText, p, kEdk, Iv0(), 0, step);
    ASSERT_EQ(f.size(), 3146176u) << step;
    EXPECT_EQ(HexEncode(ByteView(f).last(32)),
              "0c3b5e1209298a161751a0cc21d4bdd3c39b9de336519caa5d367505eee443d0");
    EXPECT_EQ(Sha256Hex(f), "c20905f535b2cb7f19feeba2dbbe32c5af48152cc15992be03a6ba99ec0e366e");
  }
  Bytes f = Encrypt(Format::kG3, kKeyText, p, kEdk, Iv0());
  // A pipe: unknown length, short reads.
  MemorySource pipe(f, 4099, /*seekable=*/false);
  auto d = StreamDecryptor::Open(pipe, FormatChoice::kAuto);
  ASSERT_TRUE(d.ok()) << d.error().ToString();
  BytesSink out;
  auto r = (*d)->Run(Text(kKeyText), {}, &out);
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(out.bytes, p);
  EXPECT_EQ(r->plaintext_bytes, p.size());
}

Bytes V3File() {
  return Concat({Unhex("800000000063b0cd00"), Iv0(),
                 Unhex("5c7e5fb94452270021213762c18f8f68b2e40cad3b2a850b84df77239ca7de71"),
                 Unhex("5611d7c1303cb27956bf866da669d58d055c5e1563ee9ff372ec3fa8068bb810")});
}

TEST(BigdlVectors, V3G2c) {
  Bytes f = V3File();
  ASSERT_EQ(f.size(), 89u);
  EXPECT_EQ(Sha256Hex(f), "2bc41785dda428cd18019178026967c4b9b3065c84017a3a53eadf5def222a3d");
  MemorySource in(f);
  auto d = StreamDecryptor::Open(in, FormatChoice::kAuto);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->info().time, 1672531200);
  DecryptResult r;
  EXPECT_EQ(Decrypt(f, kKeyText, FormatChoice::kAuto, &r), kPlain);
  EXPECT_EQ(r.format, Format::kG2);  // the MAC covers the ciphertext only
  EXPECT_EQ(r.g2_key, G2Key::kAes128);
  EXPECT_EQ(r.mac, MacStatus::kVerified);
}

TEST(BigdlVectors, V4Native) {
  Bytes f = Encrypt(Format::kNative, kKeyText, AsBytes(kPlain), "", Iv0());
  ASSERT_EQ(f.size(), 48u);
  EXPECT_EQ(HexEncode(ByteView(f).first(16)), HexEncode(Iv0()));
  EXPECT_EQ(HexEncode(ByteView(f).subspan(16)),
            "032f4030ed427f85555f7cb65c825adaf7cc9b9fe17bea4cb142acf041f4f0de");
  EXPECT_EQ(Sha256Hex(f), "71673523182fe1f74c6252ed407574100d50cf5e896263c557c67c60580b6195");
  EXPECT_EQ(Decrypt(f, kKeyText, FormatChoice::kNative), kPlain);
}

TEST(BigdlVectors, V5FernetSpecVector) {
  const std::string key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
  const std::string token =
      "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jV"
      "mpU4IwqDA==";
  Bytes made = Encrypt(Format::kFernet, key, AsBytes("hello"), "", Iv0(), 499162800);
  EXPECT_EQ(AsChars(made), token);
  DecryptResult r;
  EXPECT_EQ(Decrypt(ToBytes(token), key, FormatChoice::kAuto, &r), "hello");
  EXPECT_EQ(r.format, Format::kFernet);
  EXPECT_EQ(r.mac, MacStatus::kVerified);
  // A trailing newline (a token saved by an editor) is tolerated.
  EXPECT_EQ(Decrypt(ToBytes(token + "\n"), key), "hello");
  // eHSM's data keys use the standard alphabet ('/'), which the Python tool accepts too.
  Bytes t2 = Encrypt(Format::kFernet, kKeyText, AsBytes(kPlain), "", Iv0(), 1700000000);
  EXPECT_EQ(AsChars(t2).substr(0, 6), "gAAAAA");
  EXPECT_EQ(Decrypt(t2, kKeyText), kPlain);
}

TEST(BigdlVectors, V6G2aDeterministicIv) {
  auto k = DeriveTextKeys(Text(kKeyText));
  ASSERT_TRUE(k.ok());
  int sum = 0;
  for (uint8_t b : k->mac_key.view()) sum += static_cast<int8_t>(b);
  EXPECT_EQ(static_cast<int8_t>(sum), 15);
  EXPECT_EQ(HexEncode(G2aIv(k->mac_key.view())), "3a4a9beb69cea7932b803ca63f20fdc4");
}

TEST(BigdlVectors, V7LocalPrimaryKey) {
  auto pk = LocalPrimaryKey::Parse("AAECAwQFBgcICQoLDA0ODw==");
  ASSERT_TRUE(pk.ok()) << pk.error().ToString();
  const std::string text = "EBESExQVFhcYGRobHB0eHw==";
  auto edk = pk->Wrap(Text(text));
  ASSERT_TRUE(edk.ok());
  EXPECT_EQ(*edk, "ua1w2dw2/F6usbdOP+7M/U977r9voMMhbHcqy5sG6cU=");
  auto back = pk->Unwrap(*edk);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(AsChars(back->view()), text);
  auto k = DeriveTextKeys(Text(text));
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(AsChars(k->mac_key.view()), "EBESExQVFhcYGRob");
  EXPECT_EQ(HexEncode(k->aes_key.view()), "4842306548773d3d0000000000000000");
  // A different primary key does not unwrap it.
  auto other = LocalPrimaryKey::Parse("AQECAwQFBgcICQoLDA0ODw==");
  ASSERT_TRUE(other.ok());
  auto wrong = other->Unwrap(*edk);
  EXPECT_FALSE(wrong.ok() && AsChars(wrong->view()) == text);
}

TEST(BigdlVectors, V8G2bKeyDerivation) {
  auto k = DeriveTextKeys(Text(kKeyText), /*aes256=*/true);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(HexEncode(k->aes_key.view()),
            "2f6b772f356a506b35486278543347473674636c4434726e676b383d00000000");
}

TEST(BigdlVectors, FolderVectorLayout) {
  // .meta exactly as BigDL's Jackson writer produces it.
  EXPECT_EQ(EncodeMeta(kEdk), "{\n  \"encryptedDataKey\" : \"" + kEdk + "\"\n}\n");
}

}  // namespace
}  // namespace kms::bigdl
