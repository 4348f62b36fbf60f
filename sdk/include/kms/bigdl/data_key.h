#pragma once
// The BigDL data key and the cipher keys each format derives from it
// (docs/bigdl.md, "Keys").
//
// BigDL holds the data key as text: the base64 `plaintext` the KMS returned (44 characters for
// 32 bytes). The Scala formats (G1, G2, G3) never decode it: they slice its bytes, HMAC key =
// text[0,16), AES key = text[16,32) (G2b: text[16,48)), zero-padded like Java's
// Arrays.copyOfRange when the text is short. The Python tool's Fernet format and the native
// AES-CBC format base64-decode it instead. Everything here is a pure function; thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "common/secret_bytes.h"
#include "kms/bigdl/result.h"

namespace kms::bigdl {

// Text shorter than this makes BigDL throw, so it is always refused.
inline constexpr size_t kMinDataKeyText = 16;
// Text shorter than this leaves part of the AES key zero; refused unless explicitly allowed.
inline constexpr size_t kFullDataKeyText = 32;
// BigDL asks the KMS for data keys of this many bytes (44 base64 characters).
inline constexpr int kDataKeyBytes = 32;

struct CbcHmacKeys {
  SecretBytes aes_key;  // 16 bytes (AES-128), 32 for G2b (AES-256), 16/24/32 for native
  SecretBytes mac_key;  // 16 bytes; empty for the native format, which has no MAC
};

// Refuses text under 16 characters, and under 32 unless `allow_short`; then sets `*warning`
// (without the key) because the AES key is partly zero.
Result<void> CheckDataKeyText(const SecretBytes& text, bool allow_short, std::string* warning);

// G1, G2c, G3: HMAC key text[0,16), AES-128 key text[16,32).
// G2b (`aes256`): AES-256 key text[16,48). Missing bytes are zero.
Result<CbcHmacKeys> DeriveTextKeys(const SecretBytes& text, bool aes256 = false);

// Fernet (the Python tool): the text base64-decodes (URL-safe or standard alphabet) to 32 bytes;
// signing key = bytes[0,16), AES-128 key = bytes[16,32).
Result<CbcHmacKeys> DeriveFernetKeys(const SecretBytes& text);

// Native AES-CBC: the text base64-decodes to 16, 24 or 32 bytes, the AES key.
Result<CbcHmacKeys> DeriveNativeKeys(const SecretBytes& text);

// Base64 in either alphabet ('+' or '-', '/' or '_'), padded; nullopt when malformed.
std::optional<SecretBytes> DecodeEitherBase64(std::string_view text);

}  // namespace kms::bigdl
