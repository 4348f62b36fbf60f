// Round trips of every writable format, the tamper cases of the format notes, and the legacy
// formats built with one-shot OpenSSL calls (independent of the streaming code).

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "bigdl_test_util.h"
#include "kms/bigdl/data_key.h"
#include "kms/bigdl/fernet_header.h"
#include "kms/bigdl/g3_header.h"
#include "kms/bigdl/stream_decryptor.h"
#include "kms/bigdl/stream_encryptor.h"

namespace kms::bigdl {
namespace {
using namespace testing;

Bytes Random(size_t n) {
  Bytes b(n);
  if (n > 0) RAND_bytes(b.data(), static_cast<int>(n));
  return b;
}

Bytes Encrypt(Format format, ByteView plain, const std::string& key = kKeyText, ByteView iv = {}) {
  MemorySource in(Bytes(plain.begin(), plain.end()));
  BytesSink out;
  EncryptSpec spec;
  spec.format = format;
  spec.edk = format == Format::kG3 ? kEdk : "";
  spec.iv = iv.empty() ? *RandomIv() : Bytes(iv.begin(), iv.end());
  spec.time = 1700000000;
  auto n = EncryptStream(in, out, Text(key), spec);
  EXPECT_TRUE(n.ok()) << n.error().ToString();
  EXPECT_EQ(n.ok() ? *n : 0, plain.size());
  return out.bytes;
}

struct Outcome {
  Result<DecryptResult> result = Error::Local("not run");
  Bytes out;
};

Outcome Decrypt(const Bytes& file, FormatChoice choice = FormatChoice::kAuto,
                const std::string& key = kKeyText, DecryptOptions opts = {}, bool seekable = true,
                bool verify_only = false) {
  Outcome o;
  MemorySource in(file, 65537, seekable);
  auto d = StreamDecryptor::Open(in, choice);
  if (!d.ok()) {
    o.result = d.error();
    return o;
  }
  BytesSink sink;
  o.result = (*d)->Run(Text(key), opts, verify_only ? nullptr : &sink);
  o.out = sink.bytes;
  return o;
}

std::string Message(const Outcome& o) { return o.result.ok() ? "ok" : o.result.error().message(); }

TEST(BigdlStream, RoundTripsEveryWritableFormatAndSize) {
  const size_t mib = size_t{1} << 20;
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, mib - 1, mib, mib + 1}) {
    Bytes plain = Random(size);
    for (Format f : {Format::kG3, Format::kNative, Format::kFernet}) {
      SCOPED_TRACE(std::string(FormatName(f)) + " " + std::to_string(size));
      Bytes file = Encrypt(f, plain);
      if (f == Format::kG3) {
        EXPECT_EQ(file.size(), G3StreamSize(size));
      } else if (f == Format::kNative) {
        EXPECT_EQ(file.size(), 16 + (size / 16 + 1) * 16);
      }
      FormatChoice choice = f == Format::kNative ? FormatChoice::kNative : FormatChoice::kAuto;
      for (bool seekable : {true, false}) {
        Outcome o = Decrypt(file, choice, kKeyText, {}, seekable);
        ASSERT_TRUE(o.result.ok()) << Message(o);
        EXPECT_EQ(o.out, plain);
        EXPECT_EQ(o.result->format, f);
        EXPECT_EQ(o.result->mac, f == Format::kNative ? MacStatus::kNone : MacStatus::kVerified);
      }
      EXPECT_TRUE(Decrypt(file, choice, kKeyText, {}, true, /*verify_only=*/true).result.ok());
    }
  }
}

TEST(BigdlStream, G3IsTheReferenceConstruction) {
  // header || AES-128-CBC(text[16,32)) || HMAC-SHA256(text[0,16), ciphertext)
  Bytes plain = Random(1000), iv = Random(16);
  Bytes ct = RefCbc(AsBytes(kKeyText).subspan(16, 16), iv, plain);
  Bytes expected =
      Concat({*EncodeG3Header(kEdk, iv), ct, RefHmac(AsBytes(kKeyText).first(16), ct)});
  EXPECT_EQ(Encrypt(Format::kG3, plain, kKeyText, iv), expected);
}

TEST(BigdlStream, EveryFlippedCiphertextOrMacByteFailsTheMac) {
  Bytes plain = Random(100);
  Bytes file = Encrypt(Format::kG3, plain);
  ASSERT_EQ(file.size(), 400u + 112 + 32);
  for (size_t at = 400; at < file.size(); ++at) {
    Bytes bad = file;
    bad[at] ^= 0x01;
    Outcome o = Decrypt(bad);
    ASSERT_FALSE(o.result.ok()) << at;
    EXPECT_EQ(o.result.error().kind(), ErrorKind::kLocal);
    EXPECT_NE(Message(o).find("MAC mismatch"), std::string::npos) << Message(o);
    EXPECT_FALSE(Decrypt(bad, FormatChoice::kAuto, kKeyText, {}, true, true).result.ok());
  }
}

