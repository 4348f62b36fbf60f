// bigdl inspect: what a BigDL file or folder holds; MAC status when a key is available.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "bigdl/bigdl_commands.h"
#include "bigdl/bigdl_options.h"
#include "io.h"
#include "kms/bigdl/inspect.h"

namespace ehsm_cli::bigdl {
namespace json = boost::json;
namespace kb = kms::bigdl;
using kms::client::Error;

namespace {

bool HasKeyOptions(const BigdlArgs& a) {
  return !a.keyid.empty() || !a.primary_key_file.empty() || !a.data_key_plaintext.empty() ||
         !a.primary_key_plaintext.empty() || !a.data_key_file.empty();
}

json::object PartJson(const kb::InspectedPart& p) {
  json::object o{{"name", p.name}, {"size", p.size}};
  if (!p.error.empty()) {
    o["error"] = p.error;
    return o;
  }
  const kb::StreamInfo& i = p.info;
  o["format"] = kb::FormatName(p.resolved_format);
  if (i.format == kb::Format::kG3) {
    o["edk"] = i.edk;
    o["edk_length"] = i.edk.size();
    o["filler_ok"] = i.filler_ok;
  }
  if (!i.iv.empty()) o["iv"] = kms::HexEncode(i.iv);
  if (i.time) {
    o["time"] = *i.time;
    o["time_utc"] = FormatTimeMs(*i.time * 1000);
  }
  if (i.format != kb::Format::kEmpty && i.format != kb::Format::kParquet) {
    o["header_bytes"] = i.header_size;
  }
  if (!p.mac.empty()) o["mac"] = p.mac;
  if (!p.key_source.empty()) o["key_source"] = p.key_source;
  return o;
}

void PrintPart(std::ostream& out, const kb::InspectedPart& p) {
  out << "  " << p.name << "  " << p.size << " bytes  ";
  if (!p.error.empty()) {
    out << "error: " << p.error << "\n";
    return;
  }
  const kb::StreamInfo& i = p.info;
  out << kb::FormatName(p.resolved_format);
  if (i.format == kb::Format::kG2 && p.resolved_format == kb::Format::kG2 && i.g1_or_g2 &&
      p.mac.empty()) {
    out << " or g1";
  }
  if (i.format == kb::Format::kG3) out << "  edk(" << i.edk.size() << ")=" << i.edk;
  if (!i.iv.empty()) out << "  iv=" << kms::HexEncode(i.iv);
  if (i.time) out << "  time=" << FormatTimeMs(*i.time * 1000);
  if (!i.filler_ok) out << "  [filler not all 0x80]";
  if (!p.mac.empty()) out << "  MAC " << p.mac;
  out << "\n";
}

int RunInspect(Context& ctx, const BigdlArgs& a) {
  auto format = kb::ParseFormatChoice(a.format);
  if (!format) return ctx.Fail(Error::InvalidArgument("unknown --format " + a.format));
  auto g2 = G2KeyChoice(a);
  if (!g2.ok()) return ctx.Fail(g2.error());
  std::unique_ptr<kb::KeyResolver> keys;
  if (HasKeyOptions(a)) {
    auto k = KeyResolverFor(ctx, a);
    if (!k.ok()) return ctx.Fail(k.error());
    keys = std::move(*k);
  }
  kb::DecryptOptions opts;
  opts.g2_key = *g2;
  auto report = kb::Inspect(a.in, *format, keys.get(), opts);
  if (!report.ok()) return ctx.Fail(report.error());

  json::array parts, others, hidden;
  for (const auto& p : report->parts) parts.push_back(PartJson(p));
  for (const auto& n : report->other_files) others.push_back(json::string(n));
  for (const auto& n : report->hidden) hidden.push_back(json::string(n));
  json::object o{{"path", a.in}, {"folder", report->folder}, {"parts", std::move(parts)}};
  if (report->meta_edk) o["meta_edk"] = *report->meta_edk;
  if (!report->meta_error.empty()) o["meta_error"] = report->meta_error;
  if (report->folder) {
    o["success"] = report->has_success;
    o["other_files"] = std::move(others);
    o["hidden"] = std::move(hidden);
  }
  return ctx.Emit(o, [&](std::ostream& out) {
    out << a.in << ": " << (report->folder ? "folder" : "file") << "\n";
    if (report->meta_edk) out << ".meta: encryptedDataKey = " << *report->meta_edk << "\n";
    if (!report->meta_error.empty()) out << ".meta: " << report->meta_error << "\n";
    if (report->folder) {
      out << "_SUCCESS: " << (report->has_success ? "yes" : "no") << "\n";
      out << "parts: " << report->parts.size() << "\n";
    }
    for (const auto& p : report->parts) PrintPart(out, p);
    for (const auto& n : report->other_files) out << "  other file: " << n << "\n";
    if (report->folder && !report->hidden.empty()) {
      out << "hidden:";
      for (const auto& n : report->hidden) out << " " << n;
      out << "\n";
    }
  });
}

}  // namespace

void AddBigdlInspect(CLI::App& bigdl, Context& ctx) {
  auto a = std::make_shared<BigdlArgs>();
  a->format = "auto";
  CLI::App* cmd = bigdl.add_subcommand(
      "inspect", "Show formats, EDKs, IVs, .meta and parts; with a key also the MAC status");
  cmd->add_option("in", a->in, "BigDL file or folder")->required();
  AddCmkOptions(*cmd, *a);
  AddOfflineKeyOptions(*cmd, *a, true);
  cmd->add_option("--format", a->format, "auto, g3, g2, g1, native or fernet")
      ->capture_default_str();
  cmd->add_option("--g2-key", a->g2_key, "auto, aes128 or aes256")->capture_default_str();
  cmd->footer(
      "Examples:\n  ehsm bigdl inspect output.enc\n"
      "  ehsm bigdl inspect --primary-key primary.key output.enc   # also checks every MAC");
  cmd->callback([&ctx, a] { ctx.run = [&ctx, a] { return RunInspect(ctx, *a); }; });
}

}  // namespace ehsm_cli::bigdl
