// secret create|update-desc|put|list-versions|list|describe|delete|get|restore.

#include <iomanip>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "app.h"
#include "io.h"
#include "recipient.h"

namespace ehsm_cli {
namespace json = boost::json;
using kms::client::Error;

namespace {

struct SecretArgs {
  std::string name, data, desc, keyid, rotation;
  int recovery_days = 0;
  bool force = false;
  int64_t version = 0;
  std::string out;
  RecipientArgs recipient;  // get: attestation-gated release
};

// Secret values are text on the wire; taken from the argument, @FILE or - (stdin).
kms::client::Result<std::string> SecretData(Context& ctx, const SecretArgs& a) {
  auto d = ReadInput(a.data.empty() ? "-" : a.data, LiteralIs::kText, ctx.in);
  if (!d.ok()) return d.error();
  std::string s(kms::AsChars(d->view()));
  // A trailing newline from `echo` or a file is almost never part of the secret.
  if (a.data.empty() || a.data[0] == '@') {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  }
  return s;
}

void Simple(Context& ctx, CLI::App* c, std::shared_ptr<SecretArgs> a,
            std::function<kms::client::Result<void>(kms::client::Client&, SecretArgs&)> op,
            std::string done_word) {
  c->callback([&ctx, a, op, done_word] {
    ctx.run = [&ctx, a, op, done_word]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto r = op(**client, *a);
      if (!r.ok()) return ctx.Fail(r.error());
      return ctx.Emit({{"secretName", a->name}, {"message", (*client)->last_message()}},
                      [&](std::ostream& out) { out << (*client)->last_message() << "\n"; });
    };
  });
}

// GetSecretValue with a recipient block: the value comes back encrypted to the recipient's key.
kms::client::Result<kms::client::SecretValue> RecipientSecretValue(kms::client::Client& client,
                                                                  const SecretArgs& a) {
  EHSM_ASSIGN_OR_RETURN(auto recipient, Recipient::New(a.recipient));
  json::object p{{"secretName", a.name}};
  if (a.version > 0) p["versionId"] = a.version;
  kms::client::SecretValue v;
  EHSM_ASSIGN_OR_RETURN(json::object r,
                        recipient->Call(client, "GetSecretValue", std::move(p), &v.secret_data,
                                        Recipient::EmptyResult::kMeansNotFound));
  if (r.empty()) return v;
  v.found = true;
  v.secret_name = a.name;
  if (const json::value* n = r.if_contains("secretName"); n != nullptr && n->is_string()) {
    v.secret_name = std::string(n->get_string());
  }
  if (const json::value* id = r.if_contains("versionId"); id != nullptr && id->is_int64()) {
    v.version_id = id->get_int64();
  }
  if (const json::value* t = r.if_contains("createTime"); t != nullptr && t->is_int64()) {
    v.create_time = t->get_int64();
  }
  return v;
}

}  // namespace

