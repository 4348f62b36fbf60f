#include "tee/gramine/gramine_platform.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "attest/quote.h"
#include "common/file_util.h"
#include "common/log.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "tee/sealed_blob.h"

namespace kms::tee {
namespace {

constexpr size_t kTargetInfoSize = 512;
constexpr size_t kReportSize = 432;  // sgx_report_t: body 384, key id 32, MAC 16
constexpr size_t kReportDataSize = 64;
constexpr size_t kSealingKeySize = 16;
constexpr size_t kMaxQuoteSize = 64 << 10;  // DCAP quotes with their PCK chain are ~5 KB

Status IoError(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

// The whole pseudo-file, at most `max` bytes (more is kDataLoss). These files are the
// enclave's own runtime, small (a quote is ~5 KB) and of no meaningful size for stat.
StatusOr<Bytes> ReadPseudo(const std::string& path, size_t max) {
  auto b = ReadFileBytes(path);
  if (!b.ok()) return b.status();
  if (b->size() > max) {
    return Status::DataLoss(path + " is larger than " + std::to_string(max) + " bytes");
  }
  return b;
}

StatusOr<Bytes> ReadExact(const std::string& path, size_t size) {
  KMS_ASSIGN_OR_RETURN(Bytes b, ReadPseudo(path, size));
  if (b.size() != size) {
    return Status::DataLoss(path + " has " + std::to_string(b.size()) + " bytes, expected " +
                            std::to_string(size));
  }
  return b;
}

// One write of the whole buffer, as Gramine's pseudo-files expect (no O_CREAT: they exist).
Status WritePseudo(const std::string& path, ByteView data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return IoError("cannot open", path);
  ssize_t n;
  do {
    n = ::write(fd, data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  Status written = n < 0 ? IoError("cannot write", path) : Status::Ok();
  ::close(fd);
  KMS_RETURN_IF_ERROR(written);
  if (static_cast<size_t>(n) != data.size()) return Status::Internal("short write to " + path);
  return Status::Ok();
}

StatusOr<SecretBytes> ReadKey(const std::string& path) {
  KMS_ASSIGN_OR_RETURN(Bytes raw, ReadExact(path, kSealingKeySize));
  SecretBytes key(raw);
  explicit_bzero(raw.data(), raw.size());
  return key;
}

TeeIdentity IdentityOfReportBody(ByteView body) {
  TeeIdentity id;
  id.tee_type = "sgx";
  auto mre = body.subspan(attest::sgx_report::kMrEnclave, 32);
  auto mrs = body.subspan(attest::sgx_report::kMrSigner, 32);
  id.mrenclave.assign(mre.begin(), mre.end());
  id.mrsigner.assign(mrs.begin(), mrs.end());
  id.prod_id = attest::LoadU16(body, attest::sgx_report::kIsvProdId);
  id.svn = attest::LoadU16(body, attest::sgx_report::kIsvSvn);
  id.debug =
      (attest::LoadU64(body, attest::sgx_report::kAttributes) & attest::sgx_report::kFlagDebug) != 0;
  return id;
}

std::string Trimmed(ByteView b) {
  std::string s(AsChars(b));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

bool Equal(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

StatusOr<std::unique_ptr<GraminePlatform>> GraminePlatform::Open(GramineOptions options) {
  const std::string& root = options.root;
  auto type = ReadPseudo(root + "/attestation_type", 64);
  if (type.status().code() == Code::kNotFound) {  // ReadFileBytes: no such file
    return Status::FailedPrecondition(
        "--tee gramine: " + root +
        "/attestation_type does not exist; not running inside a Gramine SGX enclave");
  }
  if (!type.ok()) return type.status();
  // The enclave's own report: target info of itself, report data zero.
  KMS_ASSIGN_OR_RETURN(Bytes target, ReadExact(root + "/my_target_info", kTargetInfoSize));
  KMS_RETURN_IF_ERROR(WritePseudo(root + "/target_info", target));
  KMS_RETURN_IF_ERROR(WritePseudo(root + "/user_report_data", Bytes(kReportDataSize, 0)));
  KMS_ASSIGN_OR_RETURN(Bytes report, ReadExact(root + "/report", kReportSize));
  TeeIdentity id = IdentityOfReportBody(ByteView(report).first(attest::kSgxReportSize));
  KMS_ASSIGN_OR_RETURN(SecretBytes mrenclave_key, ReadKey(root + "/keys/_sgx_mrenclave"));
  KMS_ASSIGN_OR_RETURN(SecretBytes mrsigner_key, ReadKey(root + "/keys/_sgx_mrsigner"));
  std::string attestation_type = Trimmed(*type);
  log::Info("tee.gramine.active", {{"attestation_type", attestation_type},
                                   {"mrenclave", HexEncode(id.mrenclave)},
                                   {"mrsigner", HexEncode(id.mrsigner)},
                                   {"isvprodid", id.prod_id},
                                   {"isvsvn", id.svn},
                                   {"debug", id.debug ? "true" : "false"}});
  if (id.debug) log::Warn("tee.gramine.debug_enclave", {{"note", "DEBUG enclaves are not secret"}});
  return std::unique_ptr<GraminePlatform>(new GraminePlatform(
      root, std::move(attestation_type), std::move(id), std::move(mrenclave_key),
      std::move(mrsigner_key)));
}

Status GraminePlatform::Random(std::span<uint8_t> out) { return crypto::RandomFill(out); }

StatusOr<SecretBytes> GraminePlatform::SealingKey(SealPolicy policy, ByteView key_id) const {
  Bytes info = ToBytes("ehsm-gramine-seal-v1");
  info.push_back(static_cast<uint8_t>(policy));
  const SecretBytes& ikm = policy == SealPolicy::kMrEnclave ? mrenclave_key_ : mrsigner_key_;
  return crypto::HkdfSha256(ikm.view(), key_id, info, 32);
}

StatusOr<Bytes> GraminePlatform::Seal(ByteView plaintext, ByteView aad, SealPolicy policy) {
  return SealBlob([this](SealPolicy p, ByteView id) { return SealingKey(p, id); }, plaintext,
                  aad, policy);
}

StatusOr<SecretBytes> GraminePlatform::Unseal(ByteView sealed, ByteView aad) {
  return UnsealBlob([this](SealPolicy p, ByteView id) { return SealingKey(p, id); }, sealed, aad,
                    "sealed blob does not unseal in this enclave (other MRENCLAVE/MRSIGNER, "
                    "ISVSVN or CPU, or the blob was altered)");
}

StatusOr<Bytes> GraminePlatform::GenerateQuote(ByteView report_data) {
  if (attestation_type_ != "dcap") {
    return Status::FailedPrecondition("Gramine attestation type is \"" + attestation_type_ +
                                      "\"; DCAP quotes need sgx.remote_attestation = \"dcap\"");
  }
  if (report_data.size() != kReportDataSize) {
    return Status::InvalidArgument("report data must be 64 bytes");
  }
  Bytes quote;
  {
    std::lock_guard<std::mutex> lock(quote_mu_);
    KMS_RETURN_IF_ERROR(WritePseudo(root_ + "/user_report_data", report_data));
    KMS_ASSIGN_OR_RETURN(quote, ReadPseudo(root_ + "/quote", kMaxQuoteSize));
  }
  auto parsed = attest::ParseQuote(quote);
  if (!parsed.ok()) {
    return Status::Internal("Gramine returned something that is not a quote: " +
                            parsed.status().message());
  }
  if (parsed->is_tdx() ||
      !Equal(parsed->body.subspan(attest::sgx_report::kReportData, kReportDataSize), report_data) ||
      !Equal(parsed->body.subspan(attest::sgx_report::kMrEnclave, 32), identity_.mrenclave)) {
    return Status::Internal("Gramine's quote does not carry this enclave's report data");
  }
  return quote;
}

}  // namespace kms::tee
