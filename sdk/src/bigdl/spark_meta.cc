#include "kms/bigdl/spark_meta.h"

#include <strings.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace kms::bigdl {
namespace json = boost::json;
namespace {

// A .meta is a few hundred bytes; anything much larger is not one.
constexpr size_t kMaxMetaSize = 64 * 1024;

}  // namespace

std::string EncodeMeta(std::string_view edk) {
  return "{\n  \"encryptedDataKey\" : " + json::serialize(json::string(edk)) + "\n}\n";
}

Result<std::string> ParseMeta(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Error::Local(".meta is not a JSON object");
  for (const auto& kv : v.get_object()) {
    std::string key(kv.key());
    if (strcasecmp(key.c_str(), "encryptedDataKey") != 0) continue;
    if (!kv.value().is_string()) return Error::Local(".meta encryptedDataKey is not a string");
    return std::string(kv.value().get_string());
  }
  return Error::Local(".meta has no encryptedDataKey");
}

Result<std::optional<std::string>> ReadMeta(const std::string& dir) {
  std::string path = dir + "/" + std::string(kMetaFile);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return std::optional<std::string>();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Local("cannot open " + path + ": " + std::strerror(errno));
  std::string text;
  text.resize(kMaxMetaSize + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxMetaSize) return Error::Local(path + ": too large for a .meta file");
  auto edk = ParseMeta(text);
  if (!edk.ok()) return Error::Local(path + ": " + edk.error().message());
  return std::optional<std::string>(std::move(*edk));
}

}  // namespace kms::bigdl
