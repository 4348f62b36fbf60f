#pragma once
// Helpers for the BigDL format tests: hex, SHA-256, in-memory sources and sinks, and reference
// encryptions made with one-shot OpenSSL calls (independent of the streaming code under test).

#include <openssl/evp.h>
#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/bigdl/byte_stream.h"
#include "kms/bigdl/key_holder.h"

namespace kms::bigdl::testing {

// The common inputs of docs/bigdl.md's test vectors (§4 of the format notes).
inline const std::string kKeyText = "bf41gHTHLw/ROERm/kw/5jPk5HbxT3GG6tclD4rngk8=";
inline const std::string kEdk =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7";
inline const std::string kPlain = "name,age,job\nyvomq,1,Developer\n";

inline SecretBytes Text(const std::string& s) { return SecretBytes(AsBytes(s)); }

inline Bytes Iv0() {
  Bytes iv(16);
  for (int i = 0; i < 16; ++i) iv[i] = static_cast<uint8_t>(i);
  return iv;
}

inline Bytes Unhex(const std::string& hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string Sha256Hex(ByteView data) {
  uint8_t md[32];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return HexEncode(ByteView(md, n));
}
inline std::string Sha256Hex(const std::string& s) { return Sha256Hex(AsBytes(s)); }

// One-shot AES-CBC with PKCS#7 padding (the key size picks AES-128/192/256).
inline Bytes RefCbc(ByteView key, ByteView iv, ByteView plain) {
  const EVP_CIPHER* c = key.size() == 16   ? EVP_aes_128_cbc()
                        : key.size() == 24 ? EVP_aes_192_cbc()
                                           : EVP_aes_256_cbc();
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  Bytes out(plain.size() + 16);
  int n1 = 0, n2 = 0;
  EVP_EncryptInit_ex(ctx, c, nullptr, key.data(), iv.data());
  EVP_EncryptUpdate(ctx, out.data(), &n1, plain.data(), static_cast<int>(plain.size()));
  EVP_EncryptFinal_ex(ctx, out.data() + n1, &n2);
  EVP_CIPHER_CTX_free(ctx);
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

inline Bytes RefHmac(ByteView key, ByteView data) {
  Bytes out(32);
  size_t n = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), data.data(),
            data.size(), out.data(), out.size(), &n);
  return out;
}

inline Bytes Concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A source over a string, delivering at most `step` bytes per read; seekable when asked.
class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(Bytes data, size_t step = SIZE_MAX, bool seekable = true)
      : data_(std::move(data)), step_(step), seekable_(seekable) {}
  Result<size_t> Read(std::span<uint8_t> buf) override {
    size_t n = std::min({buf.size(), step_, data_.size() - pos_});
    if (n > 0) std::memcpy(buf.data(), data_.data() + pos_, n);
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> Size() const override {
    return seekable_ ? std::optional<uint64_t>(data_.size()) : std::nullopt;
  }
  Result<void> ReadAt(uint64_t offset, std::span<uint8_t> buf) override {
    if (!seekable_ || offset + buf.size() > data_.size()) return ByteSource::ReadAt(offset, buf);
    if (!buf.empty()) std::memcpy(buf.data(), data_.data() + offset, buf.size());
    return {};
  }
  const std::string& name() const override { return name_; }

 private:
  Bytes data_;
  size_t step_;
  bool seekable_;
  size_t pos_ = 0;
  std::string name_ = "memory";
};

class BytesSink final : public ByteSink {
 public:
  Result<void> Write(ByteView data) override {
    bytes.insert(bytes.end(), data.begin(), data.end());
    return {};
  }
  std::string str() const { return std::string(bytes.begin(), bytes.end()); }
  Bytes bytes;
};

// A stand-in KMS: unwraps kEdk to kKeyText and "edk-X" to the key text "<43 x 'k'>X";
// refuses anything else as the KMS would. Counts its unwraps in `*calls`.
class FakeKms final : public KeyHolder {
 public:
  explicit FakeKms(int* calls) : calls_(calls) {}
  Result<NewDataKey> Generate() override { return Error::Local("unused"); }
  Result<SecretBytes> Unwrap(std::string_view edk) override {
    ++*calls_;
    if (edk == kEdk) return Text(kKeyText);
    if (edk.rfind("edk-", 0) != 0) return Error::Server(400, "Failed to decrypt the ciphertext");
    return Text(KeyFor(edk));
  }
  std::string Describe() const override { return "fake"; }
  static std::string KeyFor(std::string_view edk) {
    return std::string(43, 'k') + std::string(edk.substr(4, 1));
  }

 private:
  int* calls_;
};

// A fresh directory, removed with its contents at the end of the scope.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ehsm-bigdl-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    path_ = ::mkdtemp(buf.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, ByteView data) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}
inline void WriteFile(const std::string& path, const std::string& data) {
  WriteFile(path, AsBytes(data));
}
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Names in `dir`, sorted (hidden ones included).
inline std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace kms::bigdl::testing
