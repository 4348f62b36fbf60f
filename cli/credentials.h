#pragma once
// Where the CLI finds the KMS URL and the tenant credentials: flags, then the environment
// (EHSM_URL, EHSM_APPID, EHSM_APIKEY, EHSM_CACERT, EHSM_INSECURE), then the profile file
// (EHSM_PROFILE, else $XDG_CONFIG_HOME/ehsm/profile.toml, else ~/.config/ehsm/profile.toml).

#include <optional>
#include <string>

#include "kms/result.h"

namespace ehsm_cli {

struct Profile {
  std::string url;
  std::string appid;
  std::string apikey;
  std::string cacert;
  bool insecure = false;
};

// Default profile path, honouring EHSM_PROFILE and XDG_CONFIG_HOME.
std::string DefaultProfilePath();

// Reads a profile. A missing file gives an empty Profile; a malformed one an error. Sets
// `warning` when the file is readable by group or others.
kms::client::Result<Profile> LoadProfile(const std::string& path, std::string* warning);

// Writes a profile atomically with mode 0600, creating the directory (0700) if needed.
kms::client::Result<void> SaveProfile(const std::string& path, const Profile& profile);

struct FlagCredentials {
  std::string url, appid, apikey, cacert, profile_path;
  bool insecure = false;
};

// Merges flags over environment over profile (each field independently).
kms::client::Result<Profile> ResolveCredentials(const FlagCredentials& flags,
                                                std::string* warning);

}  // namespace ehsm_cli
