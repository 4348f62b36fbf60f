#include "kms/bigdl/local_primary_key.h"

#include <openssl/evp.h>
#include <string.h>

#include "kms/bigdl/data_key.h"
#include "kms/encoding.h"
#include "ossl.h"

namespace kms::bigdl {
namespace {

const EVP_CIPHER* EcbCipher(size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_ecb();
    case 24:
      return EVP_aes_192_ecb();
    default:
      return EVP_aes_256_ecb();
  }
}

// One-shot AES-ECB with PKCS#7 padding; false on failure (for decryption: bad padding).
bool Ecb(bool encrypt, const SecretBytes& key, ByteView in, SecretBytes& out) {
  client::internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  out = SecretBytes(in.size() + 16);
  int n1 = 0, n2 = 0;
  bool ok =
      ctx != nullptr &&
      EVP_CipherInit_ex(ctx.get(), EcbCipher(key.size()), nullptr, key.data(), nullptr,
                        encrypt ? 1 : 0) == 1 &&
      EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), static_cast<int>(in.size())) == 1 &&
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) == 1;
  out.Truncate(ok ? static_cast<size_t>(n1 + n2) : 0);
  return ok;
}

}  // namespace

Result<LocalPrimaryKey> LocalPrimaryKey::Parse(std::string_view base64_key) {
  while (!base64_key.empty() && (base64_key.back() == '\n' || base64_key.back() == '\r')) {
    base64_key.remove_suffix(1);
  }
  auto key = DecodeEitherBase64(base64_key);
  if (!key || (key->size() != 16 && key->size() != 24 && key->size() != 32)) {
    return Error::InvalidArgument(
        "--primary-key-plaintext must be base64 of a 16, 24 or 32-byte AES key");
  }
  return LocalPrimaryKey(std::move(*key), SecretBytes(AsBytes(base64_key)));
}

Result<std::string> LocalPrimaryKey::Wrap(const SecretBytes& data_key_text) const {
  SecretBytes ct;
  if (!Ecb(true, key_, data_key_text.view(), ct)) return Error::Local("AES-ECB wrap failed");
  return client::Base64Encode(ct.view());
}

Result<SecretBytes> LocalPrimaryKey::Unwrap(std::string_view edk) const {
  auto ct = client::Base64Decode(edk);
  if (!ct || ct->empty() || ct->size() % 16 != 0) {
    return Error::Local(
        "the EDK is not base64 of whole AES blocks, so it was not wrapped by a "
        "local primary key");
  }
  SecretBytes text;
  if (!Ecb(false, key_, *ct, text)) {
    return Error::Local("the EDK does not unwrap under this primary key (wrong key?)");
  }
  return text;
}

}  // namespace kms::bigdl
