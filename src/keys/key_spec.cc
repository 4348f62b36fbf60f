#include "keys/key_spec.h"

#include <array>
#include <utility>

namespace kms::keys {
namespace {

template <typename E, size_t N>
using Table = std::array<std::pair<E, std::string_view>, N>;

constexpr Table<KeySpec, 15> kKeySpecs{{
    {KeySpec::kAesGcm128, "EH_AES_GCM_128"}, {KeySpec::kAesGcm192, "EH_AES_GCM_192"},
    {KeySpec::kAesGcm256, "EH_AES_GCM_256"}, {KeySpec::kRsa2048, "EH_RSA_2048"},
    {KeySpec::kRsa3072, "EH_RSA_3072"},      {KeySpec::kRsa4096, "EH_RSA_4096"},
    {KeySpec::kEcP224, "EH_EC_P224"},        {KeySpec::kEcP256, "EH_EC_P256"},
    {KeySpec::kEcP256K, "EH_EC_P256K"},      {KeySpec::kEcP384, "EH_EC_P384"},
    {KeySpec::kEcP521, "EH_EC_P521"},        {KeySpec::kSm2, "EH_SM2"},
    {KeySpec::kSm4Ctr, "EH_SM4_CTR"},        {KeySpec::kSm4Cbc, "EH_SM4_CBC"},
    {KeySpec::kHmac, "EH_HMAC"},
}};
constexpr Table<Origin, 2> kOrigins{{{Origin::kInternal, "EH_INTERNAL_KEY"},
                                     {Origin::kExternal, "EH_EXTERNAL_KEY"}}};
constexpr Table<KeyUsage, 2> kUsages{{{KeyUsage::kEncryptDecrypt, "EH_KEYUSAGE_ENCRYPT_DECRYPT"},
                                      {KeyUsage::kSignVerify, "EH_KEYUSAGE_SIGN_VERIFY"}}};
constexpr Table<PaddingMode, 4> kPaddings{{{PaddingMode::kNone, "EH_PAD_NONE"},
                                           {PaddingMode::kRsaPkcs1, "EH_RSA_PKCS1"},
                                           {PaddingMode::kRsaPkcs1Pss, "EH_RSA_PKCS1_PSS"},
                                           {PaddingMode::kRsaPkcs1Oaep, "EH_RSA_PKCS1_OAEP"}}};
constexpr Table<DigestMode, 5> kDigests{{{DigestMode::kSha224, "EH_SHA_224"},
                                         {DigestMode::kSha256, "EH_SHA_256"},
                                         {DigestMode::kSha384, "EH_SHA_384"},
                                         {DigestMode::kSha512, "EH_SHA_512"},
                                         {DigestMode::kSm3, "EH_SM3"}}};
constexpr Table<MessageType, 2> kMessageTypes{{{MessageType::kRaw, "EH_RAW"},
                                               {MessageType::kDigest, "EH_DIGEST"}}};

template <typename E, size_t N>
std::string_view NameIn(const Table<E, N>& t, E v) {
  for (const auto& [e, n] : t) {
    if (e == v) return n;
  }
  return "";
}

template <typename E, size_t N>
std::optional<E> ParseIn(const Table<E, N>& t, std::string_view name) {
  for (const auto& [e, n] : t) {
    if (n == name) return e;
  }
  return std::nullopt;
}

template <typename E, size_t N>
constexpr std::array<std::string_view, N> NamesOf(const Table<E, N>& t) {
  std::array<std::string_view, N> out{};
  for (size_t i = 0; i < N; ++i) out[i] = t[i].second;
  return out;
}

constexpr auto kKeySpecNames = NamesOf(kKeySpecs);
constexpr auto kOriginNames = NamesOf(kOrigins);
constexpr auto kUsageNames = NamesOf(kUsages);
constexpr auto kPaddingNames = NamesOf(kPaddings);
constexpr auto kDigestNames = NamesOf(kDigests);
constexpr auto kMessageTypeNames = NamesOf(kMessageTypes);

}  // namespace

std::string_view Name(KeySpec v) { return NameIn(kKeySpecs, v); }
std::string_view Name(Origin v) { return NameIn(kOrigins, v); }
std::string_view Name(KeyUsage v) { return NameIn(kUsages, v); }
std::string_view Name(PaddingMode v) { return NameIn(kPaddings, v); }
std::string_view Name(DigestMode v) { return NameIn(kDigests, v); }
std::string_view Name(MessageType v) { return NameIn(kMessageTypes, v); }

std::optional<KeySpec> ParseKeySpec(std::string_view n) { return ParseIn(kKeySpecs, n); }
std::optional<Origin> ParseOrigin(std::string_view n) { return ParseIn(kOrigins, n); }
std::optional<KeyUsage> ParseKeyUsage(std::string_view n) { return ParseIn(kUsages, n); }
std::optional<PaddingMode> ParsePaddingMode(std::string_view n) { return ParseIn(kPaddings, n); }
std::optional<DigestMode> ParseDigestMode(std::string_view n) { return ParseIn(kDigests, n); }
std::optional<MessageType> ParseMessageType(std::string_view n) {
  return ParseIn(kMessageTypes, n);
}

std::span<const std::string_view> KeySpecNames() { return kKeySpecNames; }
std::span<const std::string_view> OriginNames() { return kOriginNames; }
std::span<const std::string_view> KeyUsageNames() { return kUsageNames; }
std::span<const std::string_view> PaddingModeNames() { return kPaddingNames; }
std::span<const std::string_view> DigestModeNames() { return kDigestNames; }
std::span<const std::string_view> MessageTypeNames() { return kMessageTypeNames; }

bool IsSymmetric(KeySpec s) { return SymmetricKeySize(s) != 0; }

size_t SymmetricKeySize(KeySpec s) {
  switch (s) {
    case KeySpec::kAesGcm128: return 16;
    case KeySpec::kAesGcm192: return 24;
    case KeySpec::kAesGcm256: return 32;
    case KeySpec::kSm4Ctr:
    case KeySpec::kSm4Cbc: return 16;
    default: return 0;
  }
}

bool IsRsa(KeySpec s) {
  return s == KeySpec::kRsa2048 || s == KeySpec::kRsa3072 || s == KeySpec::kRsa4096;
}

bool IsEc(KeySpec s) {
  return s == KeySpec::kEcP224 || s == KeySpec::kEcP256 || s == KeySpec::kEcP256K ||
         s == KeySpec::kEcP384 || s == KeySpec::kEcP521;
}

}  // namespace kms::keys
