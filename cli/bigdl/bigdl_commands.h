#pragma once
// The `ehsm bigdl` command group: BigDL PPML encrypted files (docs/bigdl.md).

#include <cstdint>

#include "app.h"

namespace CLI {
class App;
}

namespace ehsm_cli::bigdl {

// Inputs smaller than this get no progress bar.
inline constexpr uint64_t kProgressMinBytes = 4u << 20;

void AddBigdlEncrypt(CLI::App& bigdl, Context& ctx);
void AddBigdlDecrypt(CLI::App& bigdl, Context& ctx);
void AddBigdlInspect(CLI::App& bigdl, Context& ctx);
void AddBigdlKeyCommands(CLI::App& bigdl, Context& ctx);

}  // namespace ehsm_cli::bigdl
