#include "crypto/digest.h"

#include <openssl/evp.h>

#include <string>

namespace kms::crypto {
namespace {

const char* Name(DigestAlg alg) {
  switch (alg) {
    case DigestAlg::kSha224: return "SHA2-224";
    case DigestAlg::kSha256: return "SHA2-256";
    case DigestAlg::kSha384: return "SHA2-384";
    case DigestAlg::kSha512: return "SHA2-512";
    case DigestAlg::kSm3: return "SM3";
  }
  return "";
}

}  // namespace

size_t DigestSize(DigestAlg alg) {
  switch (alg) {
    case DigestAlg::kSha224: return 28;
    case DigestAlg::kSha256: return 32;
    case DigestAlg::kSha384: return 48;
    case DigestAlg::kSha512: return 64;
    case DigestAlg::kSm3: return 32;
  }
  return 0;
}

const EVP_MD* DigestMd(DigestAlg alg) {
  // Fetched once; an implicit fetch per call costs more than hashing a short message.
  static EVP_MD* const mds[] = {
      EVP_MD_fetch(nullptr, Name(DigestAlg::kSha224), nullptr),
      EVP_MD_fetch(nullptr, Name(DigestAlg::kSha256), nullptr),
      EVP_MD_fetch(nullptr, Name(DigestAlg::kSha384), nullptr),
      EVP_MD_fetch(nullptr, Name(DigestAlg::kSha512), nullptr),
      EVP_MD_fetch(nullptr, Name(DigestAlg::kSm3), nullptr),
  };
  size_t i = static_cast<size_t>(alg);
  return i < std::size(mds) ? mds[i] : nullptr;
}

StatusOr<Bytes> Digest(DigestAlg alg, ByteView data) {
  const EVP_MD* md = DigestMd(alg);
  if (md == nullptr) return Status::Internal(std::string("digest unavailable: ") + Name(alg));
  Bytes out(DigestSize(alg));
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    return Status::Internal(std::string("digest failed: ") + Name(alg));
  }
  return out;
}

StatusOr<Bytes> SigningDigest(DigestAlg alg, MessageType type, ByteView input) {
  if (type == MessageType::kRaw) return Digest(alg, input);
  if (input.size() != DigestSize(alg)) {
    return Status::InvalidArgument("digest must be " + std::to_string(DigestSize(alg)) +
                                   " bytes, got " + std::to_string(input.size()));
  }
  return Bytes(input.begin(), input.end());
}

}  // namespace kms::crypto
