#pragma once
// The records the KMS keeps. Plain data; the store never interprets blobs.

#include <cstdint>
#include <string>

#include "common/bytes.h"

namespace kms::store {

// An enrolled application (tenant). `apikey_blob` is the apikey encrypted under the tenant's
// `cmk_blob`, which is itself wrapped by the domain key; the plaintext apikey is never stored.
struct TenantRecord {
  std::string appid;
  Bytes apikey_blob;
  Bytes cmk_blob;             // wrapped AES-256 key protecting the apikey
  Bytes sm_default_cmk_blob;  // wrapped AES-256 key, default key of the secret manager
  int64_t create_time_ms = 0;
};

// A customer master key. Enumerations are stored by their eHSM wire names
// ("EH_AES_GCM_256", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT").
struct KeyRecord {
  std::string keyid;
  std::string creator;  // appid of the owner
  std::string keyspec;
  std::string origin;
  std::string keyusage;
  Bytes key_blob;  // versioned wrapped blob (keys/cmk_blob.h); empty for an external key
                   // that has no material yet
  int64_t creation_date_ms = 0;
  int64_t expire_time_ms = 0;
  std::string alias;
  int key_state = 1;  // 1 enabled, 0 disabled

  // Optimistic concurrency: set by the store on read, checked on UpdateKey. Starts at 1.
  int64_t revision = 0;
};

// A secret of the secret manager, without its values. (appid, name) is unique; names are
// compared byte for byte.
struct SecretRecord {
  std::string appid;
  std::string name;
  // Random id of this incarnation of the secret, chosen by the creator. Values are bound to it,
  // so a secret deleted and created again under the same name never sees the old versions.
  std::string uid;
  std::string description;        // "" = none
  std::string encryption_keyid;   // "" = the tenant's default secret key
  std::string rotation_interval;  // "" = none; only stored, no rotation is performed
  int64_t create_time_ms = 0;
  int64_t next_rotation_time_ms = 0;   // 0 = no rotation interval
  int64_t delete_time_ms = 0;          // when deletion was scheduled; 0 = not pending deletion
  int64_t planned_delete_time_ms = 0;  // when it is purged; 0 = not pending deletion
  // Id of the current version (versions are 1..latest_version). Maintained by the store; ignored
  // on create.
  int64_t latest_version = 0;

  bool pending_deletion() const { return planned_delete_time_ms != 0; }
};

// One value of a secret.
struct SecretVersionRecord {
  int64_t version_id = 0;  // 1, 2, 3, ... without gaps
  Bytes value_blob;        // the encrypted value
  int64_t create_time_ms = 0;
  bool current = false;  // set by the store on read: version_id == latest_version
};

// A quote policy of the remote-attestation actions: the enclave a VerifyQuote naming this
// policy accepts. Immutable once created. mr_enclave and mr_signer are 64 hex digits, as the
// tenant uploaded them (the API checks the format; the store keeps the text).
struct QuotePolicyRecord {
  std::string policy_id;  // UUID v4
  std::string appid;      // the owner
  std::string mr_enclave;
  std::string mr_signer;
  int64_t create_time_ms = 0;
};

}  // namespace kms::store
