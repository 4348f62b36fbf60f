#include "tee/identity_config.h"

#include <sstream>

#include "common/config_binder.h"
#include "crypto/hmac.h"

namespace kms::tee {
namespace {

std::string Sha256Hex(const std::string& text) {
  auto digest = crypto::Sha256(AsBytes(text));
  return digest.ok() ? HexEncode(*digest) : "";
}

Status CheckMeasurement(const std::string& key, const std::string& hex) {
  auto bytes = HexDecode(hex);
  if (!bytes || bytes->size() != 32) {
    return Status::InvalidArgument(key + " must be 64 hex digits (32 bytes), got \"" + hex + "\"");
  }
  return Status::Ok();
}

Status CheckU16(const std::string& key, int v) {
  if (v < 0 || v > 65535) {
    return Status::InvalidArgument(key + " must be 0..65535, got " + std::to_string(v));
  }
  return Status::Ok();
}

}  // namespace

IdentityConfig DefaultIdentity(const std::string& binary, int isvprodid) {
  IdentityConfig id;
  id.sim_mrsigner = Sha256Hex("ehsm-kms sim mrsigner");
  id.sim_mrenclave = Sha256Hex(binary + " sim mrenclave");
  id.sim_isvprodid = isvprodid;
  return id;
}

void AddIdentityFlags(config::Binder& b, IdentityConfig& id) {
  b.Add("tee", id.tee,
        "TEE backend: sim (software, no security claim) or gramine (SGX in a Gramine enclave)");
  b.Add("gramine_root", id.gramine_root, "gramine: the attestation pseudo-file directory");
  b.Add("platform_secret", id.platform_secret,
        "sim: platform secret file, created (32 random bytes, mode 0600) when missing "
        "(default <data_dir>/platform.secret)");
  AddSimIdentityFlags(b, id);
}

void AddSimIdentityFlags(config::Binder& b, IdentityConfig& id) {
  b.Add("sim_mrenclave", id.sim_mrenclave, "sim: the MRENCLAVE this process claims (64 hex)");
  b.Add("sim_mrsigner", id.sim_mrsigner, "sim: the MRSIGNER this process claims (64 hex)");
  b.Add("sim_isvprodid", id.sim_isvprodid, "sim: the ISVPRODID this process claims");
  b.Add("sim_isvsvn", id.sim_isvsvn, "sim: the ISVSVN this process claims");
  b.AddFlag("sim_debug", id.sim_debug, "sim: claim a debug enclave (no value)");
}

Status CheckIdentity(const IdentityConfig& id) {
  if (id.tee != "sim" && id.tee != "gramine") {
    return Status::InvalidArgument("tee must be " + std::string(tee::kTeeNames) + ", got \"" +
                                   id.tee + "\"");
  }
  KMS_RETURN_IF_ERROR(CheckMeasurement("sim_mrenclave", id.sim_mrenclave));
  KMS_RETURN_IF_ERROR(CheckMeasurement("sim_mrsigner", id.sim_mrsigner));
  KMS_RETURN_IF_ERROR(CheckU16("sim_isvprodid", id.sim_isvprodid));
  return CheckU16("sim_isvsvn", id.sim_isvsvn);
}

TeeIdentity ToTeeIdentity(const IdentityConfig& id) {
  TeeIdentity t;
  t.tee_type = id.tee;
  t.mrenclave = HexDecode(id.sim_mrenclave).value_or(Bytes{});
  t.mrsigner = HexDecode(id.sim_mrsigner).value_or(Bytes{});
  t.prod_id = static_cast<uint16_t>(id.sim_isvprodid);
  t.svn = static_cast<uint16_t>(id.sim_isvsvn);
  t.debug = id.sim_debug;
  return t;
}

tee::PlatformSpec ToPlatformSpec(const IdentityConfig& id) {
  tee::PlatformSpec spec;
  spec.tee = id.tee;
  spec.sim = {.secret_path = id.platform_secret, .identity = ToTeeIdentity(id)};
  spec.gramine.root = id.gramine_root;
  return spec;
}

std::string IdentitySummary(const IdentityConfig& id) {
  std::string gramine = id.tee == "gramine" ? " gramine_root=" + id.gramine_root : "";
  return "tee=" + id.tee + gramine + " platform_secret=" + id.platform_secret + " " +
         SimIdentitySummary(id);
}

std::string SimIdentitySummary(const IdentityConfig& id) {
  std::ostringstream s;
  s << "sim_mrenclave=" << id.sim_mrenclave << " sim_mrsigner=" << id.sim_mrsigner
    << " sim_isvprodid=" << id.sim_isvprodid << " sim_isvsvn=" << id.sim_isvsvn
    << " sim_debug=" << (id.sim_debug ? "true" : "false");
  return s.str();
}

}  // namespace kms::tee
