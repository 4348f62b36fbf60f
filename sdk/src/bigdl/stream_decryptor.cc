#include "kms/bigdl/stream_decryptor.h"

#include <string.h>

#include <algorithm>
#include <cstring>

#include "base64url_stream.h"
#include "body_mac.h"
#include "cbc_cipher.h"
#include "kms/bigdl/data_key.h"
#include "kms/bigdl/fernet_header.h"
#include "kms/bigdl/g3_header.h"
#include "trailer_reader.h"

namespace kms::bigdl {
namespace {

using internal::BodyMac;
using internal::CbcDecryptor;
using internal::kAesBlock;
using internal::kMacSize;

// BigDL's writers used 32 key bytes (G2b) only between these dates (2022-06-07 and
// 2022-12-01, UTC); before and after, 16 (G1, G2a, G2c).
constexpr int64_t kG2bSince = 1654560000;
constexpr int64_t kG2cSince = 1669852800;

Error Fail(const ByteSource& src, const std::string& why) {
  return Error::Local(src.name() + ": " + why);
}

// Decrypts only the last ciphertext block (`prev` is the block before it, or the IV) and says
// whether its padding is valid under `key`.
bool LastBlockPadsUnder(ByteView key, ByteView prev, ByteView last) {
  auto dec = CbcDecryptor::New(key, prev);
  if (!dec.ok()) return false;
  Bytes ignored;
  if (!dec->Update(last, ignored).ok()) return false;
  return internal::PaddingLength(dec->last_block()) != 0;
}

}  // namespace

struct StreamDecryptor::Keys {
  CbcHmacKeys cbc;
  std::vector<ByteView> mac_prefixes;  // one per candidate layout
  std::vector<Format> mac_formats;     // the format each candidate stands for
  bool g2a_iv = false;                 // the IV of BigDL's G2a writer: MAC unverifiable
};

std::string_view G2KeyName(G2Key k) {
  switch (k) {
    case G2Key::kAes128:
      return "aes128 (g2c)";
    case G2Key::kAes256:
      return "aes256 (g2b)";
    case G2Key::kAuto:
      return "auto";
  }
  return "?";
}

StreamDecryptor::~StreamDecryptor() = default;

Result<std::unique_ptr<StreamDecryptor>> StreamDecryptor::Open(ByteSource& src,
                                                               FormatChoice choice) {
  std::unique_ptr<StreamDecryptor> d(new StreamDecryptor());
  d->src_ = &src;
  StreamInfo& info = d->info_;
  info.size = src.Size();
  Bytes prefix(kDetectPrefix);
  EHSM_ASSIGN_OR_RETURN(size_t got, ReadFull(src, prefix));
  prefix.resize(got);
  auto format = ResolveFormat(choice, prefix, info.size);
  if (!format.ok()) return Fail(src, format.error().message());
  info.format = *format;
  info.g1_or_g2 = choice == FormatChoice::kAuto && info.format == Format::kG2;
  d->prefixed_ = std::make_unique<PrefixedSource>(std::move(prefix), src);
  d->body_ = d->prefixed_.get();

  size_t header_size = 0;
  switch (info.format) {
    case Format::kEmpty:
    case Format::kParquet:
      return d;
    case Format::kG3:
      header_size = kG3HeaderSize;
      break;
    case Format::kG2:
    case Format::kG1:
      header_size = kFernetHeaderSize;
      break;
    case Format::kNative:
      header_size = kIvSize;
      break;
    case Format::kFernet:
      d->decoded_ = std::make_unique<internal::Base64UrlDecodeSource>(*d->prefixed_);
      d->body_ = d->decoded_.get();
      header_size = kFernetHeaderSize;
      break;
  }
  d->header_.resize(header_size);
  EHSM_ASSIGN_OR_RETURN(size_t n, ReadFull(*d->body_, d->header_));
  if (n < header_size) {
    return Fail(src, "too short (" + std::to_string(n) + " bytes) for a " +
                         std::string(FormatName(info.format)) + " header");
  }
  info.header_size = header_size;
  if (info.format == Format::kG3) {
    auto h = ParseG3Header(d->header_);
    if (!h.ok()) return Fail(src, h.error().message());
    info.edk = std::move(h->edk);
    info.iv = std::move(h->iv);
    info.filler_ok = h->filler_ok;
  } else if (info.format == Format::kNative) {
    info.iv = d->header_;
  } else {
    auto h = ParseFernetHeader(d->header_);
    if (!h.ok()) return Fail(src, h.error().message());
    info.time = h->time;
    info.iv = std::move(h->iv);
  }
  return d;
}

Result<void> StreamDecryptor::ChooseKeys(const SecretBytes& key_text, const DecryptOptions& options,
                                         Keys& keys, DecryptResult& result) {
  const ByteSource& src = *src_;
  auto derive = [&](Result<CbcHmacKeys> r) -> Result<void> {
    if (!r.ok()) return Fail(src, r.error().message());
    keys.cbc = std::move(*r);
    return {};
  };
  switch (info_.format) {
    case Format::kG3:
      EHSM_RETURN_IF_ERROR(derive(DeriveTextKeys(key_text)));
      keys.mac_prefixes = {ByteView()};
      keys.mac_formats = {Format::kG3};
      return {};
    case Format::kNative:
      return derive(DeriveNativeKeys(key_text));
    case Format::kFernet:
      EHSM_RETURN_IF_ERROR(derive(DeriveFernetKeys(key_text)));
      keys.mac_prefixes = {header_};
      keys.mac_formats = {Format::kFernet};
      return {};
    case Format::kG1:
      EHSM_RETURN_IF_ERROR(derive(DeriveTextKeys(key_text)));
      keys.mac_prefixes = {header_};
      keys.mac_formats = {Format::kG1};
      break;
    case Format::kG2: {
      G2Key variant = options.g2_key;
      if (variant == G2Key::kAuto) {
        EHSM_ASSIGN_OR_RETURN(variant, ProbeG2Key(key_text, result));
      }
      result.g2_key = variant;
      EHSM_RETURN_IF_ERROR(derive(DeriveTextKeys(key_text, variant == G2Key::kAes256)));
      keys.mac_prefixes = {ByteView()};
      keys.mac_formats = {Format::kG2};
      if (info_.g1_or_g2) {
        keys.mac_prefixes.push_back(header_);
        keys.mac_formats.push_back(Format::kG1);
      }
      break;
    }
    default:
      return Fail(src, "cannot be decrypted here");
  }
  keys.g2a_iv = info_.iv == G2aIv(keys.cbc.mac_key.view());
  return {};
}

Result<G2Key> StreamDecryptor::ProbeG2Key(const SecretBytes& key_text, DecryptResult& result) {
  const ByteSource& src = *src_;
  if (!info_.size) {
    return Error::InvalidArgument(src.name() +
                                  ": a G2 file read from a pipe needs --g2-key aes128|aes256");
  }
  uint64_t ct_size = *info_.size - kFernetHeaderSize - kMacSize;
  // The last two ciphertext blocks (or the IV and the only block).
  uint8_t tail[2 * kAesBlock];
  if (ct_size >= 2 * kAesBlock) {
    EHSM_RETURN_IF_ERROR(src_->ReadAt(kFernetHeaderSize + ct_size - 2 * kAesBlock, tail));
  } else {
    std::memcpy(tail, info_.iv.data(), kAesBlock);
    EHSM_RETURN_IF_ERROR(src_->ReadAt(kFernetHeaderSize, std::span<uint8_t>(tail + kAesBlock, 16)));
  }
  ByteView prev(tail, kAesBlock), last(tail + kAesBlock, kAesBlock);
  EHSM_ASSIGN_OR_RETURN(CbcHmacKeys k128, DeriveTextKeys(key_text, false));
  EHSM_ASSIGN_OR_RETURN(CbcHmacKeys k256, DeriveTextKeys(key_text, true));
  bool pads128 = LastBlockPadsUnder(k128.aes_key.view(), prev, last);
  bool pads256 = LastBlockPadsUnder(k256.aes_key.view(), prev, last);
  if (pads128 && pads256) {
    int64_t t = info_.time.value_or(kG2cSince);
    G2Key by_time = t >= kG2bSince && t < kG2cSince ? G2Key::kAes256 : G2Key::kAes128;
    result.notes.push_back("G2 key ambiguous (both paddings valid); chose " +
                           std::string(G2KeyName(by_time)) +
                           " from the header time; override with --g2-key");
    return by_time;
  }
  // Neither: the MAC check (same MAC key for both) reports the wrong key or the damage.
  return pads256 ? G2Key::kAes256 : G2Key::kAes128;
}

Result<DecryptResult> StreamDecryptor::Run(const SecretBytes& key_text,
                                           const DecryptOptions& options, ByteSink* out,
                                           const ProgressFn& progress) {
  const ByteSource& src = *src_;
  DecryptResult result;
  result.format = info_.format;
  if (info_.format == Format::kEmpty) return result;
  if (info_.format == Format::kParquet) {
    return Fail(src,
                "is Parquet (Parquet Modular Encryption); this tool does not decrypt "
                "Parquet: read it with Spark");
  }
  Keys keys;
  EHSM_RETURN_IF_ERROR(ChooseKeys(key_text, options, keys, result));
  const bool has_mac = !keys.mac_prefixes.empty();
  std::optional<BodyMac> mac;
  if (has_mac) {
    EHSM_ASSIGN_OR_RETURN(mac, BodyMac::New(keys.cbc.mac_key.view(), keys.mac_prefixes));
  }
  EHSM_ASSIGN_OR_RETURN(CbcDecryptor cbc, CbcDecryptor::New(keys.cbc.aes_key.view(), info_.iv));

  internal::TrailerReader reader(*body_, has_mac ? kMacSize : 0);
  Bytes plain;
  plain.reserve(kIoBufferSize + kAesBlock);
  // The last two ciphertext blocks, for the padding check of a verify-only pass.
  uint8_t tail[2 * kAesBlock] = {};
  std::memcpy(tail + kAesBlock, info_.iv.data(), kAesBlock);
  for (;;) {
    EHSM_ASSIGN_OR_RETURN(ByteView ct, reader.Next());
    if (ct.empty()) break;
    if (mac) EHSM_RETURN_IF_ERROR(mac->Update(ct));
    if (out != nullptr) {
      plain.clear();
      EHSM_RETURN_IF_ERROR(cbc.Update(ct, plain));
      EHSM_RETURN_IF_ERROR(out->Write(plain));
      result.plaintext_bytes += plain.size();
      explicit_bzero(plain.data(), plain.size());
    } else if (ct.size() >= sizeof(tail)) {
      std::memcpy(tail, ct.data() + ct.size() - sizeof(tail), sizeof(tail));
    } else {
      std::memmove(tail, tail + ct.size(), sizeof(tail) - ct.size());
      std::memcpy(tail + sizeof(tail) - ct.size(), ct.data(), ct.size());
    }
    if (progress) progress(ct.size());
  }
  uint64_t ct_bytes = reader.body_bytes();
  if (has_mac && reader.trailer().size() < kMacSize) {
    return Fail(src, "truncated: too short to hold a MAC");
  }
  if (ct_bytes == 0 || ct_bytes % kAesBlock != 0) {
    return Fail(src, "truncated or extended: the ciphertext (" + std::to_string(ct_bytes) +
                         " bytes) is not a whole number of AES blocks");
  }
  if (mac) {
    EHSM_ASSIGN_OR_RETURN(auto tags, mac->Final());
    auto match = internal::MatchTag(tags, reader.trailer());
    if (match) {
      result.mac = MacStatus::kVerified;
      result.format = keys.mac_formats[*match];
      if (result.format == Format::kG1 && result.g2_key == G2Key::kAes256) {
        // G1 always used AES-128; the padding probe was fooled by an ambiguous block.
        return Fail(src, "is G1, but its key size was guessed wrong: retry with --format g1");
      }
    } else if (options.verify_mac) {
      std::string why =
          "MAC mismatch: the file was modified or truncated, or this is not its "
          "data key";
      if (keys.g2a_iv) {
        why +=
            "; its IV is the fixed one of BigDL's 2022-06 G2 writer, whose MACs cannot be "
            "checked: decrypt it with --no-verify";
      }
      return Fail(src, why);
    } else {
      result.mac = MacStatus::kIgnored;
      result.notes.push_back("MAC does not match (ignored: --no-verify)");
    }
  }
  // Only now, with the MAC checked, is the padding looked at.
  if (out != nullptr) {
    plain.clear();
    auto fin = cbc.Final(plain);
    if (!fin.ok()) return Fail(src, fin.error().message());
    EHSM_RETURN_IF_ERROR(out->Write(plain));
    result.plaintext_bytes += plain.size();
    explicit_bzero(plain.data(), plain.size());
  } else {
    if (!LastBlockPadsUnder(keys.cbc.aes_key.view(), ByteView(tail, kAesBlock),
                            ByteView(tail + kAesBlock, kAesBlock))) {
      return Fail(src, "invalid padding (wrong key, or the file was modified)");
    }
    result.plaintext_bytes = 0;
  }
  return result;
}

}  // namespace kms::bigdl
