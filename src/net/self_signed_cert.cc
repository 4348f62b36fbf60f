#include "net/self_signed_cert.h"

#include <fcntl.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <string>

#include "common/log.h"
#include "crypto/openssl_error.h"
#include "crypto/ossl_ptr.h"

namespace kms::net {
namespace {

using crypto::OsslPtr;

// Types the shared OsslPtr does not cover; only this file needs them.
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct ExtFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, ExtFree>;

constexpr char kCertFile[] = "tls.crt";
constexpr char kKeyFile[] = "tls.key";
constexpr char kDefaultCommonName[] = "ehsm-kms";
constexpr int kDefaultDays = 365;

using crypto::OpenSslError;

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslError(std::string("cannot add certificate extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

StatusOr<std::string> BioToString(BIO* bio) {
  BUF_MEM* mem = nullptr;
  if (BIO_get_mem_ptr(bio, &mem) != 1 || mem == nullptr) return OpenSslError("BIO_get_mem_ptr");
  return std::string(mem->data, mem->length);
}

std::string Errno(int err) { return std::strerror(err); }

StatusOr<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Unavailable("cannot open " + path + ": " + Errno(errno));
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::Unavailable("cannot read " + path + ": " + Errno(err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// Writes `data` to `path` atomically: a temporary file in the same directory with `mode`,
// fsync, rename over `path`, fsync the directory. A crash leaves either no file or a whole one.
Status WriteFileAtomically(const std::string& dir, const std::string& name, const std::string& data,
                           mode_t mode) {
  const std::string path = dir + "/" + name;
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());  // creates with mode 0600
  if (fd < 0) return Status::Unavailable("cannot create a file in " + dir + ": " + Errno(errno));
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::Unavailable(what + " " + path + ": " + Errno(err));
  };
  if (::fchmod(fd, mode) != 0) return fail("cannot chmod");
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("cannot write");
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("cannot fsync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot close " + path + ": " + Errno(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::Unavailable("cannot rename to " + path + ": " + Errno(err));
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

StatusOr<PemPair> MakeSelfSignedCert(const std::string& common_name, int days) {
  if (common_name.empty()) return Status::InvalidArgument("common name is empty");
  if (days <= 0) return Status::InvalidArgument("validity must be at least one day");

  OsslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpenSslError("cannot generate a P-256 key");

  OsslPtr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslError("cannot create a certificate");
  }
  // 127 random bits keep the serial positive and within the 20 octets RFC 5280 allows.
  BnPtr serial_bn(BN_new());
  if (!serial_bn || BN_rand(serial_bn.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1) {
    return OpenSslError("cannot draw a serial number");
  }
  if (BN_to_ASN1_INTEGER(serial_bn.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslError("cannot set the serial number");
  }
  // Back-date by an hour so clients with a slightly slow clock accept a fresh certificate.
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400) ==  // NOLINT
          nullptr) {
    return OpenSslError("cannot set the validity period");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                 -1, 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1 || X509_set_pubkey(cert.get(), key.get()) != 1) {
    return OpenSslError("cannot set the certificate names");
  }
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  KMS_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"));
  KMS_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return OpenSslError("cannot sign the certificate");
  }

  PemPair pair;
  OsslPtr<BIO> cert_bio(BIO_new(BIO_s_mem()));
  if (!cert_bio || PEM_write_bio_X509(cert_bio.get(), cert.get()) != 1) {
    return OpenSslError("cannot encode the certificate");
  }
  KMS_ASSIGN_OR_RETURN(pair.cert_pem, BioToString(cert_bio.get()));
  // Secure-heap BIO so the encoded private key is wiped when the BIO is freed.
  OsslPtr<BIO> key_bio(BIO_new(BIO_s_secmem()));
  if (!key_bio || PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                           nullptr) != 1) {
    return OpenSslError("cannot encode the private key");
  }
  KMS_ASSIGN_OR_RETURN(pair.key_pem, BioToString(key_bio.get()));
  return pair;
}

StatusOr<int64_t> SecondsUntilExpiry(const std::string& cert_pem) {
  OsslPtr<BIO> bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  OsslPtr<X509> cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) return OpenSslError("cannot parse the certificate");
  int days = 0;
  int secs = 0;
  // from == nullptr: now.
  if (ASN1_TIME_diff(&days, &secs, nullptr, X509_get0_notAfter(cert.get())) != 1) {
    return OpenSslError("cannot read the certificate's notAfter");
  }
  return static_cast<int64_t>(days) * 86400 + secs;
}

StatusOr<PemPair> LoadOrCreateSelfSigned(const std::string& dir) {
  const std::string cert_path = dir + "/" + kCertFile;
  const std::string key_path = dir + "/" + kKeyFile;
  const bool have_cert = Exists(cert_path);
  const bool have_key = Exists(key_path);

  if (have_cert && have_key) {
    PemPair pair;
    KMS_ASSIGN_OR_RETURN(pair.cert_pem, ReadFile(cert_path));
    KMS_ASSIGN_OR_RETURN(pair.key_pem, ReadFile(key_path));
    struct stat st;
    if (::stat(key_path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      log::Warn("net.tls_key_permissions", {{"path", key_path}, {"hint", "chmod 600"}});
    }
    // A pair we made ourselves is ours to renew: serving it past notAfter breaks every client.
    // One that does not parse is left to the TLS set-up, which names the problem.
    StatusOr<int64_t> expiry = SecondsUntilExpiry(pair.cert_pem);
    if (!expiry.ok() || *expiry > int64_t{kCertRenewDays} * 86400) return pair;
    const int64_t left = *expiry;
    KMS_ASSIGN_OR_RETURN(PemPair fresh, MakeSelfSignedCert(kDefaultCommonName, kDefaultDays));
    KMS_RETURN_IF_ERROR(WriteFileAtomically(dir, kKeyFile, fresh.key_pem, 0600));
    KMS_RETURN_IF_ERROR(WriteFileAtomically(dir, kCertFile, fresh.cert_pem, 0600));
    log::Info("net.tls_self_signed_renewed",
              {{"dir", dir}, {"seconds_left", left}, {"days", kDefaultDays}});
    return fresh;
  }
  if (have_cert != have_key) {
    const std::string& present = have_cert ? cert_path : key_path;
    const std::string& missing = have_cert ? key_path : cert_path;
    return Status::FailedPrecondition(missing + " is missing but " + present +
                                      " exists; restore it, or remove " + present +
                                      " to generate a new self-signed pair");
  }

  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Status::Unavailable("cannot create directory " + dir + ": " + Errno(errno));
  }
  KMS_ASSIGN_OR_RETURN(PemPair pair, MakeSelfSignedCert(kDefaultCommonName, kDefaultDays));
  // The key goes first: a crash in between leaves only tls.key, which the check above reports,
  // rather than a certificate whose key is lost.
  KMS_RETURN_IF_ERROR(WriteFileAtomically(dir, kKeyFile, pair.key_pem, 0600));
  KMS_RETURN_IF_ERROR(WriteFileAtomically(dir, kCertFile, pair.cert_pem, 0600));
  log::Info("net.tls_self_signed_created", {{"dir", dir}, {"days", kDefaultDays}});
  return pair;
}

}  // namespace kms::net
