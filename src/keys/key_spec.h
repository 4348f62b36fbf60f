#pragma once
// The eHSM enumerations. Names are the wire values; numbers match the upstream's internal
// values (spec: eHSM API §4.1).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace kms::keys {

enum class KeySpec : uint32_t {
  kAesGcm128 = 1,
  kAesGcm192 = 2,
  kAesGcm256 = 3,
  kRsa2048 = 10,
  kRsa3072 = 11,
  kRsa4096 = 12,
  kEcP224 = 20,
  kEcP256 = 21,
  kEcP256K = 22,
  kEcP384 = 23,
  kEcP521 = 24,
  kSm2 = 30,
  kSm4Ctr = 31,
  kSm4Cbc = 32,
  kHmac = 40,
};

enum class Origin : uint32_t { kInternal = 1, kExternal = 2 };
enum class KeyUsage : uint32_t { kEncryptDecrypt = 1, kSignVerify = 2 };
enum class PaddingMode : uint32_t { kNone = 0, kRsaPkcs1 = 1, kRsaPkcs1Pss = 2, kRsaPkcs1Oaep = 3 };
enum class DigestMode : uint32_t { kSha224 = 1, kSha256 = 2, kSha384 = 3, kSha512 = 4, kSm3 = 5 };
enum class MessageType : uint32_t { kRaw = 1, kDigest = 2 };

std::string_view Name(KeySpec v);
std::string_view Name(Origin v);
std::string_view Name(KeyUsage v);
std::string_view Name(PaddingMode v);
std::string_view Name(DigestMode v);
std::string_view Name(MessageType v);

std::optional<KeySpec> ParseKeySpec(std::string_view name);
std::optional<Origin> ParseOrigin(std::string_view name);
std::optional<KeyUsage> ParseKeyUsage(std::string_view name);
std::optional<PaddingMode> ParsePaddingMode(std::string_view name);
std::optional<DigestMode> ParseDigestMode(std::string_view name);
std::optional<MessageType> ParseMessageType(std::string_view name);

// Every wire name of each enumeration, in declaration order (for validators).
std::span<const std::string_view> KeySpecNames();
std::span<const std::string_view> OriginNames();
std::span<const std::string_view> KeyUsageNames();
std::span<const std::string_view> PaddingModeNames();
std::span<const std::string_view> DigestModeNames();
std::span<const std::string_view> MessageTypeNames();

// AES-GCM-* and SM4-*: the keyspecs Encrypt/Decrypt/GenerateDataKey use.
bool IsSymmetric(KeySpec spec);
// Raw key length of a symmetric keyspec (16, 24 or 32); 0 for others.
size_t SymmetricKeySize(KeySpec spec);
bool IsRsa(KeySpec spec);
bool IsEc(KeySpec spec);  // the ECDSA curves, not SM2

}  // namespace kms::keys
