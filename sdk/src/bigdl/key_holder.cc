#include "kms/bigdl/key_holder.h"

#include <openssl/rand.h>

#include "kms/bigdl/data_key.h"
#include "kms/client.h"
#include "kms/encoding.h"

namespace kms::bigdl {
namespace {

class KmsKeyHolder final : public KeyHolder {
 public:
  KmsKeyHolder(client::Client& c, std::string keyid) : client_(c), keyid_(std::move(keyid)) {}

  Result<NewDataKey> Generate() override {
    EHSM_ASSIGN_OR_RETURN(client::DataKey dk,
                          client_.GenerateDataKey(keyid_, kDataKeyBytes, BigdlAad()));
    if (dk.plaintext.size() != static_cast<size_t>(kDataKeyBytes)) {
      return Error::Protocol("the KMS returned a data key of " +
                             std::to_string(dk.plaintext.size()) + " bytes, expected 32");
    }
    NewDataKey k;
    std::string text = client::Base64Encode(dk.plaintext.view());
    k.text = SecretBytes(AsBytes(text));
    explicit_bzero(text.data(), text.size());
    k.edk = client::Base64Encode(dk.ciphertext);
    return k;
  }

  Result<SecretBytes> Unwrap(std::string_view edk) override {
    auto ct = client::Base64Decode(edk);
    if (!ct || ct->empty()) {
      return Error::Local("the EDK is not base64, so no KMS wrapped it");
    }
    EHSM_ASSIGN_OR_RETURN(SecretBytes raw, client_.Decrypt(keyid_, *ct, BigdlAad()));
    // BigDL keeps the KMS's base64 text; the client decoded it strictly, so this re-encoding
    // gives back exactly that text.
    std::string text = client::Base64Encode(raw.view());
    SecretBytes out(AsBytes(text));
    explicit_bzero(text.data(), text.size());
    return out;
  }

  std::string Describe() const override { return "KMS key " + keyid_; }

 private:
  client::Client& client_;
  std::string keyid_;
};

class LocalKeyHolder final : public KeyHolder {
 public:
  explicit LocalKeyHolder(LocalPrimaryKey key) : key_(std::move(key)) {}

  Result<NewDataKey> Generate() override {
    // BigDL makes 16 random bytes here; 32 keep all 32 used characters random (96 bits each
    // for the AES and MAC keys instead of 32) and BigDL reads them the same way.
    SecretBytes raw(kDataKeyBytes);
    if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
      return Error::Local("the random generator failed");
    }
    std::string text = client::Base64Encode(raw.view());
    NewDataKey k;
    k.text = SecretBytes(AsBytes(text));
    explicit_bzero(text.data(), text.size());
    EHSM_ASSIGN_OR_RETURN(k.edk, key_.Wrap(k.text));
    return k;
  }

  Result<SecretBytes> Unwrap(std::string_view edk) override { return key_.Unwrap(edk); }

  std::string Describe() const override { return "local primary key"; }

 private:
  LocalPrimaryKey key_;
};

}  // namespace

ByteView BigdlAad() {
  static const uint8_t kAad[] = {0xb5, 0xeb, 0x2d};
  return ByteView(kAad, sizeof(kAad));
}

std::unique_ptr<KeyHolder> NewKmsKeyHolder(client::Client& client, std::string keyid) {
  return std::make_unique<KmsKeyHolder>(client, std::move(keyid));
}

std::unique_ptr<KeyHolder> NewLocalKeyHolder(LocalPrimaryKey key) {
  return std::make_unique<LocalKeyHolder>(std::move(key));
}

}  // namespace kms::bigdl
