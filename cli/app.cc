#include "app.h"

#include <iostream>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

namespace ehsm_cli {
namespace json = boost::json;
using kms::client::Client;
using kms::client::Error;
using kms::client::ErrorKind;
using kms::client::Result;

Result<Profile> Context::Credentials(bool need_auth) {
  std::string warning;
  auto p = ResolveCredentials(flags, &warning);
  if (!warning.empty() && !quiet) err << warning << "\n";
  if (!p.ok()) return p;
  if (p->url.empty()) {
    return Error::InvalidArgument(
        "no KMS URL: pass --url, set EHSM_URL, or run `ehsm enroll --url URL --save`");
  }
  if (need_auth && (p->appid.empty() || p->apikey.empty())) {
    return Error::InvalidArgument(
        "no credentials: set EHSM_APPID and EHSM_APIKEY, or run `ehsm enroll --save`");
  }
  return p;
}

Result<std::unique_ptr<Client>> Context::MakeClient(bool need_auth) {
  EHSM_ASSIGN_OR_RETURN(Profile p, Credentials(need_auth));
  kms::client::Options o;
  o.url = p.url;
  o.appid = p.appid;
  o.apikey = std::move(p.apikey);
  o.tls.ca_file = p.cacert;
  o.tls.insecure = p.insecure;
  o.timeouts.total = std::chrono::seconds(timeout_s);
  return Client::New(std::move(o));
}

int Context::Fail(const Error& e) {
  err << "ehsm: " << e.ToString() << "\n";
  if (e.kind() == ErrorKind::kTransport && e.message().find("certificate") != std::string::npos) {
    err << "hint: pass --cacert FILE with the server's CA, or --insecure for a self-signed "
           "test server\n";
  }
  if (json) {
    json::object o;
    o["error"] = {{"kind", kms::client::ErrorKindName(e.kind())},
                  {"code", e.code()},
                  {"message", e.message()}};
    out << json::serialize(o) << "\n";
  }
  switch (e.kind()) {
    case ErrorKind::kServer:
    case ErrorKind::kHttp:
    case ErrorKind::kProtocol: return kExitServer;
    case ErrorKind::kTransport: return kExitNetwork;
    case ErrorKind::kInvalidArgument: return kExitUsage;
    default: return kExitLocal;
  }
}

int Context::Emit(const json::object& o, const std::function<void(std::ostream&)>& human) {
  if (json) {
    out << json::serialize(o) << "\n";
  } else if (human) {
    human(out);
  } else {
    for (const auto& kv : o) {
      out << kv.key() << ": ";
      if (kv.value().is_string()) {
        out << kv.value().get_string().c_str();
      } else {
        out << json::serialize(kv.value());
      }
      out << "\n";
    }
  }
  out.flush();
  return out ? kExitOk : kExitLocal;
}

int RunCli(int argc, const char* const* argv, std::istream& in, std::ostream& out,
           std::ostream& err, bool stderr_is_tty) {
  Context ctx(in, out, err);
  ctx.stderr_is_tty = stderr_is_tty;
  CLI::App app{"ehsm: command-line client of the eHSM key management service", "ehsm"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the subcommand
  app.set_help_all_flag("--help-all", "Help for every subcommand");
  app.footer(
      "Credentials: --url/--appid/--apikey, else EHSM_URL/EHSM_APPID/EHSM_APIKEY, else the\n"
      "profile written by `ehsm enroll --save` (EHSM_PROFILE or ~/.config/ehsm/profile.toml).\n"
      "Inputs: literal argument, @FILE, or - for stdin. Exit: 0 ok, 1 KMS error, 2 usage,\n"
      "3 network/TLS, 4 local file or integrity error, 5 invalid signature; `quote verify`:\n"
      "1 = not verified.\n\n"
      "Example:\n  ehsm --url https://127.0.0.1:9000 --insecure enroll --save\n"
      "  ehsm key create --spec aes-gcm-256\n  ehsm file encrypt --key KEYID report.pdf "
      "report.pdf.enc");

  app.add_option("--url", ctx.flags.url, "KMS base URL, e.g. https://127.0.0.1:9000 [EHSM_URL]");
  app.add_option("--appid", ctx.flags.appid, "Tenant appid [EHSM_APPID]");
  app.add_option("--apikey", ctx.flags.apikey,
                 "Tenant apikey. Discouraged: visible in process listings; prefer EHSM_APIKEY "
                 "or the profile");
  app.add_option("--profile", ctx.flags.profile_path,
                 "Profile file [EHSM_PROFILE, default ~/.config/ehsm/profile.toml]");
  app.add_option("--cacert", ctx.flags.cacert,
                 "PEM CA file to verify the server certificate [EHSM_CACERT]");
  app.add_flag("--insecure", ctx.flags.insecure,
               "Do not verify the server certificate (self-signed test servers only)");
  app.add_flag("--json", ctx.json, "Print results as JSON");
  app.add_flag("-q,--quiet", ctx.quiet, "No progress bar or warnings");
  app.add_option("--timeout", ctx.timeout_s, "Per-request timeout in seconds")
      ->check(CLI::Range(1, 3600));

  // The last occurrence wins, so wrappers can override options they passed earlier.
  for (const char* name : {"--url", "--appid", "--apikey", "--profile", "--cacert", "--timeout"}) {
    app.get_option(name)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  }

  AddEnrollCommands(app, ctx);
  AddKeyCommands(app, ctx);
  AddCryptoCommands(app, ctx);
  AddSecretCommands(app, ctx);
  AddFileCommands(app, ctx);
  AddBigdlCommands(app, ctx);
  AddQuoteCommands(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, out, err) == 0 ? kExitOk : kExitUsage;
  }
  if (!ctx.run) return kExitUsage;
  return ctx.run();
}

}  // namespace ehsm_cli
