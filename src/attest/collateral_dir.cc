#include "attest/collateral_dir.h"

#include <algorithm>
#include <filesystem>
#include <functional>

#include "attest/pck_cert.h"
#include "attest/tcb_info.h"
#include "common/file_util.h"

namespace kms::attest {
namespace fs = std::filesystem;
namespace {

bool SameBytes(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

StatusOr<std::string> CaTypeOf(const Collateral& c) {
  auto chain = ParsePemChain(c.pck_crl_issuer_chain, 3);
  if (!chain.ok()) return Status::InvalidArgument("pck_crl_issuer_chain: " + chain.status().message());
  std::string cn = CommonName(X509_get_subject_name((*chain)[0].get()));
  if (cn.find("Processor") != std::string::npos) return std::string("processor");
  if (cn.find("Platform") != std::string::npos) return std::string("platform");
  return Status::InvalidArgument("pck_crl_issuer_chain: \"" + cn +
                                 "\" is neither the Processor nor the Platform CA");
}

const CollateralBundle* NewestWhere(const std::vector<CollateralBundle>& bundles,
                                    const std::function<bool(const CollateralBundle&)>& pred) {
  const CollateralBundle* best = nullptr;
  for (const CollateralBundle& b : bundles) {
    if (pred(b) && (best == nullptr || b.issue_date > best->issue_date)) best = &b;
  }
  return best;
}

std::string TeeName(bool tdx) { return tdx ? "TDX" : "SGX"; }

}  // namespace

StatusOr<CollateralBundle> ReadCollateralBundle(const std::string& path) {
  std::error_code ec;
  uintmax_t size = fs::file_size(path, ec);
  if (ec) return Status::NotFound(path + ": " + ec.message());
  if (size > kMaxCollateralJsonSize) {
    return Status::InvalidArgument(path + ": larger than " +
                                   std::to_string(kMaxCollateralJsonSize) + " bytes");
  }
  KMS_ASSIGN_OR_RETURN(Bytes text, ReadFileBytes(path));
  auto fail = [&path](const Status& s) { return Status::InvalidArgument(path + ": " + s.message()); };
  auto collateral = ParseCollateralJson(AsChars(text));
  if (!collateral.ok()) return fail(collateral.status());
  auto info = ParseTcbInfo(collateral->tcb_info);
  if (!info.ok()) return fail(info.status());
  auto ca = CaTypeOf(*collateral);
  if (!ca.ok()) return fail(ca.status());
  CollateralBundle b;
  b.file = path;
  b.tdx = info->id == "TDX";
  b.fmspc = info->fmspc;
  b.ca = *std::move(ca);
  b.issue_date = info->issue_date;
  b.collateral = std::move(collateral).value();
  return b;
}

StatusOr<std::shared_ptr<const CollateralDirectory>> CollateralDirectory::Load(
    const std::string& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::NotFound("collateral directory " + dir + ": " + ec.message());
  std::vector<std::string> paths;
  for (const fs::directory_entry& e : it) {
    if (e.path().extension() != ".json" || !e.is_regular_file(ec)) continue;
    if (paths.size() == kMaxCollateralFiles) {
      return Status::InvalidArgument("collateral directory " + dir + ": more than " +
                                     std::to_string(kMaxCollateralFiles) + " files");
    }
    paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());  // deterministic messages
  std::vector<CollateralBundle> bundles;
  for (const std::string& path : paths) {
    KMS_ASSIGN_OR_RETURN(CollateralBundle b, ReadCollateralBundle(path));
    for (const CollateralBundle& other : bundles) {
      if (other.tdx == b.tdx && SameBytes(other.fmspc, b.fmspc)) {
        return Status::InvalidArgument(path + ": " + TeeName(b.tdx) + " FMSPC " +
                                       HexEncode(b.fmspc) + " is already in " + other.file);
      }
    }
    bundles.push_back(std::move(b));
  }
  return std::shared_ptr<const CollateralDirectory>(
      new CollateralDirectory(dir, std::move(bundles)));
}

const CollateralBundle* CollateralDirectory::Find(bool tdx, ByteView fmspc) const {
  for (const CollateralBundle& b : bundles_) {
    if (b.tdx == tdx && SameBytes(b.fmspc, fmspc)) return &b;
  }
  return nullptr;
}

const CollateralBundle* CollateralDirectory::NewestWithCa(std::string_view ca) const {
  return NewestWhere(bundles_, [ca](const CollateralBundle& b) { return b.ca == ca; });
}

const CollateralBundle* CollateralDirectory::NewestForTee(bool tdx) const {
  return NewestWhere(bundles_, [tdx](const CollateralBundle& b) { return b.tdx == tdx; });
}

const CollateralBundle* CollateralDirectory::Newest() const {
  return NewestWhere(bundles_, [](const CollateralBundle&) { return true; });
}

StatusOr<Collateral> DirectoryCollateral::Get(const CollateralRequest& request) const {
  const CollateralBundle* b = dir_->Find(request.tdx, request.fmspc);
  if (b == nullptr) {
    return Status::NotFound("no collateral for " + TeeName(request.tdx) + " FMSPC " +
                            HexEncode(request.fmspc) + " in " + dir_->dir());
  }
  return b->collateral;
}

}  // namespace kms::attest
