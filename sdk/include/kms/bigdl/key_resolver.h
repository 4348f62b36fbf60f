#pragma once
// Finds the data key of each stream when reading, in this order (first match wins):
//   1. the data-key text given by the user (--data-key-plaintext);
//   2. the stream's own header EDK (G3 with n > 0);
//   3. the folder's .meta EDK;
//   4. the EDK in a legacy data-key file (--data-key-file);
//   5. native format with an empty .meta EDK: the local primary key itself (BigDL's layout).
// EDKs are unwrapped by a KeyHolder made on first need (so offline use never builds a KMS
// client) and cached: one unwrap per distinct EDK, however many parts share it.
//
// Not thread-safe: resolve every key before starting parallel work.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/secret_bytes.h"
#include "kms/bigdl/format.h"
#include "kms/bigdl/key_holder.h"

namespace kms::bigdl {

struct KeySources {
  std::optional<SecretBytes> data_key_text;      // --data-key-plaintext
  std::optional<std::string> data_key_file_edk;  // first line of --data-key-file
  std::optional<SecretBytes> local_primary_key;  // --primary-key-plaintext, as given
  bool allow_short_key = false;
};

// Makes the holder that unwraps EDKs, or fails with a usage error saying what is missing.
using KeyHolderFactory = std::function<Result<std::unique_ptr<KeyHolder>>()>;

class KeyResolver {
 public:
  KeyResolver(KeySources sources, KeyHolderFactory make_holder)
      : sources_(std::move(sources)), make_holder_(std::move(make_holder)) {}

  struct Resolved {
    const SecretBytes* text = nullptr;  // owned by the resolver
    std::string source;                 // "header EDK", ".meta EDK", ... (no key material)
    std::string edk;                    // the EDK used, empty when none was
  };

  // The data key for stream `name` of `format` whose header holds `header_edk` (empty when
  // none), in a folder whose .meta holds `meta_edk` (nullopt: no .meta).
  Result<Resolved> Resolve(const std::string& name, Format format, const std::string& header_edk,
                           const std::optional<std::string>& meta_edk);

  // Warnings collected so far (EDK conflicts, short keys), each once.
  const std::vector<std::string>& warnings() const { return warnings_; }
  size_t unwrap_calls() const { return unwrap_calls_; }

 private:
  Result<const SecretBytes*> Unwrap(const std::string& edk);
  Result<void> CheckText(const SecretBytes& text, Format format);
  void Warn(std::string w);

  KeySources sources_;
  KeyHolderFactory make_holder_;
  std::unique_ptr<KeyHolder> holder_;
  std::map<std::string, SecretBytes> unwrapped_;  // EDK -> data-key text
  std::vector<std::string> warnings_;
  size_t unwrap_calls_ = 0;
};

// `e` with "`name`: " in front of its message (same kind and code), unless it names it already.
Error WithName(const Error& e, const std::string& name);

}  // namespace kms::bigdl
