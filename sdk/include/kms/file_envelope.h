#pragma once
// Envelope encryption of files and streams (format: docs/file-format.md).
//
// One fresh 256-bit data key per file comes from a DataKeySource (the KMS: GenerateDataKey);
// only its wrapped form is stored in the file header. The content is cut into chunks, each
// sealed with AES-256-GCM under a nonce made of a random per-file prefix and the chunk index,
// and with associated data binding the header hash, the chunk index and an is-final flag, so
// reordering, truncation, appended data and any flipped bit are detected. The plaintext data
// key lives in a SecretBytes and is zeroed when the operation ends.
//
// Thread-safety: the functions hold no global state; a DataKeySource is used from the calling
// thread only.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/result.h"
#include "kms/types.h"

namespace kms::client {

class Client;

// Where data keys come from. An interface so the file code can be tested without a server.
class DataKeySource {
 public:
  virtual ~DataKeySource() = default;
  // A new random data key of `keylen` bytes under the CMK `keyid`, plaintext and wrapped, with
  // `aad` bound into the wrap.
  virtual Result<DataKey> Generate(std::string_view keyid, int keylen, ByteView aad) = 0;
  // The plaintext of a key wrapped by Generate.
  virtual Result<SecretBytes> Unwrap(std::string_view keyid, ByteView wrapped, ByteView aad) = 0;
};

// Data keys from the KMS: GenerateDataKey and Decrypt. Borrows `client`.
class KmsDataKeySource final : public DataKeySource {
 public:
  explicit KmsDataKeySource(Client& client) : client_(client) {}
  Result<DataKey> Generate(std::string_view keyid, int keylen, ByteView aad) override;
  Result<SecretBytes> Unwrap(std::string_view keyid, ByteView wrapped, ByteView aad) override;

 private:
  Client& client_;
};

inline constexpr uint32_t kDefaultChunkSize = 1u << 20;
inline constexpr uint32_t kMaxChunkSize = 64u << 20;

// Called after each chunk with bytes of input consumed and the total (0 when unknown).
using ProgressFn = std::function<void(uint64_t done, uint64_t total)>;

struct EnvelopeOptions {
  uint32_t chunk_size = kDefaultChunkSize;  // encryption only; 1..kMaxChunkSize
  ProgressFn progress;
  uint64_t total_size = 0;  // for progress only
};

// What the header of an encrypted file says.
struct EnvelopeHeader {
  uint8_t version = 0;
  uint32_t chunk_size = 0;
  std::string keyid;
  Bytes wrapped_key;
};

// Streams `in` to `out` encrypted. On error `out` holds a partial, useless result.
Result<void> EncryptStream(DataKeySource& keys, std::string_view keyid, std::istream& in,
                           std::ostream& out, const EnvelopeOptions& options = {});
// Streams `in` to `out` decrypted. Only authenticated chunks are written, but on error the
// chunks before the bad one are already in `out`: use DecryptFile for all-or-nothing output.
Result<void> DecryptStream(DataKeySource& keys, std::istream& in, std::ostream& out,
                           const EnvelopeOptions& options = {});
// Reads and validates only the header.
Result<EnvelopeHeader> ReadEnvelopeHeader(std::istream& in);

// File forms. The output is written to a temporary file (mode 0600) in the destination's
// directory, fsynced and renamed over `out_path` only on success: a failure leaves no partial
// output and keeps any previous file at `out_path`. `in_path` "-" reads standard input.
Result<void> EncryptFile(DataKeySource& keys, std::string_view keyid, const std::string& in_path,
                         const std::string& out_path, const EnvelopeOptions& options = {});
Result<void> DecryptFile(DataKeySource& keys, const std::string& in_path,
                         const std::string& out_path, const EnvelopeOptions& options = {});

}  // namespace kms::client
