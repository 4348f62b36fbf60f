#pragma once
// Typed results of the eHSM-KMS actions. Field names follow the wire names of the REST API;
// binary fields are decoded from base64, key material and plaintexts are SecretBytes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/secret_bytes.h"

namespace kms::client {

struct VersionInfo {
  std::string version;
  std::string git_sha;
};

// A new tenant. `apikey` is the HMAC secret: store it like a password.
struct Enrollment {
  std::string appid;
  std::string apikey;
};

struct KeyInfo {
  std::string keyid;
  std::string keyspec;       // enum name, e.g. "EH_AES_GCM_256"
  std::string alias;
  int key_state = 0;         // 1 enabled, 0 disabled
  int64_t creation_date = 0; // ms since the epoch
  int64_t expire_time = 0;   // ms since the epoch
};

struct DataKey {
  SecretBytes plaintext;  // empty for GenerateDataKeyWithoutPlaintext
  Bytes ciphertext;       // the data key wrapped by the CMK
};

struct ImportParameters {
  std::string pubkey_pem;    // RSA wrapping key (PKCS#1 or SPKI PEM)
  std::string import_token;  // opaque, passed back to ImportKeyMaterial
};

struct SecretVersion {
  int64_t version_id = 0;
  int64_t create_time = 0;
};

struct SecretVersionList {
  std::string secret_name;
  int64_t total_count = 0;
  std::vector<SecretVersion> versions;
};

struct SecretSummary {
  std::string secret_name;
  std::string description;                  // empty when none
  int64_t create_time = 0;
  std::optional<int64_t> planned_delete_time;  // set while pending deletion
};

struct SecretList {
  int64_t total_count = 0;
  std::vector<SecretSummary> secrets;
};

// DescribeSecret. `found` is false when the server knows no such secret (it replies with `{}`).
struct SecretDescription {
  bool found = false;
  std::string secret_name;
  std::string description;
  int64_t create_time = 0;
  std::optional<int64_t> planned_delete_time;
  std::string rotation_interval;  // empty when none was set
  std::optional<int64_t> next_rotation_date;
};

// GetSecretValue. `found` is false when the requested version does not exist.
struct SecretValue {
  bool found = false;
  std::string secret_name;
  SecretBytes secret_data;  // the UTF-8 value as bytes
  int64_t version_id = 0;
  int64_t create_time = 0;
};

struct CreateSecretRequest {
  std::string secret_name;
  std::string secret_data;
  std::string encryption_key_id;  // empty: the tenant's default secret key
  std::string description;
  std::string rotation_interval;  // e.g. "30d"; empty: none
};

// Optional per-call fields for the cryptographic actions.
struct SignRequest {
  std::string keyid;
  Bytes message;
  std::string digest_mode = "EH_SHA_256";   // EH_SHA_224/256/384/512, EH_SM3
  std::string padding_mode = "EH_PAD_NONE"; // RSA: EH_RSA_PKCS1 or EH_RSA_PKCS1_PSS
  std::string message_type = "EH_RAW";      // or EH_DIGEST
};

}  // namespace kms::client
