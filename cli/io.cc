#include "io.h"

#include <string.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cctype>
#include <ctime>
#include <fstream>
#include <istream>
#include <iterator>
#include <map>

#include "kms/atomic_write.h"
#include "kms/encoding.h"

namespace ehsm_cli {
using kms::SecretBytes;
using kms::client::Error;
using kms::client::Result;

namespace {

Result<SecretBytes> ReadAll(std::istream& in, const std::string& what) {
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error::Local("cannot read " + what);
  SecretBytes out{kms::AsBytes(data)};
  explicit_bzero(data.data(), data.size());
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string Lookup(std::string_view s, const std::map<std::string, std::string>& table) {
  std::string u = Upper(s);
  if (u.rfind("EH_", 0) == 0) return u;
  auto it = table.find(u);
  return it == table.end() ? std::string() : it->second;
}

}  // namespace

// Base64 text read from a file or a pipe (`ehsm encrypt ... | ehsm decrypt ... -`) is decoded;
// anything else is raw bytes. Raw ciphertexts or signatures of 16+ random bytes are valid
// base64 with negligible probability (each byte has a 1-in-4 chance to be a base64 character).
Result<SecretBytes> MaybeBase64(Result<SecretBytes> raw, LiteralIs literal) {
  if (!raw.ok() || literal != LiteralIs::kBase64 || raw->empty()) return raw;
  auto decoded = kms::client::Base64Decode(kms::AsChars(raw->view()));
  if (!decoded) return raw;
  SecretBytes out{kms::ByteView(*decoded)};
  explicit_bzero(decoded->data(), decoded->size());
  return out;
}

Result<SecretBytes> ReadInput(std::string_view spec, LiteralIs literal, std::istream& stdin_stream) {
  if (spec == "-") return MaybeBase64(ReadAll(stdin_stream, "standard input"), literal);
  if (!spec.empty() && spec[0] == '@') {
    std::string path(spec.substr(1));
    std::ifstream f(path, std::ios::binary);
    if (!f) return Error::Local("cannot open " + path + ": " + std::strerror(errno));
    return MaybeBase64(ReadAll(f, path), literal);
  }
  if (literal == LiteralIs::kText) return SecretBytes(kms::AsBytes(spec));
  auto decoded = kms::client::Base64Decode(spec);
  if (!decoded) {
    return Error::InvalidArgument("argument is not base64; pass @FILE for raw bytes from a file");
  }
  return SecretBytes(kms::ByteView(*decoded));
}

Result<void> WriteOutputFile(const std::string& path, kms::ByteView data) {
  return kms::client::WriteFileAtomically(path, data);
}

std::string KeySpecName(std::string_view s) {
  static const std::map<std::string, std::string> t = {
      {"AES_GCM_128", "EH_AES_GCM_128"}, {"AES_GCM_192", "EH_AES_GCM_192"},
      {"AES_GCM_256", "EH_AES_GCM_256"}, {"AES_128", "EH_AES_GCM_128"},
      {"AES_192", "EH_AES_GCM_192"},     {"AES_256", "EH_AES_GCM_256"},
      {"RSA_2048", "EH_RSA_2048"},       {"RSA_3072", "EH_RSA_3072"},
      {"RSA_4096", "EH_RSA_4096"},       {"EC_P224", "EH_EC_P224"},
      {"EC_P256", "EH_EC_P256"},         {"EC_P256K", "EH_EC_P256K"},
      {"EC_P384", "EH_EC_P384"},         {"EC_P521", "EH_EC_P521"},
      {"SM2", "EH_SM2"},                 {"SM4_CTR", "EH_SM4_CTR"},
      {"SM4_CBC", "EH_SM4_CBC"},         {"HMAC", "EH_HMAC"}};
  return Lookup(s, t);
}

std::string OriginName(std::string_view s) {
  static const std::map<std::string, std::string> t = {{"INTERNAL", "EH_INTERNAL_KEY"},
                                                       {"EXTERNAL", "EH_EXTERNAL_KEY"}};
  return Lookup(s, t);
}

std::string UsageName(std::string_view s) {
  static const std::map<std::string, std::string> t = {
      {"ENCRYPT", "EH_KEYUSAGE_ENCRYPT_DECRYPT"}, {"ENCRYPT_DECRYPT", "EH_KEYUSAGE_ENCRYPT_DECRYPT"},
      {"SIGN", "EH_KEYUSAGE_SIGN_VERIFY"},        {"SIGN_VERIFY", "EH_KEYUSAGE_SIGN_VERIFY"}};
  return Lookup(s, t);
}

std::string PaddingName(std::string_view s) {
  static const std::map<std::string, std::string> t = {{"NONE", "EH_PAD_NONE"},
                                                       {"PKCS1", "EH_RSA_PKCS1"},
                                                       {"PSS", "EH_RSA_PKCS1_PSS"},
                                                       {"OAEP", "EH_RSA_PKCS1_OAEP"}};
  return Lookup(s, t);
}

std::string DigestName(std::string_view s) {
  static const std::map<std::string, std::string> t = {
      {"SHA224", "EH_SHA_224"}, {"SHA256", "EH_SHA_256"}, {"SHA384", "EH_SHA_384"},
      {"SHA512", "EH_SHA_512"}, {"SHA_224", "EH_SHA_224"}, {"SHA_256", "EH_SHA_256"},
      {"SHA_384", "EH_SHA_384"}, {"SHA_512", "EH_SHA_512"}, {"SM3", "EH_SM3"}};
  return Lookup(s, t);
}

std::string FormatTimeMs(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%SZ", &tm);
  return buf;
}

}  // namespace ehsm_cli