TEST(BigdlStream, TruncatedTailIsAFormatOrMacError) {
  Bytes file = Encrypt(Format::kG3, Random(100));
  for (size_t cut = 1; cut <= 64; ++cut) {
    Bytes bad(file.begin(), file.end() - static_cast<std::ptrdiff_t>(cut));
    Outcome a = Decrypt(bad);  // the length no longer fits: refused at the header
    EXPECT_FALSE(a.result.ok()) << cut;
    EXPECT_NE(Message(a).find("truncated"), std::string::npos) << Message(a);
    for (bool seekable : {true, false}) {
      Outcome b = Decrypt(bad, FormatChoice::kG3, kKeyText, {}, seekable);
      ASSERT_FALSE(b.result.ok()) << cut;
      EXPECT_TRUE(Message(b).find("MAC") != std::string::npos ||
                  Message(b).find("truncated") != std::string::npos)
          << Message(b);
    }
  }
}

TEST(BigdlStream, FlippedIvBytePassesTheMacAndChangesOnlyTheFirstBlock) {
  // A documented limit of the format: BigDL's MAC covers neither the header nor the IV.
  Bytes plain = Random(100);
  Bytes file = Encrypt(Format::kG3, plain);
  const size_t iv_at = 8 + kEdk.size();
  for (size_t j = 0; j < 16; ++j) {
    Bytes bad = file;
    bad[iv_at + j] ^= 0x5a;
    Outcome o = Decrypt(bad);
    ASSERT_TRUE(o.result.ok()) << Message(o);
    Bytes expected = plain;
    expected[j] ^= 0x5a;
    EXPECT_EQ(o.out, expected);
  }
}

TEST(BigdlStream, BadHeaderFieldsAreFormatErrors) {
  Bytes file = Encrypt(Format::kG3, AsBytes(kPlain));
  Bytes long_edk = file;
  long_edk[2] = 0x01;  // n = 0x150 = 336 still fits; 0x0178 + 1 does not
  long_edk[3] = 0x79;
  Outcome a = Decrypt(long_edk, FormatChoice::kG3);
  EXPECT_FALSE(a.result.ok());
  EXPECT_NE(Message(a).find("exceeds 376"), std::string::npos) << Message(a);
  EXPECT_FALSE(Decrypt(long_edk).result.ok());
  Bytes iv15 = file;
  iv15[7] = 15;
  Outcome b = Decrypt(iv15, FormatChoice::kG3);
  EXPECT_FALSE(b.result.ok());
  EXPECT_NE(Message(b).find("IV length is 15"), std::string::npos) << Message(b);
  Outcome c = Decrypt(iv15);
  EXPECT_NE(Message(c).find("--format native"), std::string::npos) << Message(c);
  EXPECT_EQ(c.result.error().kind(), ErrorKind::kLocal);
}

TEST(BigdlStream, WrongKeyIsAMacMismatch) {
  Bytes file = Encrypt(Format::kG3, Random(50));
  Outcome o = Decrypt(file, FormatChoice::kAuto, "bf41gHTHLw/ROERn/kw/5jPk5HbxT3GG6tclD4rngk8=");
  EXPECT_NE(Message(o).find("MAC mismatch"), std::string::npos) << Message(o);
}

TEST(BigdlStream, NoVerifyIgnoresTheMacButNotThePadding) {
  Bytes plain = Random(100);  // 7 blocks, padding 12
  Bytes file = Encrypt(Format::kG3, plain);
  Bytes bad_mac = file;
  bad_mac.back() ^= 1;
  DecryptOptions lenient;
  lenient.verify_mac = false;
  Outcome o = Decrypt(bad_mac, FormatChoice::kAuto, kKeyText, lenient);
  ASSERT_TRUE(o.result.ok()) << Message(o);
  EXPECT_EQ(o.out, plain);
  EXPECT_EQ(o.result->mac, MacStatus::kIgnored);
  // Flipping the previous block's last byte by the padding value makes the pad byte 0.
  Bytes bad_pad = file;
  bad_pad[400 + 95] ^= 12;
  Outcome p = Decrypt(bad_pad, FormatChoice::kAuto, kKeyText, lenient);
  EXPECT_NE(Message(p).find("invalid padding"), std::string::npos) << Message(p);
  Outcome q = Decrypt(bad_pad, FormatChoice::kAuto, kKeyText, lenient, true, true);
  EXPECT_NE(Message(q).find("invalid padding"), std::string::npos) << Message(q);
}

