#include "attest/quote.h"

#include <algorithm>
#include <array>
#include <string>

namespace kms::attest {
namespace {

constexpr std::array<uint8_t, 16> kIntelQeVendorId = {
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
constexpr uint16_t kAttKeyEcdsaP256 = 2;

// Sequential reads over a span; every read checks what remains first.
class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}

  bool Take(size_t n, ByteView* out) {
    if (n > data_.size() - pos_) return false;
    *out = data_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool U16(uint16_t* v) {
    ByteView b;
    if (!Take(2, &b)) return false;
    *v = LoadU16(b, 0);
    return true;
  }
  bool U32(uint32_t* v) {
    ByteView b;
    if (!Take(4, &b)) return false;
    *v = LoadU32(b, 0);
    return true;
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  ByteView data_;
  size_t pos_ = 0;
};

Status Truncated(const char* what) {
  return Status::InvalidArgument(std::string("quote truncated or overrun: ") + what);
}

Status ParseHeader(ByteView quote, ParsedQuote* q) {
  if (quote.size() < kHeaderSize) return Truncated("header");
  q->header = quote.first(kHeaderSize);
  q->version = LoadU16(quote, 0);
  uint16_t key_type = LoadU16(quote, 2);
  q->tee_type = LoadU32(quote, 4);
  if (q->version < 3 || q->version > 5) {
    return Status::InvalidArgument("unsupported quote version " + std::to_string(q->version));
  }
  if (key_type != kAttKeyEcdsaP256) {
    return Status::InvalidArgument("unsupported attestation key type " + std::to_string(key_type));
  }
  if (q->tee_type != kTeeTypeSgx && q->tee_type != kTeeTypeTdx) {
    return Status::InvalidArgument("unknown TEE type " + std::to_string(q->tee_type));
  }
  if (q->version == 3 && q->tee_type != kTeeTypeSgx) {
    return Status::InvalidArgument("quote v3 is SGX only");
  }
  if (!std::equal(kIntelQeVendorId.begin(), kIntelQeVendorId.end(), quote.begin() + 12)) {
    return Status::InvalidArgument("QE vendor is not Intel");
  }
  return Status::Ok();
}

size_t BodySize(BodyType t) {
  switch (t) {
    case BodyType::kSgx:
      return kSgxReportSize;
    case BodyType::kTd10:
      return kTd10ReportSize;
    case BodyType::kTd15:
      return kTd15ReportSize;
  }
  return 0;
}

Status ParseBody(Reader& r, ParsedQuote* q) {
  if (q->version == 5) {
    uint16_t type = 0;
    uint32_t size = 0;
    if (!r.U16(&type) || !r.U32(&size)) return Truncated("body descriptor");
    if (type < 1 || type > 3) {
      return Status::InvalidArgument("unknown body type " + std::to_string(type));
    }
    q->body_type = static_cast<BodyType>(type);
    if ((q->body_type == BodyType::kSgx) != (q->tee_type == kTeeTypeSgx)) {
      return Status::InvalidArgument("body type does not match the TEE type");
    }
    if (size != BodySize(q->body_type)) {
      return Status::InvalidArgument("body size " + std::to_string(size) +
                                     " does not match body type " + std::to_string(type));
    }
  } else {
    q->body_type = q->tee_type == kTeeTypeSgx ? BodyType::kSgx : BodyType::kTd10;
  }
  if (!r.Take(BodySize(q->body_type), &q->body)) return Truncated("report body");
  return Status::Ok();
}

// QE report, its signature, QE authentication data and the certification data after it.
Status ParseQeSection(Reader& r, ParsedQuote* q) {
  uint16_t auth_size = 0;
  if (!r.Take(kSgxReportSize, &q->qe_report) ||
      !r.Take(kEcdsaSignatureSize, &q->qe_report_signature) || !r.U16(&auth_size) ||
      !r.Take(auth_size, &q->qe_auth_data)) {
    return Truncated("QE report section");
  }
  uint32_t cert_size = 0;
  if (!r.U16(&q->cert_data_type) || !r.U32(&cert_size) || !r.Take(cert_size, &q->cert_data)) {
    return Truncated("certification data");
  }
  return Status::Ok();
}

Status ParseSignatureData(ByteView sig_data, ParsedQuote* q) {
  Reader r(sig_data);
  if (!r.Take(kEcdsaSignatureSize, &q->signature) || !r.Take(kEcdsaKeySize, &q->attestation_key)) {
    return Truncated("signature data");
  }
  if (q->version == 3) {
    KMS_RETURN_IF_ERROR(ParseQeSection(r, q));
  } else {
    // v4/v5 wrap the QE section in certification data of type 6.
    uint16_t type = 0;
    uint32_t size = 0;
    ByteView inner;
    if (!r.U16(&type) || !r.U32(&size) || !r.Take(size, &inner)) {
      return Truncated("QE report certification data");
    }
    if (type != kCertDataQeReport) {
      return Status::InvalidArgument("certification data type " + std::to_string(type) +
                                     " where 6 (QE report) is required");
    }
    Reader ir(inner);
    KMS_RETURN_IF_ERROR(ParseQeSection(ir, q));
    if (ir.remaining() != 0) return Status::InvalidArgument("bytes after the QE report data");
  }
  if (r.remaining() != 0) return Status::InvalidArgument("bytes after the certification data");
  return Status::Ok();
}

}  // namespace

uint16_t LoadU16(ByteView b, size_t off) {
  return static_cast<uint16_t>(b[off] | (b[off + 1] << 8));
}
uint32_t LoadU32(ByteView b, size_t off) {
  return static_cast<uint32_t>(LoadU16(b, off)) |
         (static_cast<uint32_t>(LoadU16(b, off + 2)) << 16);
}
uint64_t LoadU64(ByteView b, size_t off) {
  return static_cast<uint64_t>(LoadU32(b, off)) |
         (static_cast<uint64_t>(LoadU32(b, off + 4)) << 32);
}

StatusOr<ParsedQuote> ParseQuote(ByteView quote) {
  ParsedQuote q;
  KMS_RETURN_IF_ERROR(ParseHeader(quote, &q));
  Reader r(quote);
  ByteView skip;
  (void)r.Take(kHeaderSize, &skip);
  KMS_RETURN_IF_ERROR(ParseBody(r, &q));
  q.signed_bytes = quote.first(r.pos());
  uint32_t sig_len = 0;
  ByteView sig_data;
  if (!r.U32(&sig_len) || !r.Take(sig_len, &sig_data)) return Truncated("signature data length");
  KMS_RETURN_IF_ERROR(ParseSignatureData(sig_data, &q));
  // The length field is authoritative; producers with fixed-size buffers pad with zeros.
  ByteView rest = quote.subspan(r.pos());
  if (std::any_of(rest.begin(), rest.end(), [](uint8_t b) { return b != 0; })) {
    return Status::InvalidArgument("non-zero bytes after the quote's signature data");
  }
  return q;
}

}  // namespace kms::attest
