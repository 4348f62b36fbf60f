// bigdl decrypt: BigDL PPML part files and encrypted Spark folders back to plaintext.

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <set>

#include "bigdl/bigdl_commands.h"
#include "bigdl/bigdl_options.h"
#include "kms/bigdl/decrypt_job.h"
#include "progress_bar.h"

namespace ehsm_cli::bigdl {
namespace json = boost::json;
namespace kb = kms::bigdl;
using kms::client::Error;

namespace {

std::string_view MacWord(kb::MacStatus m) {
  switch (m) {
    case kb::MacStatus::kVerified:
      return "verified";
    case kb::MacStatus::kIgnored:
      return "mismatch (ignored)";
    case kb::MacStatus::kNone:
      return "none";
  }
  return "?";
}

json::object SummaryJson(const kb::DecryptSummary& s) {
  json::array parts;
  for (const auto& p : s.parts) {
    json::object o{{"input", p.input},
                   {"output", p.output},
                   {"format", kb::FormatName(p.format)},
                   {"input_bytes", p.input_bytes},
                   {"bytes", p.plaintext_bytes},
                   {"mac", MacWord(p.mac)},
                   {"key_source", p.key_source},
                   {"edk", p.edk}};
    if (p.format == kb::Format::kG2) o["g2_key"] = kb::G2KeyName(p.g2_key);
    json::array notes;
    for (const auto& n : p.notes) notes.push_back(json::string(n));
    o["notes"] = std::move(notes);
    parts.push_back(std::move(o));
  }
  json::array skipped, warnings;
  for (const auto& x : s.skipped) skipped.push_back(json::string(x));
  for (const auto& x : s.warnings) warnings.push_back(json::string(x));
  json::object o{{"folder", s.folder},
                 {"parts", std::move(parts)},
                 {"distinct_edks", s.distinct_edks},
                 {"skipped", std::move(skipped)},
                 {"warnings", std::move(warnings)},
                 {"success_copied", s.success_copied}};
  if (s.meta_edk) o["meta_edk"] = *s.meta_edk;
  return o;
}

void PrintSummary(std::ostream& out, const kb::DecryptSummary& s, const std::string& dest) {
  uint64_t bytes = 0;
  std::set<std::string> formats;
  size_t empty = 0;
  for (const auto& p : s.parts) {
    bytes += p.plaintext_bytes;
    formats.insert(std::string(kb::FormatName(p.format)));
    if (p.format == kb::Format::kEmpty) ++empty;
  }
  out << "decrypted " << s.parts.size() << (s.parts.size() == 1 ? " part" : " parts") << " ("
      << bytes << " bytes) -> " << dest << "\n";
  for (const auto& p : s.parts) {
    out << "  " << p.input << " -> " << p.output << "  " << kb::FormatName(p.format);
    if (p.format != kb::Format::kEmpty) {
      out << "  " << p.plaintext_bytes << " bytes  MAC " << MacWord(p.mac) << "  key from "
          << p.key_source;
    }
    if (p.format == kb::Format::kG2) out << "  " << kb::G2KeyName(p.g2_key);
    for (const auto& n : p.notes) out << "  [" << n << "]";
    out << "\n";
  }
  out << "formats:";
  for (const auto& f : formats) out << " " << f;
  out << "; empty parts: " << empty << "; distinct EDKs: " << s.distinct_edks;
  if (s.folder) out << "; _SUCCESS " << (s.success_copied ? "copied" : "absent");
  out << "\n";
  for (const auto& x : s.skipped) out << "  skipped " << x << "\n";
}

int RunDecrypt(Context& ctx, const BigdlArgs& a) {
  auto format = kb::ParseFormatChoice(a.format);
  if (!format) return ctx.Fail(Error::InvalidArgument("unknown --format " + a.format));
  auto g2 = G2KeyChoice(a);
  if (!g2.ok()) return ctx.Fail(g2.error());
  auto keys = KeyResolverFor(ctx, a);
  if (!keys.ok()) return ctx.Fail(keys.error());

  ProgressBar bar(ctx, kProgressMinBytes);
  kb::DecryptJob job;
  job.in = a.in;
  job.out = a.out;
  job.concat = a.concat;
  job.csv_header = a.csv_header;
  job.format = *format;
  job.stream.verify_mac = !a.no_verify;
  job.stream.g2_key = *g2;
  job.verify_first = a.verify_first;
  job.force = a.force;
  job.jobs = Jobs(a);
  job.stdin_stream = &ctx.in;
  job.stdout_stream = &ctx.out;
  job.on_total = [&bar](uint64_t total) { bar.SetTotal(total); };
  job.progress = [&bar](uint64_t n) { bar.Advance(n); };
  auto summary = kb::RunDecrypt(job, **keys);
  if (!summary.ok()) return ctx.Fail(summary.error());

  if (!ctx.quiet) {
    for (const auto& w : summary->warnings) ctx.err << "ehsm: warning: " << w << "\n";
  }
  // Plaintext on standard output: the summary must not mix with it.
  bool data_on_stdout = a.out == "-" || a.concat == "-";
  std::ostream& report = data_on_stdout ? ctx.err : ctx.out;
  if (ctx.json) {
    report << json::serialize(SummaryJson(*summary)) << "\n";
  } else if (!ctx.quiet) {
    PrintSummary(report, *summary, a.concat.empty() ? a.out : a.concat);
  }
  ctx.out.flush();
  return ctx.out ? kExitOk : kExitLocal;
}

}  // namespace

void AddBigdlDecrypt(CLI::App& bigdl, Context& ctx) {
  auto a = std::make_shared<BigdlArgs>();
  a->format = "auto";
  CLI::App* dec = bigdl.add_subcommand(
      "decrypt",
      "Decrypt a BigDL part file or encrypted Spark folder; nothing is written "
      "unless every MAC checks");
  dec->add_option("in", a->in, "Encrypted file or folder, or - for standard input")->required();
  dec->add_option("out", a->out,
                  "Output file or folder (a plain Spark folder), or - for standard output");
  AddCmkOptions(*dec, *a);
  AddOfflineKeyOptions(*dec, *a, true);
  dec->add_option("--format", a->format, "auto, g3, g2, g1, native or fernet")
      ->capture_default_str();
  dec->add_flag("--no-verify", a->no_verify,
                "Do not require a matching MAC (BigDL never checks it; needed for 2022-06 G2 "
                "files). The padding must still be valid");
  dec->add_flag("--verify-first,!--no-verify-first", a->verify_first,
                "Check every MAC before writing anything (default; costs a second read)");
  dec->add_option("--jobs", a->jobs, "Parts processed in parallel (default: one per core)")
      ->check(CLI::Range(1, 256));
  dec->add_option("--concat", a->concat,
                  "Write all parts, in name order, into this one file (- for standard output)");
  dec->add_flag("--csv-header", a->csv_header,
                "With --concat: keep the first part's first line, drop identical first lines of "
                "later parts");
  dec->add_option("--g2-key", a->g2_key,
                  "G2 files: aes128 (BigDL 2.2) or aes256 (BigDL 2.1); auto tells them apart")
      ->capture_default_str();
  dec->add_flag("--force", a->force, "Replace an existing OUT folder");
  dec->footer(
      "Examples:\n"
      "  ehsm bigdl decrypt --primary-key primary.key output.enc output.csv.d\n"
      "  ehsm bigdl decrypt --keyid KEYID output.enc --concat output.csv --csv-header\n"
      "  ehsm bigdl decrypt --keyid KEYID output.enc/part-00000-x-c000.csv.cbc -\n"
      "Keys: --data-key-plaintext, else each file's header EDK, else the folder's .meta, else\n"
      "--data-key-file; EDKs are unwrapped by the KMS (--keyid/--primary-key) or by\n"
      "--primary-key-plaintext, once per distinct EDK.");
  dec->callback([&ctx, a] { ctx.run = [&ctx, a] { return RunDecrypt(ctx, *a); }; });
}

}  // namespace ehsm_cli::bigdl
