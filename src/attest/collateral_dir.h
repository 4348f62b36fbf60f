#pragma once
// Collateral kept as files: a directory of dcap-qvl JSON bundles (the form of
// test/vectors/dcap/*_collateral.json, see collateral.h), one per TEE and FMSPC. It backs the
// `--collateral-dir` source of the verifier and the endpoints of ehsm-pccs.
//
// File names are free (`*.json`; by convention `<sgx|tdx>-<fmspc>.json`, e.g.
// `sgx-00a067110000.json`): what a bundle is for is read from its content, the TEE and FMSPC
// from the `tcb_info` text and the PCK CA type from the first certificate of
// `pck_crl_issuer_chain`. Nothing is trusted here: the verifier checks every signature.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "attest/collateral.h"
#include "attest/dcap_verifier.h"

namespace kms::attest {

struct CollateralBundle {
  std::string file;        // the path it was read from, for messages
  bool tdx = false;        // tcbInfo id "TDX"
  Bytes fmspc;             // 6 bytes, tcbInfo fmspc
  std::string ca;          // "processor" or "platform": whose PCK CRL it carries
  int64_t issue_date = 0;  // tcbInfo issueDate, Unix seconds
  Collateral collateral;
};

// At most this many bundles in one directory (real deployments have a handful of FMSPCs).
inline constexpr size_t kMaxCollateralFiles = 4096;

// Immutable once loaded, so safe to share between threads.
class CollateralDirectory {
 public:
  // Reads every regular `*.json` file of `dir` (other files are ignored). kInvalidArgument,
  // naming the file, for one that does not parse, is larger than kMaxCollateralJsonSize, or
  // repeats the TEE and FMSPC of another; kNotFound when `dir` is not a readable directory.
  // An empty directory is allowed (every lookup then misses).
  static StatusOr<std::shared_ptr<const CollateralDirectory>> Load(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const std::vector<CollateralBundle>& bundles() const { return bundles_; }

  // The bundle for this TEE and FMSPC, or null.
  const CollateralBundle* Find(bool tdx, ByteView fmspc) const;
  // The most recently issued bundle (tcbInfo issueDate) carrying the PCK CRL of CA type `ca`,
  // of TEE `tdx`, or of any kind: where the items every platform shares (PCK CRLs, QE
  // identities, the root CA CRL) are taken from. Null when there is none.
  const CollateralBundle* NewestWithCa(std::string_view ca) const;
  const CollateralBundle* NewestForTee(bool tdx) const;
  const CollateralBundle* Newest() const;

 private:
  CollateralDirectory(std::string dir, std::vector<CollateralBundle> bundles)
      : dir_(std::move(dir)), bundles_(std::move(bundles)) {}

  std::string dir_;
  std::vector<CollateralBundle> bundles_;
};

// Reads one bundle file; same errors as CollateralDirectory::Load.
StatusOr<CollateralBundle> ReadCollateralBundle(const std::string& path);

// CollateralSource over a directory (`--collateral-dir`): the bundle of the quote's TEE and
// FMSPC, as it is. kNotFound, naming the TEE, FMSPC and directory, when there is none.
class DirectoryCollateral final : public CollateralSource {
 public:
  explicit DirectoryCollateral(std::shared_ptr<const CollateralDirectory> dir)
      : dir_(std::move(dir)) {}
  StatusOr<Collateral> Get(const CollateralRequest& request) const override;

 private:
  std::shared_ptr<const CollateralDirectory> dir_;
};

}  // namespace kms::attest
