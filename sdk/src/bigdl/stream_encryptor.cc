#include "kms/bigdl/stream_encryptor.h"

#include <openssl/rand.h>

#include "base64url_stream.h"
#include "body_mac.h"
#include "cbc_cipher.h"
#include "kms/bigdl/data_key.h"
#include "kms/bigdl/fernet_header.h"
#include "kms/bigdl/g3_header.h"

namespace kms::bigdl {
namespace {

using internal::BodyMac;
using internal::CbcEncryptor;

// CBC over `in`, every ciphertext chunk MACed (when `mac`) and written to `out`; then the
// MAC when `mac`. `header` is written first and, when `mac_header`, MACed too.
Result<uint64_t> EncryptBody(ByteSource& in, ByteSink& out, const CbcHmacKeys& keys, ByteView iv,
                             ByteView header, bool mac_header, const ProgressFn& progress) {
  EHSM_ASSIGN_OR_RETURN(CbcEncryptor cbc, CbcEncryptor::New(keys.aes_key.view(), iv));
  std::optional<BodyMac> mac;
  if (!keys.mac_key.empty()) {
    EHSM_ASSIGN_OR_RETURN(mac,
                          BodyMac::New(keys.mac_key.view(), {mac_header ? header : ByteView()}));
  }
  EHSM_RETURN_IF_ERROR(out.Write(header));
  SecretBytes plain(kIoBufferSize);
  Bytes ct;
  ct.reserve(kIoBufferSize + 2 * internal::kAesBlock);
  uint64_t total = 0;
  for (;;) {
    EHSM_ASSIGN_OR_RETURN(size_t n, ReadFull(in, plain.span()));
    ct.clear();
    EHSM_RETURN_IF_ERROR(cbc.Update(ByteView(plain.data(), n), ct));
    if (n < plain.size()) EHSM_RETURN_IF_ERROR(cbc.Final(ct));
    if (mac) EHSM_RETURN_IF_ERROR(mac->Update(ct));
    EHSM_RETURN_IF_ERROR(out.Write(ct));
    total += n;
    if (progress && n > 0) progress(n);
    if (n < plain.size()) break;
  }
  if (mac) {
    EHSM_ASSIGN_OR_RETURN(auto tags, mac->Final());
    EHSM_RETURN_IF_ERROR(out.Write(tags[0]));
  }
  return total;
}

}  // namespace

Result<uint64_t> EncryptStream(ByteSource& in, ByteSink& out, const SecretBytes& key_text,
                               const EncryptSpec& spec, const ProgressFn& progress) {
  if (spec.iv.size() != kIvSize) return Error::InvalidArgument("the IV must have 16 bytes");
  switch (spec.format) {
    case Format::kG3: {
      EHSM_ASSIGN_OR_RETURN(CbcHmacKeys keys, DeriveTextKeys(key_text));
      EHSM_ASSIGN_OR_RETURN(Bytes header, EncodeG3Header(spec.edk, spec.iv));
      return EncryptBody(in, out, keys, spec.iv, header, false, progress);
    }
    case Format::kNative: {
      EHSM_ASSIGN_OR_RETURN(CbcHmacKeys keys, DeriveNativeKeys(key_text));
      return EncryptBody(in, out, keys, spec.iv, spec.iv, false, progress);
    }
    case Format::kFernet: {
      EHSM_ASSIGN_OR_RETURN(CbcHmacKeys keys, DeriveFernetKeys(key_text));
      internal::Base64UrlEncodeSink text(out);
      Bytes header = EncodeFernetHeader(spec.time, spec.iv);
      EHSM_ASSIGN_OR_RETURN(uint64_t n,
                            EncryptBody(in, text, keys, spec.iv, header, true, progress));
      EHSM_RETURN_IF_ERROR(text.Finish());
      return n;
    }
    default:
      return Error::InvalidArgument("cannot write format " + std::string(FormatName(spec.format)) +
                                    "; write g3, native or fernet");
  }
}

Result<Bytes> RandomIv() {
  Bytes iv(kIvSize);
  if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1) {
    return Error::Local("the random generator failed");
  }
  return iv;
}

uint64_t G3StreamSize(uint64_t plain) { return kG3HeaderSize + 16 * (plain / 16 + 1) + 32; }

}  // namespace kms::bigdl