void AddSecretCommands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<SecretArgs>();
  CLI::App* secret = app.add_subcommand("secret", "Secret manager: versioned encrypted values");
  secret->require_subcommand(1);

  CLI::App* create = secret->add_subcommand("create", "Create a secret (version 1)");
  create->add_option("name", a->name, "Secret name (1..64 characters)")->required();
  create->add_option("--data,-d", a->data, "Value: text, @FILE or - (default: stdin)");
  create->add_option("--desc", a->desc, "Description");
  create->add_option("--key,-k", a->keyid, "Encrypt under this CMK instead of the default");
  create->add_option("--rotation", a->rotation, "Rotation interval, e.g. 30d (6h..8760h)");
  create->footer("Example:\n  ehsm secret create db-password --data @pw.txt --desc 'prod DB'");
  Simple(ctx, create, a,
         [&ctx](kms::client::Client& c, SecretArgs& s) -> kms::client::Result<void> {
           auto data = SecretData(ctx, s);
           if (!data.ok()) return data.error();
           kms::client::CreateSecretRequest req{s.name, *data, s.keyid, s.desc, s.rotation};
           auto r = c.CreateSecret(req);
           explicit_bzero(data->data(), data->size());
           explicit_bzero(req.secret_data.data(), req.secret_data.size());
           return r;
         },
         "created");

  CLI::App* upd = secret->add_subcommand("update-desc", "Change a secret's description");
  upd->add_option("name", a->name, "Secret name")->required();
  upd->add_option("--desc", a->desc, "New description (empty removes it)");
  upd->footer("Example:\n  ehsm secret update-desc db-password --desc 'rotated monthly'");
  Simple(ctx, upd, a,
         [](kms::client::Client& c, SecretArgs& s) { return c.UpdateSecretDesc(s.name, s.desc); },
         "updated");

  CLI::App* put = secret->add_subcommand("put", "Store a new version, which becomes current");
  put->add_option("name", a->name, "Secret name")->required();
  put->add_option("--data,-d", a->data, "Value: text, @FILE or - (default: stdin)");
  put->footer("Example:\n  printf %s \"$NEWPW\" | ehsm secret put db-password");
  Simple(ctx, put, a,
         [&ctx](kms::client::Client& c, SecretArgs& s) -> kms::client::Result<void> {
           auto data = SecretData(ctx, s);
           if (!data.ok()) return data.error();
           auto r = c.PutSecretValue(s.name, *data);
           explicit_bzero(data->data(), data->size());
           return r;
         },
         "stored");

  CLI::App* versions = secret->add_subcommand("list-versions", "List a secret's version ids");
  versions->add_option("name", a->name, "Secret name")->required();
  versions->footer("Example:\n  ehsm secret list-versions db-password");
  versions->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto r = (*client)->ListSecretVersionIds(a->name);
      if (!r.ok()) return ctx.Fail(r.error());
      json::array ids;
      for (const auto& v : r->versions) {
        ids.push_back({{"versionId", v.version_id}, {"createTime", v.create_time}});
      }
      return ctx.Emit({{"secretName", r->secret_name}, {"totalCount", r->total_count},
                       {"versionIds", ids}},
                      [&](std::ostream& out) {
                        for (const auto& v : r->versions) {
                          out << v.version_id << "\t" << FormatTimeMs(v.create_time) << "\n";
                        }
                      });
    };
  });

  CLI::App* list = secret->add_subcommand("list", "List secrets (including pending deletion)");
  list->add_option("--name", a->name, "Only this secret");
  list->footer("Example:\n  ehsm secret list");
  list->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto r = (*client)->ListSecrets(a->name);
      if (!r.ok()) return ctx.Fail(r.error());
      json::array arr;
      for (const auto& s : r->secrets) {
        json::object o{{"secretName", s.secret_name}, {"createTime", s.create_time}};
        if (!s.description.empty()) o["description"] = s.description;
        if (s.planned_delete_time) o["plannedDeleteTime"] = *s.planned_delete_time;
        arr.push_back(std::move(o));
      }
      return ctx.Emit({{"totalCount", r->total_count}, {"secretList", arr}},
                      [&](std::ostream& out) {
                        if (r->secrets.empty()) out << "no secrets\n";
                        for (const auto& s : r->secrets) {
                          out << std::left << std::setw(30) << s.secret_name << " "
                              << FormatTimeMs(s.create_time);
                          if (s.planned_delete_time) {
                            out << "  deleted, purge at " << FormatTimeMs(*s.planned_delete_time);
                          }
                          if (!s.description.empty()) out << "  " << s.description;
                          out << "\n";
                        }
                      });
    };
  });

  CLI::App* describe = secret->add_subcommand("describe", "Show a secret's metadata");
  describe->add_option("name", a->name, "Secret name")->required();
  describe->footer("Example:\n  ehsm secret describe db-password");
  describe->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto d = (*client)->DescribeSecret(a->name);
      if (!d.ok()) return ctx.Fail(d.error());
      if (!d->found) return ctx.Fail(Error::Server(404, "no secret named " + a->name));
      json::object o{{"secretName", d->secret_name}, {"createTime", d->create_time}};
      if (!d->description.empty()) o["description"] = d->description;
      if (d->planned_delete_time) o["plannedDeleteTime"] = *d->planned_delete_time;
      if (!d->rotation_interval.empty()) o["rotationInterval"] = d->rotation_interval;
      if (d->next_rotation_date) o["nextRotationDate"] = *d->next_rotation_date;
      return ctx.Emit(o, [&](std::ostream& out) {
        out << "name:        " << d->secret_name << "\n"
            << "created:     " << FormatTimeMs(d->create_time) << "\n";
        if (!d->description.empty()) out << "description: " << d->description << "\n";
        if (!d->rotation_interval.empty()) out << "rotation:    " << d->rotation_interval << "\n";
        if (d->planned_delete_time) {
          out << "deleted; purged at " << FormatTimeMs(*d->planned_delete_time) << "\n";
        }
      });
    };
  });

  CLI::App* del = secret->add_subcommand(
      "delete", "Delete a secret (restorable during the recovery window unless --force)");
  del->add_option("name", a->name, "Secret name")->required();
  del->add_option("--recovery-days", a->recovery_days, "Days until purge (1..365, default 30)")
      ->check(CLI::Range(1, 365));
  del->add_flag("--force", a->force, "Delete immediately, without recovery");
  del->footer("Example:\n  ehsm secret delete db-password --recovery-days 7");
  Simple(ctx, del, a,
         [](kms::client::Client& c, SecretArgs& s) {
           return c.DeleteSecret(s.name, s.recovery_days, s.force);
         },
         "deleted");

  CLI::App* get = secret->add_subcommand("get", "Print a secret's value (current or --version)");
  get->add_option("name", a->name, "Secret name")->required();
  get->add_option("--version", a->version, "Version id (default: current)");
  get->add_option("--out,-o", a->out, "Write the value to this file (mode 0600)");
  AddRecipientOptions(get, a->recipient);
  get->footer("Example:\n  ehsm secret get db-password\n  ehsm secret get db-password --version 1\n"
              "Attestation-gated (sim; docs/attestation.md): the value travels encrypted to an\n"
              "ephemeral key bound into a sim quote:\n"
              "  ehsm secret get db-password --recipient-policy POLICYID \\\n"
              "      --sim-platform-secret data/platform.secret");
  get->callback([&ctx, a] {
    ctx.run = [&ctx, a]() -> int {
      auto client = ctx.MakeClient(true);
      if (!client.ok()) return ctx.Fail(client.error());
      auto v = a->recipient.requested() ? RecipientSecretValue(**client, *a)
                                        : (*client)->GetSecretValue(a->name, a->version);
      if (!v.ok()) return ctx.Fail(v.error());
      if (!v->found) {
        return ctx.Fail(Error::Server(404, "no version " + std::to_string(a->version) + " of " +
                                               a->name));
      }
      if (!a->out.empty()) {
        auto w = WriteOutputFile(a->out, v->secret_data.view());
        if (!w.ok()) return ctx.Fail(w.error());
      }
      json::object o{{"secretName", v->secret_name}, {"versionId", v->version_id},
                     {"createTime", v->create_time}};
      if (a->out.empty()) o["secretData"] = kms::AsChars(v->secret_data.view());
      int rc = ctx.Emit(o, [&](std::ostream& out) {
        if (a->out.empty()) out << kms::AsChars(v->secret_data.view()) << "\n";
      });
      if (auto* s = o.if_contains("secretData")) {
        explicit_bzero(s->as_string().data(), s->as_string().size());
      }
      return rc;
    };
  });

  CLI::App* restore = secret->add_subcommand("restore", "Cancel a pending deletion");
  restore->add_option("name", a->name, "Secret name")->required();
  restore->footer("Example:\n  ehsm secret restore db-password");
  Simple(ctx, restore, a,
         [](kms::client::Client& c, SecretArgs& s) { return c.RestoreSecret(s.name); },
         "restored");
}

}  // namespace ehsm_cli
