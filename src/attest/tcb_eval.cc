#include "attest/tcb_eval.h"

#include <algorithm>
#include <cstdio>

namespace kms::attest {
namespace {

bool MaskedEqual(ByteView value, ByteView mask, ByteView expected) {
  if (value.size() != mask.size() || mask.size() != expected.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((value[i] & mask[i]) != expected[i]) return false;
  }
  return true;
}

bool Equal(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

const IsvTcbLevel* FirstLevelAtOrBelow(const std::vector<IsvTcbLevel>& levels, uint16_t svn) {
  for (const IsvTcbLevel& l : levels) {
    if (l.isvsvn <= svn) return &l;
  }
  return nullptr;
}

void AppendUnique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const std::string& id : from) {
    if (std::find(to.begin(), to.end(), id) == to.end()) to.push_back(id);
  }
}

bool LevelMatches(const TcbLevel& level, const PckExtension& pck, const ParsedQuote& quote) {
  for (size_t i = 0; i < 16; ++i) {
    if (pck.sgx_tcb_svn[i] < level.sgx_svn[i]) return false;
  }
  if (pck.pcesvn < level.pcesvn) return false;
  if (!quote.is_tdx()) return true;
  if (!level.tdx_svn) return false;
  ByteView tee_tcb_svn = quote.body.subspan(td_report::kTeeTcbSvn, 16);
  // With a TDX module version (byte 1), bytes 0 and 1 are judged by the module identity.
  size_t first = tee_tcb_svn[1] > 0 ? 2 : 0;
  for (size_t i = first; i < 16; ++i) {
    if (tee_tcb_svn[i] < (*level.tdx_svn)[i]) return false;
  }
  return true;
}

// The TDX module identity "TDX_<version>" and its level for the module's SVN.
TcbOutcome EvaluateTdxModuleIdentity(const TcbInfo& info, const ParsedQuote& quote) {
  ByteView tee_tcb_svn = quote.body.subspan(td_report::kTeeTcbSvn, 16);
  char id[8];
  std::snprintf(id, sizeof(id), "TDX_%02X", tee_tcb_svn[1]);
  auto it = std::find_if(info.tdx_module_identities.begin(), info.tdx_module_identities.end(),
                         [&](const TdxModuleIdentity& m) { return m.id == id; });
  if (it == info.tdx_module_identities.end()) {
    return Rejection{"TdxModuleMismatch", std::string("no TDX module identity ") + id};
  }
  if (!Equal(it->mrsigner, quote.body.subspan(td_report::kMrSignerSeam, 48)) ||
      !MaskedEqual(quote.body.subspan(td_report::kSeamAttributes, 8), it->attributes_mask,
                   it->attributes)) {
    return Rejection{"TdxModuleMismatch",
                     std::string("MRSIGNERSEAM or SEAMATTRIBUTES differ from ") + id};
  }
  const IsvTcbLevel* level = FirstLevelAtOrBelow(it->levels, tee_tcb_svn[0]);
  if (level == nullptr) {
    return Rejection{"TcbNotSupported",
                     "TDX module SVN " + std::to_string(tee_tcb_svn[0]) + " below every level"};
  }
  return TcbVerdict{level->status, level->advisory_ids};
}

}  // namespace

TcbOutcome EvaluateQeIdentity(const QeIdentity& qe, ByteView qe_report) {
  uint32_t misc = LoadU32(qe_report, sgx_report::kMiscSelect);
  if ((misc & qe.miscselect_mask) != qe.miscselect ||
      !MaskedEqual(qe_report.subspan(sgx_report::kAttributes, 16), qe.attributes_mask,
                   qe.attributes) ||
      !Equal(qe_report.subspan(sgx_report::kMrSigner, 32), qe.mrsigner) ||
      LoadU16(qe_report, sgx_report::kIsvProdId) != qe.isvprodid) {
    return Rejection{"QeIdentityMismatch",
                     "QE report MISCSELECT, ATTRIBUTES, MRSIGNER or ISVPRODID differ from the "
                     "QE identity"};
  }
  const IsvTcbLevel* level =
      FirstLevelAtOrBelow(qe.levels, LoadU16(qe_report, sgx_report::kIsvSvn));
  if (level == nullptr) return TcbVerdict{TcbStatus::kRevoked, {}};
  return TcbVerdict{level->status, level->advisory_ids};
}

Rejection CheckTdxModule(const TcbInfo& info, const ParsedQuote& quote) {
  if (!info.tdx_module) return {"TcbInfoMismatch", "TDX TCB info without tdxModule"};
  if (!Equal(info.tdx_module->mrsigner, quote.body.subspan(td_report::kMrSignerSeam, 48)) ||
      !MaskedEqual(quote.body.subspan(td_report::kSeamAttributes, 8),
                   info.tdx_module->attributes_mask, info.tdx_module->attributes)) {
    return {"TdxModuleMismatch", "MRSIGNERSEAM or SEAMATTRIBUTES differ from tdxModule"};
  }
  return {};
}

TcbOutcome EvaluateTcbLevel(const TcbInfo& info, const PckExtension& pck,
                            const ParsedQuote& quote) {
  auto level = std::find_if(info.levels.begin(), info.levels.end(),
                            [&](const TcbLevel& l) { return LevelMatches(l, pck, quote); });
  if (level == info.levels.end()) {
    return Rejection{"TcbNotSupported", "the platform's TCB is below every TCB level"};
  }
  TcbVerdict verdict{level->status, level->advisory_ids};
  if (quote.is_tdx() && quote.body[td_report::kTeeTcbSvn + 1] > 0) {
    TcbOutcome module = EvaluateTdxModuleIdentity(info, quote);
    if (auto* r = std::get_if<Rejection>(&module)) return *r;
    const TcbVerdict& m = std::get<TcbVerdict>(module);
    verdict.status = Converge(verdict.status, m.status);
    AppendUnique(verdict.advisory_ids, m.advisory_ids);
  }
  return verdict;
}

TcbStatus Converge(TcbStatus tcb, TcbStatus other) {
  if (other == TcbStatus::kRevoked || tcb == TcbStatus::kRevoked) return TcbStatus::kRevoked;
  if (other != TcbStatus::kOutOfDate) return tcb;
  switch (tcb) {
    case TcbStatus::kUpToDate:
    case TcbStatus::kSwHardeningNeeded:
      return TcbStatus::kOutOfDate;
    case TcbStatus::kConfigurationNeeded:
    case TcbStatus::kConfigurationAndSwHardeningNeeded:
      return TcbStatus::kOutOfDateConfigurationNeeded;
    default:
      return tcb;
  }
}

uint32_t QvResultOf(TcbStatus s) {
  switch (s) {
    case TcbStatus::kUpToDate:
      return 0x0000;
    case TcbStatus::kConfigurationNeeded:
      return 0xA001;
    case TcbStatus::kOutOfDate:
      return 0xA002;
    case TcbStatus::kOutOfDateConfigurationNeeded:
      return 0xA003;
    case TcbStatus::kRevoked:
      return kQvResultUnspecified;
    case TcbStatus::kSwHardeningNeeded:
      return 0xA007;
    case TcbStatus::kConfigurationAndSwHardeningNeeded:
      return 0xA008;
  }
  return kQvResultUnspecified;
}

}  // namespace kms::attest
