// bigdl encrypt: files or folders into BigDL PPML's encrypted formats (docs/bigdl.md).

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "bigdl/bigdl_commands.h"
#include "bigdl/bigdl_options.h"
#include "kms/bigdl/encrypt_job.h"
#include "progress_bar.h"

namespace ehsm_cli::bigdl {
namespace json = boost::json;
namespace kb = kms::bigdl;
using kms::client::Error;

namespace {

int RunEncrypt(Context& ctx, const BigdlArgs& a) {
  auto choice = kb::ParseFormatChoice(a.format);
  std::optional<kb::Format> format = choice ? kb::FormatOf(*choice) : std::nullopt;
  if (!format || *format == kb::Format::kG1 || *format == kb::Format::kG2) {
    return ctx.Fail(Error::InvalidArgument("--format must be g3, native or fernet"));
  }
  const kb::Format f = *format;
  std::string warning;
  auto key = DataKeyForWriting(ctx, a, f, &warning);
  if (!key.ok()) return ctx.Fail(key.error());
  if (!warning.empty() && !ctx.quiet) ctx.err << "ehsm: warning: " << warning << "\n";

  ProgressBar bar(ctx, kProgressMinBytes);
  kb::EncryptJob job;
  job.in = a.in;
  job.out = a.out;
  job.format = f;
  job.raw = a.raw;
  job.split_bytes = a.split_bytes;
  job.csv_header = a.csv_header;
  job.force = a.force;
  job.jobs = Jobs(a);
  job.stdin_stream = &ctx.in;
  job.on_total = [&bar](uint64_t total) { bar.SetTotal(total); };
  job.progress = [&bar](uint64_t n) { bar.Advance(n); };
  auto summary = kb::RunEncrypt(job, *key);
  if (!summary.ok()) return ctx.Fail(summary.error());

  json::array parts;
  uint64_t bytes = 0;
  for (const auto& p : summary->parts) {
    parts.push_back(
        json::object{{"input", p.input}, {"output", p.output}, {"bytes", p.plaintext_bytes}});
    bytes += p.plaintext_bytes;
  }
  json::object o{{"out", summary->out},
                 {"format", kb::FormatName(f)},
                 {"folder", summary->folder},
                 {"edk", key->edk},
                 {"parts", parts}};
  return ctx.Emit(o, [&](std::ostream& out) {
    if (ctx.quiet) return;
    out << "encrypted " << summary->parts.size()
        << (summary->parts.size() == 1 ? " part" : " parts") << " (" << bytes << " bytes, "
        << kb::FormatName(f) << ") -> " << summary->out
        << (summary->folder && f != kb::Format::kFernet ? " (with .meta and _SUCCESS)" : "")
        << "\n";
  });
}

}  // namespace

void AddBigdlEncrypt(CLI::App& bigdl, Context& ctx) {
  auto a = std::make_shared<BigdlArgs>();
  a->format = "g3";
  CLI::App* enc = bigdl.add_subcommand(
      "encrypt", "Encrypt a file or folder into a folder BigDL PPML reads (G3 by default)");
  enc->add_option("in", a->in, "Input file or folder (its visible files), or - with --raw")
      ->required();
  enc->add_option("out", a->out,
                  "Output folder: <name>.cbc parts, .meta, _SUCCESS (a file with --raw or for "
                  "a single Fernet input)")
      ->required();
  AddCmkOptions(*enc, *a);
  AddOfflineKeyOptions(*enc, *a, false);
  enc->add_option("--edk", a->edk,
                  "With --data-key-plaintext: the wrapped data key to record in headers and .meta");
  enc->add_option("--format", a->format,
                  "g3 (BigDL 2.3+), native (nativeaescbc) or fernet "
                  "(the Python kms-client tool)")
      ->capture_default_str();
  enc->add_flag("--raw", a->raw, "Write just the stream to OUT (for textFile or API use)");
  enc->add_option("--split-bytes", a->split_bytes,
                  "Cut each input at the first line end after N bytes into <name>-00000.cbc, ... "
                  "(one Spark task per part)");
  enc->add_flag("--csv-header", a->csv_header,
                "With --split-bytes: repeat the first line in every part");
  enc->add_flag("--force", a->force, "Replace an existing OUT folder");
  enc->add_option("--jobs", a->jobs, "Files encrypted in parallel (default: one per core)")
      ->check(CLI::Range(1, 256));
  enc->footer(
      "Examples:\n"
      "  ehsm bigdl primary-key create primary.key\n"
      "  ehsm bigdl encrypt --primary-key primary.key people.csv people.enc\n"
      "  ehsm bigdl encrypt --keyid KEYID --split-bytes 134217728 --csv-header big.csv big.enc\n"
      "Spark then reads people.enc with sc.read(AES_CBC_PKCS5PADDING, \"k\").csv(...).");
  enc->callback([&ctx, a] { ctx.run = [&ctx, a] { return RunEncrypt(ctx, *a); }; });
}

}  // namespace ehsm_cli::bigdl