TEST(BigdlStream, ValidMacWithInvalidPaddingFailsAndHoldsBackTheLastBlock) {
  // Two unpadded blocks of 'A' (0x41 is no valid pad byte) under a correct MAC.
  Bytes iv = Random(16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes ct(32);
  int n = 0;
  Bytes plain(32, 'A');
  EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, AsBytes(kKeyText).subspan(16, 16).data(),
                     iv.data());
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_EncryptUpdate(ctx, ct.data(), &n, plain.data(), 32);
  EVP_CIPHER_CTX_free(ctx);
  Bytes file = Concat({*EncodeG3Header(kEdk, iv), ct, RefHmac(AsBytes(kKeyText).first(16), ct)});
  Outcome o = Decrypt(file);
  EXPECT_NE(Message(o).find("invalid padding"), std::string::npos) << Message(o);
  EXPECT_LE(o.out.size(), 16u);  // the block whose padding failed never left
  EXPECT_FALSE(Decrypt(file, FormatChoice::kAuto, kKeyText, {}, true, true).result.ok());
}

// A 25-byte-header file as BigDL's 2022 writers made it.
Bytes Legacy(ByteView plain, ByteView iv, bool aes256, bool mac_header, int64_t time) {
  Bytes header = EncodeFernetHeader(time, iv);
  auto keys = DeriveTextKeys(Text(kKeyText), aes256);
  Bytes ct = RefCbc(keys->aes_key.view(), iv, plain);
  Bytes covered = mac_header ? Concat({header, ct}) : ct;
  return Concat({header, ct, RefHmac(keys->mac_key.view(), covered)});
}

TEST(BigdlStream, LegacyFormatsAreToldApartByMacAndPadding) {
  Bytes plain = ToBytes(kPlain), iv = Iv0();
  struct Case {
    bool aes256, mac_header;
    int64_t time;  // within each writer's period
    Format format;
    G2Key key;
  } cases[] = {{false, false, 1680000000, Format::kG2, G2Key::kAes128},
               {true, false, 1660000000, Format::kG2, G2Key::kAes256},
               {false, true, 1652000000, Format::kG1, G2Key::kAes128}};
  for (const Case& c : cases) {
    Bytes file = Legacy(plain, iv, c.aes256, c.mac_header, c.time);
    Outcome o = Decrypt(file);
    ASSERT_TRUE(o.result.ok()) << Message(o);
    EXPECT_EQ(AsChars(o.out), kPlain);
    EXPECT_EQ(o.result->format, c.format);
    EXPECT_EQ(o.result->g2_key, c.key);
    EXPECT_EQ(o.result->mac, MacStatus::kVerified);
  }
  // The wrong explicit key size cannot pad.
  DecryptOptions forced;
  forced.g2_key = G2Key::kAes256;
  Bytes g2c = Legacy(plain, iv, false, false, 1680000000);
  EXPECT_FALSE(Decrypt(g2c, FormatChoice::kAuto, kKeyText, forced).result.ok());
}

// Decrypts one block with AES-ECB (no chaining): D_k(block).
Bytes EcbDecrypt(ByteView key, ByteView block) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(32);
  int n = 0;
  EVP_DecryptInit_ex(ctx, key.size() == 16 ? EVP_aes_128_ecb() : EVP_aes_256_ecb(), nullptr,
                     key.data(), nullptr);
  EVP_CIPHER_CTX_set_padding(ctx, 0);
  EVP_DecryptUpdate(ctx, out.data(), &n, block.data(), 16);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(16);
  return out;
}

TEST(BigdlStream, AmbiguousG2KeyFollowsTheHeaderTimeOrTheOverride) {
  auto k128 = DeriveTextKeys(Text(kKeyText), false);
  auto k256 = DeriveTextKeys(Text(kKeyText), true);
  // A one-block file whose block pads (01) under both keys: find a block whose two
  // decryptions end in the same byte, then pick the IV that turns that byte into 01.
  Bytes block, iv(16, 0);
  for (int tries = 0; tries < 100000; ++tries) {
    block = Random(16);
    Bytes x = EcbDecrypt(k128->aes_key.view(), block), y = EcbDecrypt(k256->aes_key.view(), block);
    if (x[15] == y[15]) {
      iv[15] = x[15] ^ 0x01;
      break;
    }
  }
  auto file_at = [&](int64_t time) {
    return Concat({EncodeFernetHeader(time, iv), block, RefHmac(k128->mac_key.view(), block)});
  };
  Outcome before = Decrypt(file_at(1660000000));  // 2022-08: BigDL 2.1, AES-256
  ASSERT_TRUE(before.result.ok()) << Message(before);
  EXPECT_EQ(before.result->g2_key, G2Key::kAes256);
  ASSERT_FALSE(before.result->notes.empty());
  EXPECT_NE(before.result->notes[0].find("ambiguous"), std::string::npos);
  Outcome after = Decrypt(file_at(1680000000));  // 2023-03: BigDL 2.2, AES-128
  ASSERT_TRUE(after.result.ok());
  EXPECT_EQ(after.result->g2_key, G2Key::kAes128);
  DecryptOptions forced;
  forced.g2_key = G2Key::kAes128;
  Outcome overridden = Decrypt(file_at(1660000000), FormatChoice::kAuto, kKeyText, forced);
  ASSERT_TRUE(overridden.result.ok());
  EXPECT_EQ(overridden.result->g2_key, G2Key::kAes128);
  Bytes x = EcbDecrypt(k128->aes_key.view(), block);  // the IV is zero but for its last byte
  EXPECT_EQ(overridden.out, Bytes(x.begin(), x.begin() + 15));
}

