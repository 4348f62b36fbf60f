// bigdl encrypt|decrypt|inspect|primary-key|data-key.

#include <CLI/CLI.hpp>

#include "app.h"
#include "bigdl/bigdl_commands.h"

namespace ehsm_cli {

void AddBigdlCommands(CLI::App& app, Context& ctx) {
  CLI::App* bigdl = app.add_subcommand(
      "bigdl", "BigDL PPML encrypted files and Spark folders (read and write, no JVM needed)");
  bigdl->require_subcommand(1);
  bigdl::AddBigdlEncrypt(*bigdl, ctx);
  bigdl::AddBigdlDecrypt(*bigdl, ctx);
  bigdl::AddBigdlInspect(*bigdl, ctx);
  bigdl::AddBigdlKeyCommands(*bigdl, ctx);
}

}  // namespace ehsm_cli
