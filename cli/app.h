#pragma once
// The `ehsm` command line: one subcommand per KMS action plus envelope file encryption.
// Exit status: 0 success, 1 the KMS refused (its code and message are printed) or `quote verify`
// found the quote not verified, 2 usage error,
// 3 network or TLS failure, 4 local failure (file I/O, tampered or foreign file),
// 5 `verify` ran but the signature is invalid.

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include <boost/json/object.hpp>

#include "credentials.h"
#include "kms/client.h"

namespace CLI {
class App;
}

namespace ehsm_cli {

enum ExitCode { kExitOk = 0, kExitServer = 1, kExitUsage = 2, kExitNetwork = 3, kExitLocal = 4,
                kExitInvalidSignature = 5, kExitNotVerified = 1 };

// State shared by all subcommands of one invocation.
struct Context {
  Context(std::istream& i, std::ostream& o, std::ostream& e) : in(i), out(o), err(e) {}
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  FlagCredentials flags;
  bool json = false;
  bool quiet = false;
  int timeout_s = 30;
  bool stderr_is_tty = false;
  // The command chosen on the command line, run after parsing succeeded.
  std::function<int()> run;

  // Resolved credentials; `need_auth` requires appid and apikey.
  kms::client::Result<Profile> Credentials(bool need_auth);
  kms::client::Result<std::unique_ptr<kms::client::Client>> MakeClient(bool need_auth);

  // Prints an error (stderr; with --json also a JSON object on stdout) and returns its exit code.
  int Fail(const kms::client::Error& e);
  // Prints a result: with --json the object, else `human` (when set) or "key: value" lines.
  int Emit(const boost::json::object& o, const std::function<void(std::ostream&)>& human = {});
};

// Registered by the command groups.
void AddEnrollCommands(CLI::App& app, Context& ctx);
void AddKeyCommands(CLI::App& app, Context& ctx);
void AddCryptoCommands(CLI::App& app, Context& ctx);
void AddSecretCommands(CLI::App& app, Context& ctx);
void AddFileCommands(CLI::App& app, Context& ctx);
void AddBigdlCommands(CLI::App& app, Context& ctx);
void AddQuoteCommands(CLI::App& app, Context& ctx);

// Parses and runs; the whole CLI, with injectable streams for tests.
int RunCli(int argc, const char* const* argv, std::istream& in, std::ostream& out,
           std::ostream& err, bool stderr_is_tty = false);

}  // namespace ehsm_cli
