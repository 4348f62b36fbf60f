#pragma once
// BigDL's offline "plaintext primary key" (`spark.bigdl.primaryKey.<name>.plainText`): the EDK
// is base64(AES-ECB/PKCS#7(key = base64-decode(primary key), data-key text as bytes)). ECB is
// BigDL's choice (JCE "AES"), kept for compatibility; it only ever wraps one short random key.
// Thread-safe.

#include <string>
#include <string_view>

#include "common/secret_bytes.h"
#include "kms/bigdl/result.h"

namespace kms::bigdl {

class LocalPrimaryKey {
 public:
  // `base64_key`: standard or URL-safe base64 of 16, 24 or 32 bytes.
  static Result<LocalPrimaryKey> Parse(std::string_view base64_key);

  // The EDK text for `data_key_text`.
  Result<std::string> Wrap(const SecretBytes& data_key_text) const;
  // The data-key text inside `edk`. Fails (kLocal) on a malformed EDK or the wrong key.
  Result<SecretBytes> Unwrap(std::string_view edk) const;

  // The key exactly as the user gave it: the native format uses it as its data key.
  const SecretBytes& text() const { return text_; }

 private:
  LocalPrimaryKey(SecretBytes key, SecretBytes text)
      : key_(std::move(key)), text_(std::move(text)) {}
  SecretBytes key_;
  SecretBytes text_;
};

}  // namespace kms::bigdl
