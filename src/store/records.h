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

}  // namespace kms::store
