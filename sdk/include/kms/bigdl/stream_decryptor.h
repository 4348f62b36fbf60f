#pragma once
// Reads one BigDL stream (G3, G2, G1, native, Fernet) of any size in constant memory.
//
// Open() reads and parses only the header, so callers can learn the EDK and find the data key
// before anything is decrypted. Run() streams the rest: the ciphertext is MACed as it goes,
// with a 32-byte look-behind for the MAC trailer and a 16-byte one for the padding. The MAC is
// compared in constant time before the padding is looked at, and the last plaintext block is
// written only after both passed. Blocks before it are written as they are decrypted, so a
// caller that writes to a file must write to a temporary one and discard it on failure (the
// job code does), or first make a verify-only pass (`out` null).
//
// Not thread-safe; borrows its source.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/bigdl/byte_stream.h"
#include "kms/bigdl/format.h"

namespace kms::bigdl {

struct StreamInfo {
  Format format = Format::kEmpty;  // kG2 after auto-detection means "G2 or G1" until Run
  bool g1_or_g2 = false;           // auto-detected 0x80 stream: the MAC tells G1 from G2
  std::string edk;                 // G3 only; may be empty
  Bytes iv;
  std::optional<int64_t> time;   // G1, G2, Fernet: the header's Unix seconds
  uint64_t header_size = 0;      // bytes before the ciphertext (of the decoded token for F)
  std::optional<uint64_t> size;  // input bytes, when known
  bool filler_ok = true;         // G3: every filler byte is 0x80
};

// Which AES key a G2 stream uses: G2b (BigDL 2.1) took 32 key bytes, G2c (2.2) 16.
enum class G2Key { kAuto, kAes128, kAes256 };

struct DecryptOptions {
  bool verify_mac = true;  // false: --no-verify (the padding must still be valid)
  G2Key g2_key = G2Key::kAuto;
};

enum class MacStatus {
  kNone,      // the format has no MAC (native, empty)
  kVerified,  // the trailer matched
  kIgnored,   // the trailer did not match and verify_mac was false
};

struct DecryptResult {
  Format format = Format::kEmpty;  // G1 or G2 resolved when the MAC matched one of them
  MacStatus mac = MacStatus::kNone;
  G2Key g2_key = G2Key::kAuto;  // the variant used, for G2
  uint64_t plaintext_bytes = 0;
  std::vector<std::string> notes;  // for the summary: choices made, oddities seen
};

class StreamDecryptor {
 public:
  // Reads the header of `src` (auto-detecting when `choice` is kAuto). Fails (kLocal) with the
  // source's name and the reason when the header does not parse.
  static Result<std::unique_ptr<StreamDecryptor>> Open(ByteSource& src, FormatChoice choice);
  ~StreamDecryptor();

  const StreamInfo& info() const { return info_; }

  // Processes the rest of the stream with the data key `key_text`. With `out` null only checks
  // (MAC, length, padding). Call once.
  Result<DecryptResult> Run(const SecretBytes& key_text, const DecryptOptions& options,
                            ByteSink* out, const ProgressFn& progress = {});

 private:
  StreamDecryptor() = default;
  struct Keys;
  Result<void> ChooseKeys(const SecretBytes& key_text, const DecryptOptions& options, Keys& keys,
                          DecryptResult& result);
  // Tells G2b from G2c by the padding of the last block under each key (needs ReadAt).
  Result<G2Key> ProbeG2Key(const SecretBytes& key_text, DecryptResult& result);

  StreamInfo info_;
  ByteSource* src_ = nullptr;
  std::unique_ptr<ByteSource> prefixed_;  // the bytes Open read, then the rest of src_
  std::unique_ptr<ByteSource> decoded_;   // Fernet: the base64url-decoded token
  ByteSource* body_ = nullptr;            // positioned at the ciphertext
  Bytes header_;                          // the raw header (MAC prefix of G1 and Fernet)
};

// "aes128 (g2c)" / "aes256 (g2b)" / "auto".
std::string_view G2KeyName(G2Key k);

}  // namespace kms::bigdl