TEST(BigdlStream, G2FromAPipeNeedsAnExplicitKeySize) {
  Bytes file = Legacy(ToBytes(kPlain), Iv0(), false, false, 1680000000);
  Outcome piped = Decrypt(file, FormatChoice::kAuto, kKeyText, {}, /*seekable=*/false);
  ASSERT_FALSE(piped.result.ok());
  EXPECT_EQ(piped.result.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(Message(piped).find("--g2-key"), std::string::npos);
  DecryptOptions forced;
  forced.g2_key = G2Key::kAes128;
  Outcome ok = Decrypt(file, FormatChoice::kAuto, kKeyText, forced, false);
  ASSERT_TRUE(ok.result.ok()) << Message(ok);
  EXPECT_EQ(AsChars(ok.out), kPlain);
}

TEST(BigdlStream, G2aFilesNeedNoVerify) {
  auto keys = DeriveTextKeys(Text(kKeyText));
  Bytes iv = G2aIv(keys->mac_key.view());
  Bytes file = Legacy(ToBytes(kPlain), iv, false, false, 1654000000);
  file.back() ^= 0xff;  // G2a's MAC missed the padding: it never matches
  Outcome strict = Decrypt(file);
  EXPECT_NE(Message(strict).find("--no-verify"), std::string::npos) << Message(strict);
  DecryptOptions lenient;
  lenient.verify_mac = false;
  Outcome o = Decrypt(file, FormatChoice::kAuto, kKeyText, lenient);
  ASSERT_TRUE(o.result.ok()) << Message(o);
  EXPECT_EQ(AsChars(o.out), kPlain);
}

TEST(BigdlStream, FernetTamperingIsDetected) {
  Bytes token = Encrypt(Format::kFernet, Random(200));
  Bytes flipped = token;
  flipped[60] = flipped[60] == 'A' ? 'B' : 'A';
  EXPECT_NE(Message(Decrypt(flipped)).find("MAC mismatch"), std::string::npos);
  Bytes garbage = token;
  garbage[70] = '*';
  Outcome g = Decrypt(garbage, FormatChoice::kFernet);
  EXPECT_NE(Message(g).find("offset"), std::string::npos) << Message(g);
}

TEST(BigdlStream, EmptyAndParquetInputs) {
  Outcome empty = Decrypt(Bytes());
  ASSERT_TRUE(empty.result.ok());
  EXPECT_EQ(empty.result->format, Format::kEmpty);
  EXPECT_TRUE(empty.out.empty());
  Outcome pq = Decrypt(ToBytes("PARE\x01\x02\x03 and more bytes of an encrypted footer PARE"));
  EXPECT_NE(Message(pq).find("Parquet"), std::string::npos) << Message(pq);
}

TEST(BigdlStream, ShortKeysAreRefusedUnlessAllowed) {
  std::string warning;
  EXPECT_EQ(CheckDataKeyText(Text("0123456789abcde"), true, &warning).error().kind(),
            ErrorKind::kLocal);
  auto refused = CheckDataKeyText(Text("EBESExQVFhcYGRobHB0eHw=="), false, &warning);
  EXPECT_EQ(refused.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("--allow-short-key"), std::string::npos);
  EXPECT_TRUE(CheckDataKeyText(Text("EBESExQVFhcYGRobHB0eHw=="), true, &warning).ok());
  EXPECT_NE(warning.find("zero"), std::string::npos);
  EXPECT_EQ(warning.find("EBES"), std::string::npos);  // never the key itself
  EXPECT_TRUE(CheckDataKeyText(Text(kKeyText), false, nullptr).ok());
}

}  // namespace
}  // namespace kms::bigdl
