#include "credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/toml.h"

namespace ehsm_cli {
using kms::client::Error;
using kms::client::Result;

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::string(v) : std::string();
}

bool EnvTrue(const char* name) {
  std::string v = Env(name);
  return v == "1" || v == "true" || v == "yes";
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p with mode 0700 for the directories it creates.
bool MakeDirs(const std::string& dir) {
  if (dir.empty() || dir == "/" || dir == ".") return true;
  struct stat st;
  if (::stat(dir.c_str(), &st) == 0) return S_ISDIR(st.st_mode);
  if (!MakeDirs(DirOf(dir))) return false;
  return ::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST;
}

}  // namespace

std::string DefaultProfilePath() {
  if (std::string p = Env("EHSM_PROFILE"); !p.empty()) return p;
  if (std::string x = Env("XDG_CONFIG_HOME"); !x.empty()) return x + "/ehsm/profile.toml";
  return Env("HOME") + "/.config/ehsm/profile.toml";
}

Result<Profile> LoadProfile(const std::string& path, std::string* warning) {
  Profile p;
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return p;
    return Error::Local("cannot read profile " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0 && warning != nullptr) {
    *warning = "warning: profile " + path +
               " is readable by other users; run: chmod 600 " + path;
  }
  try {
    toml::table t = toml::parse_file(path);
    p.url = t["url"].value_or(std::string());
    p.appid = t["appid"].value_or(std::string());
    p.apikey = t["apikey"].value_or(std::string());
    p.cacert = t["cacert"].value_or(std::string());
    p.insecure = t["insecure"].value_or(false);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "profile " << path << " is not valid TOML: " << e.description() << " (line "
        << e.source().begin.line << ")";
    return Error::Local(msg.str());
  }
  return p;
}

Result<void> SaveProfile(const std::string& path, const Profile& profile) {
  if (!MakeDirs(DirOf(path))) {
    return Error::Local("cannot create directory " + DirOf(path) + ": " + std::strerror(errno));
  }
  toml::table t;
  t.insert("url", profile.url);
  t.insert("appid", profile.appid);
  t.insert("apikey", profile.apikey);
  if (!profile.cacert.empty()) t.insert("cacert", profile.cacert);
  if (profile.insecure) t.insert("insecure", true);
  std::ostringstream text;
  text << "# ehsm client profile: holds the apikey, keep it private (mode 0600).\n" << t << "\n";
  std::string data = text.str();

  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());  // mode 0600 from the start: the apikey is never exposed
  if (fd < 0) return Error::Local("cannot write profile " + path + ": " + std::strerror(errno));
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
            ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  explicit_bzero(data.data(), data.size());
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    return Error::Local("cannot write profile " + path + ": " + std::strerror(saved));
  }
  return {};
}

Result<Profile> ResolveCredentials(const FlagCredentials& flags, std::string* warning) {
  std::string path = flags.profile_path.empty() ? DefaultProfilePath() : flags.profile_path;
  EHSM_ASSIGN_OR_RETURN(Profile file, LoadProfile(path, warning));
  auto pick = [](const std::string& flag, const std::string& env, const std::string& file_v) {
    if (!flag.empty()) return flag;
    if (!env.empty()) return env;
    return file_v;
  };
  Profile out;
  out.url = pick(flags.url, Env("EHSM_URL"), file.url);
  out.appid = pick(flags.appid, Env("EHSM_APPID"), file.appid);
  out.apikey = pick(flags.apikey, Env("EHSM_APIKEY"), file.apikey);
  out.cacert = pick(flags.cacert, Env("EHSM_CACERT"), file.cacert);
  out.insecure = flags.insecure || EnvTrue("EHSM_INSECURE") || file.insecure;
  return out;
}

}  // namespace ehsm_cli
