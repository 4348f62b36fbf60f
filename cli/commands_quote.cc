// quote verify: offline verification of an Intel DCAP quote (docs/attestation.md).

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "app.h"
#include "attest/cert_chain.h"
#include "attest/collateral_dir.h"
#include "attest/dcap_verifier.h"
#include "attest/intel_root_ca.h"
#include "attest/pccs_client.h"
#include "attest/pck_cert.h"
#include "attest/tcb_eval.h"
#include "common/file_util.h"
#include "kms/result.h"

namespace ehsm_cli {
namespace json = boost::json;
using kms::attest::QuoteVerdict;

namespace {

constexpr uintmax_t kMaxQuoteFile = 1 << 20;

struct QuoteArgs {
  std::string quote_file, collateral_file, root_ca_file;
  std::string collateral_dir;              // --collateral-dir: one bundle per TEE and FMSPC
  std::string pccs_url, pccs_ca;           // --pccs-url: fetch from a PCCS
  bool pccs_insecure = false;              // no TLS verification of the PCCS
  int64_t at = 0;
  bool allow_simulation = false;  // then --root-ca is the sim root and --collateral optional
};

std::string QvResultHex(uint32_t v) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%04X", v);
  return buf;
}

json::object VerdictJson(const QuoteVerdict& v) {
  json::object o;
  o["verified"] = v.verified;
  o["status"] = v.status;
  o["qv_result"] = QvResultHex(v.qv_result);
  json::array ids;
  for (const auto& id : v.advisory_ids) ids.emplace_back(id);
  o["advisory_ids"] = std::move(ids);
  const kms::attest::QuoteIdentity& id = v.identity;
  if (!id.tee.empty()) {
    o["tee"] = id.tee;
    o["version"] = id.version;
    o["fmspc"] = kms::HexEncode(id.fmspc);
    o["report_data"] = kms::HexEncode(id.report_data);
    o["debug"] = id.debug;
  }
  if (id.tee == "sgx" || id.tee == "sim") {  // sim quotes use the SGX layout
    o["mrenclave"] = kms::HexEncode(id.mrenclave);
    o["mrsigner"] = kms::HexEncode(id.mrsigner);
    o["isvprodid"] = id.isvprodid;
    o["isvsvn"] = id.isvsvn;
  } else if (id.tee == "tdx") {
    o["mrtd"] = kms::HexEncode(id.mrtd);
    for (size_t i = 0; i < id.rtmr.size(); ++i) {
      o["rtmr" + std::to_string(i)] = kms::HexEncode(id.rtmr[i]);
    }
  }
  if (!v.verified) o["error"] = v.error;
  return o;
}

void PrintHuman(std::ostream& out, const QuoteVerdict& v) {
  out << (v.verified ? "verified" : "NOT VERIFIED") << ": " << v.status << " (qv_result "
      << QvResultHex(v.qv_result) << ")\n";
  if (!v.advisory_ids.empty()) {
    out << "advisories:";
    for (const auto& id : v.advisory_ids) out << " " << id;
    out << "\n";
  }
  const kms::attest::QuoteIdentity& id = v.identity;
  if (!id.tee.empty()) {
    out << "tee: " << id.tee << ", quote v" << id.version << ", fmspc " << kms::HexEncode(id.fmspc)
        << (id.debug ? ", DEBUG" : "") << "\n";
  }
  if (id.tee == "sgx" || id.tee == "sim") {  // sim quotes use the SGX layout
    out << "mrenclave: " << kms::HexEncode(id.mrenclave)
        << "\nmrsigner: " << kms::HexEncode(id.mrsigner) << "\nisvprodid: " << id.isvprodid
        << "  isvsvn: " << id.isvsvn << "\n";
  } else if (id.tee == "tdx") {
    out << "mrtd: " << kms::HexEncode(id.mrtd) << "\n";
  }
  if (!id.tee.empty()) out << "report_data: " << kms::HexEncode(id.report_data) << "\n";
  if (!v.verified) out << "error: " << v.error << "\n";
}

// Files are read whole, so their size is checked first (a quote is a few KB).
kms::StatusOr<kms::Bytes> ReadBounded(const std::string& path, uintmax_t max) {
  std::error_code ec;
  uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) return kms::Status::NotFound(path + ": " + ec.message());
  if (size > max) {
    return kms::Status::InvalidArgument(path + ": larger than " + std::to_string(max) + " bytes");
  }
  return kms::ReadFileBytes(path);
}

