// enroll, version.

#include <filesystem>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "app.h"

namespace ehsm_cli {
namespace json = boost::json;

void AddEnrollCommands(CLI::App& app, Context& ctx) {
  auto save = std::make_shared<bool>(false);
  CLI::App* enroll = app.add_subcommand(
      "enroll", "Create a new tenant (appid + apikey); --save stores them in the profile");
  enroll->add_flag("--save", *save,
                   "Write url, appid and apikey to the profile file (mode 0600) instead of "
                   "printing the apikey");
  enroll->footer("Example:\n  ehsm --url https://127.0.0.1:9000 --insecure enroll --save");
  enroll->callback([&ctx, save] {
    ctx.run = [&ctx, save]() -> int {
      auto creds = ctx.Credentials(false);
      if (!creds.ok()) return ctx.Fail(creds.error());
      auto client = ctx.MakeClient(false);
      if (!client.ok()) return ctx.Fail(client.error());
      auto e = (*client)->Enroll();
      if (!e.ok()) return ctx.Fail(e.error());
      json::object o{{"appid", e->appid}};
      if (*save) {
        Profile p = *creds;
        // The profile is used from any directory.
        if (!p.cacert.empty()) p.cacert = std::filesystem::absolute(p.cacert).string();
        p.appid = e->appid;
        p.apikey = e->apikey;
        std::string path =
            ctx.flags.profile_path.empty() ? DefaultProfilePath() : ctx.flags.profile_path;
        auto saved = SaveProfile(path, p);
        if (!saved.ok()) {
          // The tenant exists now; do not lose its key.
          ctx.err << "ehsm: could not save the profile; apikey: " << e->apikey << "\n";
          return ctx.Fail(saved.error());
        }
        o["profile"] = path;
      } else {
        o["apikey"] = e->apikey;
      }
      return ctx.Emit(o, [&](std::ostream& out) {
        out << "appid: " << e->appid << "\n";
        if (*save) {
          out << "apikey saved to " << o["profile"].as_string().c_str() << " (mode 0600)\n";
        } else {
          out << "apikey: " << e->apikey << "\n"
              << "Keep the apikey secret; use `--save` or EHSM_APIKEY rather than --apikey.\n";
        }
      });
    };
  });

  CLI::App* version = app.add_subcommand("version", "Show the server's version (no auth)");
  version->footer("Example:\n  ehsm --url https://127.0.0.1:9000 --insecure version");
  version->callback([&ctx] {
    ctx.run = [&ctx]() -> int {
      auto client = ctx.MakeClient(false);
      if (!client.ok()) return ctx.Fail(client.error());
      auto v = (*client)->GetVersion();
      if (!v.ok()) return ctx.Fail(v.error());
      return ctx.Emit({{"version", v->version}, {"git_sha", v->git_sha}});
    };
  });
}

}  // namespace ehsm_cli
