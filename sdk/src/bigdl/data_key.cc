#include "kms/bigdl/data_key.h"

#include <string.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "kms/encoding.h"

namespace kms::bigdl {
namespace {

// text[from, from+n) with zero bytes where the text is shorter (Java Arrays.copyOfRange).
SecretBytes Slice(const SecretBytes& text, size_t from, size_t n) {
  SecretBytes out(n);
  if (text.size() > from) {
    std::memcpy(out.data(), text.data() + from, std::min(n, text.size() - from));
  }
  return out;
}

}  // namespace

Result<void> CheckDataKeyText(const SecretBytes& text, bool allow_short, std::string* warning) {
  if (text.size() < kMinDataKeyText) {
    return Error::Local("the data key has " + std::to_string(text.size()) +
                        " characters; BigDL needs at least 16");
  }
  if (text.size() < kFullDataKeyText) {
    if (!allow_short) {
      return Error::InvalidArgument(
          "the data key has " + std::to_string(text.size()) +
          " characters, so part of its AES key is zero bytes; pass --allow-short-key to use it "
          "anyway (BigDL's local primary keys and SimpleKMS make such keys)");
    }
    if (warning != nullptr) {
      *warning = "the data key has only " + std::to_string(text.size()) +
                 " characters: its AES key is padded with zero bytes and is weak";
    }
  }
  return {};
}

Result<CbcHmacKeys> DeriveTextKeys(const SecretBytes& text, bool aes256) {
  if (text.size() < kMinDataKeyText) {
    return Error::Local("the data key is shorter than 16 characters");
  }
  CbcHmacKeys k;
  k.mac_key = Slice(text, 0, 16);
  k.aes_key = Slice(text, 16, aes256 ? 32 : 16);
  return k;
}

std::optional<SecretBytes> DecodeEitherBase64(std::string_view text) {
  std::string std_alphabet(text);
  for (char& c : std_alphabet) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  auto decoded = client::Base64Decode(std_alphabet);
  explicit_bzero(std_alphabet.data(), std_alphabet.size());
  if (!decoded) return std::nullopt;
  SecretBytes out{ByteView(*decoded)};
  explicit_bzero(decoded->data(), decoded->size());
  return out;
}

Result<CbcHmacKeys> DeriveFernetKeys(const SecretBytes& text) {
  auto raw = DecodeEitherBase64(AsChars(text.view()));
  if (!raw || raw->size() != 32) {
    return Error::Local("a Fernet key must be base64 of 32 bytes (keylen 32)");
  }
  CbcHmacKeys k;
  k.mac_key = SecretBytes(raw->view().first(16));
  k.aes_key = SecretBytes(raw->view().subspan(16));
  return k;
}

Result<CbcHmacKeys> DeriveNativeKeys(const SecretBytes& text) {
  auto raw = DecodeEitherBase64(AsChars(text.view()));
  if (!raw || (raw->size() != 16 && raw->size() != 24 && raw->size() != 32)) {
    return Error::Local("a native AES-CBC key must be base64 of 16, 24 or 32 bytes");
  }
  CbcHmacKeys k;
  k.aes_key = std::move(*raw);
  return k;
}

}  // namespace kms::bigdl