// A PEM or DER certificate file as DER.
kms::StatusOr<kms::Bytes> ReadRootCa(const std::string& path) {
  KMS_ASSIGN_OR_RETURN(kms::Bytes file, ReadBounded(path, kMaxQuoteFile));
  if (kms::attest::CertFromDer(file).ok()) return file;
  auto chain = kms::attest::ParsePemChain(kms::AsChars(file), 1);
  if (!chain.ok()) return kms::Status::InvalidArgument(path + ": not a PEM or DER certificate");
  unsigned char* der = nullptr;
  int n = i2d_X509((*chain)[0].get(), &der);
  if (n <= 0) return kms::Status::Internal("i2d_X509 failed");
  kms::Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

int Usage(Context& ctx, const kms::Status& s) {
  return ctx.Fail(kms::client::Error::InvalidArgument(s.message()));
}

// The collateral source the flags name: a file, a directory or a PCCS (at most one); null
// when none is given (only sim quotes can then be verified).
kms::StatusOr<std::shared_ptr<const kms::attest::CollateralSource>> SourceOf(const QuoteArgs& a) {
  int given = !a.collateral_file.empty() + !a.collateral_dir.empty() + !a.pccs_url.empty();
  if (given > 1) {
    return kms::Status::InvalidArgument(
        "give only one of --collateral, --collateral-dir and --pccs-url");
  }
  if (given == 0 && !a.allow_simulation) {
    return kms::Status::InvalidArgument(
        "--collateral, --collateral-dir or --pccs-url is required");
  }
  if ((!a.pccs_ca.empty() || a.pccs_insecure) && a.pccs_url.empty()) {
    return kms::Status::InvalidArgument("--pccs-ca and --pccs-insecure need --pccs-url");
  }
  if (!a.pccs_url.empty()) {
    kms::attest::PccsClientOptions o;
    o.url = a.pccs_url;
    o.http.ca_file = a.pccs_ca;
    o.http.insecure = a.pccs_insecure;
    KMS_ASSIGN_OR_RETURN(auto client, kms::attest::PccsClient::New(std::move(o)));
    return std::shared_ptr<const kms::attest::CollateralSource>(std::move(client));
  }
  if (!a.collateral_dir.empty()) {
    KMS_ASSIGN_OR_RETURN(auto dir, kms::attest::CollateralDirectory::Load(a.collateral_dir));
    return std::shared_ptr<const kms::attest::CollateralSource>(
        std::make_shared<kms::attest::DirectoryCollateral>(std::move(dir)));
  }
  if (a.collateral_file.empty()) return std::shared_ptr<const kms::attest::CollateralSource>();
  KMS_ASSIGN_OR_RETURN(kms::Bytes text,
                       ReadBounded(a.collateral_file, kms::attest::kMaxCollateralJsonSize));
  auto collateral = kms::attest::ParseCollateralJson(kms::AsChars(text));
  if (!collateral.ok()) {
    return kms::Status::InvalidArgument(a.collateral_file + ": " + collateral.status().message());
  }
  return std::shared_ptr<const kms::attest::CollateralSource>(
      std::make_shared<kms::attest::FixedCollateral>(std::move(collateral).value()));
}

// The verdict for a quote that could not be judged: not a quote, or no collateral for it.
QuoteVerdict Unjudged(const kms::Status& s) {
  QuoteVerdict v;
  v.status = s.code() == kms::Code::kInvalidArgument ? "InvalidQuote"
             : s.code() == kms::Code::kNotFound      ? "CollateralNotFound"
                                                     : "CollateralUnavailable";
  v.qv_result = kms::attest::kQvResultUnspecified;
  v.error = s.message();
  return v;
}

int RunVerify(Context& ctx, const QuoteArgs& a) {
  auto quote = ReadBounded(a.quote_file, kMaxQuoteFile);
  if (!quote.ok()) return Usage(ctx, quote.status());
  if (a.allow_simulation && a.root_ca_file.empty()) {
    return Usage(ctx, kms::Status::InvalidArgument(
                          "--allow-simulation needs --root-ca with the sim root CA"));
  }
  auto source = SourceOf(a);
  if (!source.ok()) return Usage(ctx, source.status());
  kms::Bytes root(kms::attest::IntelSgxRootCaDer().begin(), kms::attest::IntelSgxRootCaDer().end());
  kms::attest::SimulationTrust sim{.allow_simulation = a.allow_simulation, .sim_root_ca_der = {}};
  if (!a.root_ca_file.empty()) {
    auto r = ReadRootCa(a.root_ca_file);
    if (!r.ok()) return Usage(ctx, r.status());
    // With --allow-simulation the given root is the sim root; real quotes keep Intel's.
    (a.allow_simulation ? sim.sim_root_ca_der : root) = std::move(r).value();
  }
  auto verifier = kms::attest::DcapQuoteVerifier::New(*std::move(source), root, sim);
  if (!verifier.ok()) return Usage(ctx, verifier.status());
  auto at = a.at != 0 ? std::chrono::system_clock::time_point(std::chrono::seconds(a.at))
                      : std::chrono::system_clock::now();
  auto verdict = (*verifier)->Verify(*quote, at);
  QuoteVerdict v = verdict.ok() ? std::move(verdict).value() : Unjudged(verdict.status());
  int rc = ctx.Emit(VerdictJson(v), [&](std::ostream& out) { PrintHuman(out, v); });
  if (rc != kExitOk) return rc;
  return v.verified ? kExitOk : kExitNotVerified;
}

}  // namespace

void AddQuoteCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<QuoteArgs>();
  CLI::App* quote = app.add_subcommand("quote", "Remote-attestation quotes (Intel DCAP)");
  quote->require_subcommand(1);
  CLI::App* verify = quote->add_subcommand(
      "verify", "Verify an SGX or TDX quote offline against Intel-signed collateral");
  verify->add_option("quote", a->quote_file, "Raw quote file (binary)")->required();
  verify
      ->add_option("--collateral", a->collateral_file,
                   "Collateral JSON (dcap-qvl form: tcb_info, qe_identity, CRLs, chains); "
                   "this, --collateral-dir or --pccs-url is required unless --allow-simulation");
  verify->add_option("--collateral-dir", a->collateral_dir,
                     "Directory of collateral JSON files, one per TEE and FMSPC (the quote's is "
                     "picked by its content)");
  verify->add_option("--pccs-url", a->pccs_url,
                     "Fetch the collateral from this PCCS (v4 API), e.g. https://pccs:8081");
  verify->add_option("--pccs-ca", a->pccs_ca,
                     "CAs trusted for the PCCS's TLS certificate (PEM) [default: the system's]");
  verify->add_flag("--pccs-insecure", a->pccs_insecure,
                   "Do not verify the PCCS's TLS certificate (the collateral itself is still "
                   "verified: Intel signs it)");
  verify->add_option("--at", a->at, "Verification time, Unix seconds [default: now]")
      ->check(CLI::PositiveNumber);
  verify->add_option("--root-ca", a->root_ca_file,
                     "Trust anchor, PEM or DER [default: the built-in Intel SGX Root CA]; with "
                     "--allow-simulation, the sim root CA (ehsm-kms --export-sim-root)");
  verify->add_flag("--allow-simulation", a->allow_simulation,
                   "Also accept quotes of the `sim` backend under the --root-ca sim root "
                   "(tee \"sim\", no security claim)");
  verify->footer(
      "Exit: 0 verified (chain, CRLs, signatures, every validity window at --at, a TCB level\n"
      "matched, not Revoked), 1 not verified, 2 usage error. The caller still decides which\n"
      "TCB statuses it accepts.\n\nExample:\n"
      "  ehsm --json quote verify quote.bin --collateral collateral.json --at 1751328000\n"
      "  ehsm --json quote verify quote.bin --pccs-url https://pccs:8081 --pccs-ca ca.pem\n"
      "  ehsm --json quote verify sim.quote --allow-simulation \\\n"
      "      --root-ca sim_root.der   # from ehsm-kms --export-sim-root sim_root.der");
  verify->callback([&ctx, a] { ctx.run = [&ctx, a] { return RunVerify(ctx, *a); }; });
}

}  // namespace ehsm_cli
