#pragma once
// Who wraps BigDL data keys: the KMS (a CMK, as BigDL's EHSMKeyManagementService uses it) or a
// local "plaintext primary key". Both make new data keys for writing and unwrap EDKs for
// reading. BigDL binds every KMS data key to aad "test" (the JSON string, i.e. base64 of
// b5 eb 2d), so these must too, or BigDL could not unwrap our keys nor we its.
//
// Not thread-safe (a KMS Client is not).

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/bigdl/local_primary_key.h"
#include "kms/bigdl/result.h"

namespace kms::client {
class Client;
}

namespace kms::bigdl {

// The aad bytes whose base64 is "test".
ByteView BigdlAad();

struct NewDataKey {
  SecretBytes text;  // the data key as BigDL holds it: base64 of 32 random bytes
  std::string edk;   // its wrapped form, base64 text (what headers and .meta hold)
};

class KeyHolder {
 public:
  virtual ~KeyHolder() = default;
  virtual Result<NewDataKey> Generate() = 0;
  // The data-key text wrapped in `edk`.
  virtual Result<SecretBytes> Unwrap(std::string_view edk) = 0;
  // "KMS key <id>" or "local primary key", for summaries.
  virtual std::string Describe() const = 0;
};

// GenerateDataKey {keyid, keylen: 32, aad} and Decrypt {keyid, ciphertext, aad}. Borrows
// `client`.
std::unique_ptr<KeyHolder> NewKmsKeyHolder(client::Client& client, std::string keyid);
std::unique_ptr<KeyHolder> NewLocalKeyHolder(LocalPrimaryKey key);

}  // namespace kms::bigdl
