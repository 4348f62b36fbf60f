#include "server/audit_command.h"

#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_verify.h"
#include "common/config_binder.h"
#include "common/file_util.h"
#include "keys/domain_key.h"
#include "tee/identity_config.h"
#include "tee/platform_factory.h"

namespace kms::server {
namespace {

struct VerifyArgs {
  std::string data_dir = "/var/lib/ehsm-kms";
  tee::IdentityConfig identity = tee::DefaultIdentity("ehsm-kms", /*isvprodid=*/0);
  bool no_domain_key = false;
  std::vector<std::string> files;
};

// The checkpoint key of the domain key sealed in the data dir; nullopt (with `why`) when there
// is none there. An error when there is one that does not unseal.
StatusOr<std::optional<audit::CheckpointKey>> LoadKey(VerifyArgs& a, std::string& why) {
  const std::string sealed = a.data_dir + "/domain_key.sealed";
  if (a.no_domain_key) {
    why = "--no-domain-key";
    return std::optional<audit::CheckpointKey>();
  }
  if (!FileExists(sealed)) {
    why = "no " + sealed;
    return std::optional<audit::CheckpointKey>();
  }
  if (a.identity.platform_secret.empty()) a.identity.platform_secret = a.data_dir + "/platform.secret";
  KMS_RETURN_IF_ERROR(tee::CheckIdentity(a.identity));
  KMS_ASSIGN_OR_RETURN(auto platform, tee::OpenPlatform(tee::ToPlatformSpec(a.identity)));
  // A count above zero: never make a domain key here, only read the one there is.
  KMS_ASSIGN_OR_RETURN(auto dk, keys::LoadOrCreateSealedDomainKey(*platform, sealed, 1));
  return std::optional<audit::CheckpointKey>(
      audit::CheckpointKey{dk->audit_checkpoint_key().Clone(), dk->IdHex()});
}

int Verify(int argc, char** argv) {
  VerifyArgs a;
  CLI::App app{"ehsm-kms audit verify: check the hash chain and checkpoints of audit log files"};
  const std::map<std::string, std::string> no_file;
  config::Binder b(app, no_file, "EHSM_");
  b.Add("data_dir", a.data_dir, "the server's data directory (holds domain_key.sealed)");
  tee::AddIdentityFlags(b, a.identity);
  app.add_flag("--no-domain-key", a.no_domain_key,
               "check the hash chain only, not the checkpoint signatures");
  app.add_option("files", a.files, "audit log files, oldest first (rotated ones, then audit.log)")
      ->required();
  Status parsed = b.Parse(argc, argv, "");
  if (!parsed.ok()) {
    if (parsed.code() == Code::kAborted) return 0;
    std::cerr << "ehsm-kms audit verify: " << parsed.message() << "\n";
    return 2;
  }
  std::string why;
  auto key = LoadKey(a, why);
  if (!key.ok()) {
    std::cerr << "ehsm-kms audit verify: cannot load the domain key: " << key.status().message()
              << "\n";
    return 2;
  }
  audit::VerifyReport report = audit::VerifyAuditFiles(a.files, *key);
  std::cout << audit::FormatReport(report, key->has_value());
  if (!key->has_value()) std::cout << " [" << why << "]";
  std::cout << "\n";
  return report.ok ? 0 : 1;
}

}  // namespace

int RunAuditCommand(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "verify") return Verify(argc - 1, argv + 1);
  std::cerr << "usage: ehsm-kms audit verify [--data-dir DIR] [--no-domain-key] FILE...\n";
  return 2;
}

}  // namespace kms::server
