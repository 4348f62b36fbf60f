#include "kms/file_envelope.h"

#include <string.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <istream>
#include <ostream>

#include "atomic_file.h"
#include "chunk_cipher.h"
#include "kms/client.h"

namespace kms::client {
namespace {

using internal::ChunkCipher;
using internal::kGcmNonceSize;
using internal::kGcmTagSize;

// Layout constants of format version 1; see docs/file-format.md.
constexpr char kMagic[8] = {'E', 'H', 'S', 'M', 'F', 'I', 'L', 'E'};
constexpr uint8_t kVersion = 1;
constexpr uint8_t kCipherAes256Gcm = 1;
constexpr size_t kFixedHeaderSize = 8 + 1 + 1 + 2 + 4 + 8;  // up to the keyid length
constexpr size_t kNoncePrefixSize = 8;
constexpr size_t kMaxKeyidSize = 255;
constexpr size_t kMaxWrappedKeySize = 4096;
constexpr int kDataKeySize = 32;
// Bound into the KMS wrap of the data key, so a key wrapped for another purpose with the same
// CMK cannot be substituted.
constexpr std::string_view kWrapAad = "ehsm-file-v1";

void PutBe(Bytes& out, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t GetBe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

struct ParsedHeader {
  EnvelopeHeader header;
  Bytes nonce_prefix;
  Bytes raw;  // the header bytes as stored, for the header hash
};

Bytes EncodeHeader(uint32_t chunk_size, ByteView nonce_prefix, std::string_view keyid,
                   ByteView wrapped) {
  Bytes h(kMagic, kMagic + sizeof(kMagic));
  h.push_back(kVersion);
  h.push_back(kCipherAes256Gcm);
  PutBe(h, 0, 2);
  PutBe(h, chunk_size, 4);
  h.insert(h.end(), nonce_prefix.begin(), nonce_prefix.end());
  PutBe(h, keyid.size(), 2);
  h.insert(h.end(), keyid.begin(), keyid.end());
  PutBe(h, wrapped.size(), 2);
  h.insert(h.end(), wrapped.begin(), wrapped.end());
  return h;
}

bool ReadExact(std::istream& in, uint8_t* p, size_t n) {
  in.read(reinterpret_cast<char*>(p), static_cast<std::streamsize>(n));
  return static_cast<size_t>(in.gcount()) == n;
}

// Reads up to n bytes (fewer only at end of input).
Result<size_t> ReadUpTo(std::istream& in, uint8_t* p, size_t n) {
  in.read(reinterpret_cast<char*>(p), static_cast<std::streamsize>(n));
  if (in.bad()) return Error::Local("read error");
  return static_cast<size_t>(in.gcount());
}

Result<ParsedHeader> ParseHeader(std::istream& in) {
  ParsedHeader out;
  out.raw.resize(kFixedHeaderSize + 2);
  if (!ReadExact(in, out.raw.data(), out.raw.size())) {
    return Error::Local("not an encrypted file: too short for a header");
  }
  const uint8_t* p = out.raw.data();
  if (memcmp(p, kMagic, sizeof(kMagic)) != 0) {
    return Error::Local("not an encrypted file: bad magic");
  }
  out.header.version = p[8];
  if (out.header.version != kVersion) {
    return Error::Local("unsupported file format version " + std::to_string(p[8]));
  }
  if (p[9] != kCipherAes256Gcm) return Error::Local("unsupported cipher " + std::to_string(p[9]));
  if (GetBe(p + 10, 2) != 0) return Error::Local("reserved header bits set");
  out.header.chunk_size = static_cast<uint32_t>(GetBe(p + 12, 4));
  if (out.header.chunk_size == 0 || out.header.chunk_size > kMaxChunkSize) {
    return Error::Local("invalid chunk size " + std::to_string(out.header.chunk_size));
  }
  out.nonce_prefix.assign(p + 16, p + 16 + kNoncePrefixSize);
  size_t keyid_len = GetBe(p + kFixedHeaderSize, 2);
  if (keyid_len == 0 || keyid_len > kMaxKeyidSize) return Error::Local("invalid keyid length");
  size_t off = out.raw.size();
  out.raw.resize(off + keyid_len + 2);
  if (!ReadExact(in, out.raw.data() + off, keyid_len + 2)) {
    return Error::Local("truncated header");
  }
  out.header.keyid.assign(reinterpret_cast<const char*>(out.raw.data() + off), keyid_len);
  size_t wrapped_len = GetBe(out.raw.data() + off + keyid_len, 2);
  if (wrapped_len == 0 || wrapped_len > kMaxWrappedKeySize) {
    return Error::Local("invalid wrapped key length");
  }
  off = out.raw.size();
  out.raw.resize(off + wrapped_len);
  if (!ReadExact(in, out.raw.data() + off, wrapped_len)) return Error::Local("truncated header");
  out.header.wrapped_key.assign(out.raw.begin() + static_cast<std::ptrdiff_t>(off),
                                out.raw.end());
  return out;
}

Bytes ChunkNonce(ByteView prefix, uint32_t index) {
  Bytes n(prefix.begin(), prefix.end());
  PutBe(n, index, 4);
  return n;
}

Bytes ChunkAad(ByteView header_hash, uint64_t index, bool final) {
  Bytes a(header_hash.begin(), header_hash.end());
  PutBe(a, index, 8);
  a.push_back(final ? 1 : 0);
  return a;
}

// The nonce holds a 32-bit chunk counter.
constexpr uint64_t kMaxChunks = uint64_t{1} << 32;

}  // namespace

Result<DataKey> KmsDataKeySource::Generate(std::string_view keyid, int keylen, ByteView aad) {
  return client_.GenerateDataKey(keyid, keylen, aad);
}

Result<SecretBytes> KmsDataKeySource::Unwrap(std::string_view keyid, ByteView wrapped,
                                             ByteView aad) {
  return client_.Decrypt(keyid, wrapped, aad);
}

Result<void> EncryptStream(DataKeySource& keys, std::string_view keyid, std::istream& in,
                           std::ostream& out, const EnvelopeOptions& options) {
  const uint32_t chunk_size = options.chunk_size;
  if (chunk_size == 0 || chunk_size > kMaxChunkSize) {
    return Error::InvalidArgument("chunk size must be 1.." + std::to_string(kMaxChunkSize));
  }
  if (keyid.empty() || keyid.size() > kMaxKeyidSize) return Error::InvalidArgument("bad keyid");
  EHSM_ASSIGN_OR_RETURN(DataKey dk, keys.Generate(keyid, kDataKeySize, AsBytes(kWrapAad)));
  if (dk.plaintext.size() != static_cast<size_t>(kDataKeySize)) {
    return Error::Protocol("the KMS returned a data key of " +
                           std::to_string(dk.plaintext.size()) + " bytes, expected 32");
  }
  if (dk.ciphertext.empty() || dk.ciphertext.size() > kMaxWrappedKeySize) {
    return Error::Protocol("the wrapped data key has an unusable size");
  }
  EHSM_ASSIGN_OR_RETURN(ChunkCipher cipher, ChunkCipher::New(dk.plaintext));
  dk.plaintext = SecretBytes();  // the cipher context holds the key schedule from here on

  Bytes prefix(kNoncePrefixSize);
  EHSM_RETURN_IF_ERROR(internal::RandomBytes(prefix));
  Bytes header = EncodeHeader(chunk_size, prefix, keyid, dk.ciphertext);
  Bytes header_hash = internal::Sha256(header);
  out.write(reinterpret_cast<const char*>(header.data()),
            static_cast<std::streamsize>(header.size()));

  // Look-ahead of one chunk: a chunk is final when nothing follows it.
  SecretBytes cur(chunk_size), next(chunk_size);
  EHSM_ASSIGN_OR_RETURN(size_t cur_len, ReadUpTo(in, cur.data(), chunk_size));
  Bytes record;
  record.reserve(chunk_size + kGcmTagSize);
  uint64_t done = 0;
  for (uint64_t index = 0;; ++index) {
    if (index >= kMaxChunks) return Error::InvalidArgument("input too large for this chunk size");
    size_t next_len = 0;
    if (cur_len == chunk_size) {
      EHSM_ASSIGN_OR_RETURN(next_len, ReadUpTo(in, next.data(), chunk_size));
    }
    const bool final = next_len == 0;
    record.clear();
    EHSM_RETURN_IF_ERROR(cipher.Seal(ChunkNonce(prefix, static_cast<uint32_t>(index)),
                                     ChunkAad(header_hash, index, final),
                                     ByteView(cur.data(), cur_len), record));
    out.write(reinterpret_cast<const char*>(record.data()),
              static_cast<std::streamsize>(record.size()));
    if (!out) return Error::Local("write error");
    done += cur_len;
    if (options.progress) options.progress(done, options.total_size);
    if (final) break;
    std::swap(cur, next);
    cur_len = next_len;
  }
  out.flush();
  if (!out) return Error::Local("write error");
  return {};
}

Result<EnvelopeHeader> ReadEnvelopeHeader(std::istream& in) {
  EHSM_ASSIGN_OR_RETURN(ParsedHeader h, ParseHeader(in));
  return std::move(h.header);
}

Result<void> DecryptStream(DataKeySource& keys, std::istream& in, std::ostream& out,
                           const EnvelopeOptions& options) {
  EHSM_ASSIGN_OR_RETURN(ParsedHeader h, ParseHeader(in));
  Bytes header_hash = internal::Sha256(h.raw);
  EHSM_ASSIGN_OR_RETURN(SecretBytes key,
                        keys.Unwrap(h.header.keyid, h.header.wrapped_key, AsBytes(kWrapAad)));
  if (key.size() != static_cast<size_t>(kDataKeySize)) {
    return Error::Local("the unwrapped data key has " + std::to_string(key.size()) +
                        " bytes, expected 32");
  }
  EHSM_ASSIGN_OR_RETURN(ChunkCipher cipher, ChunkCipher::New(key));
  key = SecretBytes();

  const size_t record_size = size_t{h.header.chunk_size} + kGcmTagSize;
  Bytes cur(record_size), next(record_size);
  EHSM_ASSIGN_OR_RETURN(size_t cur_len, ReadUpTo(in, cur.data(), record_size));
  Bytes plain;
  plain.reserve(h.header.chunk_size);
  uint64_t done = 0;
  for (uint64_t index = 0;; ++index) {
    if (index >= kMaxChunks) return Error::Local("too many chunks");
    if (cur_len < kGcmTagSize) {
      return Error::Local("file is truncated (chunk " + std::to_string(index) + ")");
    }
    size_t next_len = 0;
    if (cur_len == record_size) {
      EHSM_ASSIGN_OR_RETURN(next_len, ReadUpTo(in, next.data(), record_size));
    }
    const bool final = next_len == 0;
    plain.clear();
    auto opened = cipher.Open(ChunkNonce(h.nonce_prefix, static_cast<uint32_t>(index)),
                              ChunkAad(header_hash, index, final), ByteView(cur.data(), cur_len),
                              plain);
    if (!opened.ok()) {
      return Error::Local("chunk " + std::to_string(index) +
                          " failed authentication: the file was modified, truncated, "
                          "reordered or extended");
    }
    out.write(reinterpret_cast<const char*>(plain.data()),
              static_cast<std::streamsize>(plain.size()));
    explicit_bzero(plain.data(), plain.size());
    if (!out) return Error::Local("write error");
    done += cur_len;
    if (options.progress) options.progress(done, options.total_size);
    if (final) break;
    std::swap(cur, next);
    cur_len = next_len;
  }
  out.flush();
  if (!out) return Error::Local("write error");
  return {};
}

namespace {

struct Input {
  std::ifstream file;
  std::istream* stream = nullptr;
  uint64_t size = 0;
};

Result<void> OpenInput(const std::string& path, Input& input) {
  if (path == "-") {
    input.stream = &std::cin;
    return {};
  }
  input.file.open(path, std::ios::binary);
  if (!input.file) return Error::Local("cannot open " + path + ": " + std::strerror(errno));
  input.file.seekg(0, std::ios::end);
  auto end = input.file.tellg();
  input.file.seekg(0, std::ios::beg);
  input.size = end > 0 ? static_cast<uint64_t>(end) : 0;
  input.stream = &input.file;
  return {};
}

}  // namespace

Result<void> EncryptFile(DataKeySource& keys, std::string_view keyid, const std::string& in_path,
                         const std::string& out_path, const EnvelopeOptions& options) {
  Input input;
  EHSM_RETURN_IF_ERROR(OpenInput(in_path, input));
  EHSM_ASSIGN_OR_RETURN(auto out, internal::AtomicFile::Create(out_path));
  EnvelopeOptions opts = options;
  if (opts.total_size == 0) opts.total_size = input.size;
  EHSM_RETURN_IF_ERROR(EncryptStream(keys, keyid, *input.stream, out->stream(), opts));
  return out->Commit();
}

Result<void> DecryptFile(DataKeySource& keys, const std::string& in_path,
                         const std::string& out_path, const EnvelopeOptions& options) {
  Input input;
  EHSM_RETURN_IF_ERROR(OpenInput(in_path, input));
  EHSM_ASSIGN_OR_RETURN(auto out, internal::AtomicFile::Create(out_path));
  EnvelopeOptions opts = options;
  if (opts.total_size == 0) opts.total_size = input.size;
  EHSM_RETURN_IF_ERROR(DecryptStream(keys, *input.stream, out->stream(), opts));
  return out->Commit();
}

}  // namespace kms::client
