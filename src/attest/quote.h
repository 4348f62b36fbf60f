#pragma once
// Bounds-checked parser of Intel DCAP ECDSA quotes: SGX v3, SGX/TDX v4, SGX/TDX v5 (TD 1.0 and
// TD 1.5 bodies). Layouts: docs/attestation.md and Intel's sgx_quote_3.h / sgx_quote_4.h.
//
// The parser only checks structure; it verifies nothing. Every length read from the quote is
// checked against the bytes that remain before it is used, and nothing is allocated from it:
// the result borrows from the input.

#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::attest {

inline constexpr uint32_t kTeeTypeSgx = 0x00000000;
inline constexpr uint32_t kTeeTypeTdx = 0x00000081;

// Body types, as in the v5 header (v3/v4 imply them from the TEE type).
enum class BodyType : uint16_t { kSgx = 1, kTd10 = 2, kTd15 = 3 };

inline constexpr size_t kHeaderSize = 48;
inline constexpr size_t kSgxReportSize = 384;  // ISV enclave report and QE report
inline constexpr size_t kTd10ReportSize = 584;
inline constexpr size_t kTd15ReportSize = 648;
inline constexpr size_t kEcdsaSignatureSize = 64;  // raw r || s
inline constexpr size_t kEcdsaKeySize = 64;        // raw x || y

// Certification data types (Intel's sgx_ql_cert_key_type_t).
inline constexpr uint16_t kCertDataPckChain = 5;
inline constexpr uint16_t kCertDataQeReport = 6;

// Views into the quote the parser was given; valid while that buffer lives.
struct ParsedQuote {
  uint16_t version = 0;
  uint32_t tee_type = 0;
  BodyType body_type = BodyType::kSgx;
  ByteView header;               // 48 bytes
  ByteView body;                 // the report body (384, 584 or 648 bytes)
  ByteView signed_bytes;         // what the attestation key signed: [0, end of body)
  ByteView signature;            // 64 bytes
  ByteView attestation_key;      // 64 bytes
  ByteView qe_report;            // 384 bytes
  ByteView qe_report_signature;  // 64 bytes
  ByteView qe_auth_data;
  uint16_t cert_data_type = 0;  // the innermost certification data (after unwrapping type 6)
  ByteView cert_data;

  bool is_tdx() const { return tee_type == kTeeTypeTdx; }
};

// kInvalidArgument for anything that is not a well-formed quote of a supported kind: short or
// overlong input, lengths that overrun, version not 3/4/5, attestation key type not ECDSA
// P-256, unknown TEE or body type, a QE vendor other than Intel's, v4/v5 certification data not
// of type 6, or non-zero bytes after the signature data (zero padding is tolerated because real
// TDX quotes carry it).
StatusOr<ParsedQuote> ParseQuote(ByteView quote);

// Offsets inside an SGX report body (ISV enclave report or QE report).
namespace sgx_report {
inline constexpr size_t kMiscSelect = 16;   // u32 LE
inline constexpr size_t kAttributes = 48;   // 16 bytes: flags u64 LE, xfrm u64 LE
inline constexpr size_t kMrEnclave = 64;    // 32
inline constexpr size_t kMrSigner = 128;    // 32
inline constexpr size_t kIsvProdId = 256;   // u16 LE
inline constexpr size_t kIsvSvn = 258;      // u16 LE
inline constexpr size_t kReportData = 320;  // 64
inline constexpr uint64_t kFlagDebug = 0x2;
}  // namespace sgx_report

// Offsets inside a TD report body (TD 1.0; TD 1.5 appends fields).
namespace td_report {
inline constexpr size_t kTeeTcbSvn = 0;         // 16
inline constexpr size_t kMrSignerSeam = 64;     // 48
inline constexpr size_t kSeamAttributes = 112;  // 8
inline constexpr size_t kTdAttributes = 120;    // 8, bit 0 = DEBUG
inline constexpr size_t kMrTd = 136;            // 48
inline constexpr size_t kRtmr0 = 328;           // 4 x 48
inline constexpr size_t kReportData = 520;      // 64
}  // namespace td_report

// Little-endian reads at fixed offsets of a span the caller knows is long enough.
uint16_t LoadU16(ByteView b, size_t off);
uint32_t LoadU32(ByteView b, size_t off);
uint64_t LoadU64(ByteView b, size_t off);

}  // namespace kms::attest
