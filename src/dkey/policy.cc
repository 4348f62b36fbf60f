#include "dkey/policy.h"

#include <limits>
#include <sstream>

#include "common/file_util.h"
#include "common/toml.h"
#include "common/toml_text.h"

namespace kms::dkey {
namespace {

constexpr Role kRoles[] = {Role::kDkeyServer, Role::kDkeyCache, Role::kKms};

// Builds messages of the form "policy file F: [[kms]] entry 2 (line 7): key mrsigner: ...".
class Where {
 public:
  explicit Where(const std::string& source) : source_(source) {}
  Where Entry(Role role, size_t index, int line) const {
    Where w = *this;
    w.entry_ = "[[" + std::string(RoleName(role)) + "]] entry " + std::to_string(index + 1) +
               " (line " + std::to_string(line) + ")";
    return w;
  }
  Status Error(std::string_view key, std::string_view what) const {
    std::string msg = "policy file " + source_ + ": ";
    if (!entry_.empty()) msg += entry_ + ": ";
    if (!key.empty()) msg += "key " + std::string(key) + ": ";
    return Status::InvalidArgument(msg + std::string(what));
  }

 private:
  std::string source_;
  std::string entry_;
};

StatusOr<Bytes> ParseMeasurement(const toml::node& node, std::string_view key, const Where& at) {
  const std::optional<std::string> text = node.value<std::string>();
  if (!node.is_string() || !text) return at.Error(key, "must be a string of 64 hex digits");
  std::optional<Bytes> bytes = HexDecode(*text);
  if (!bytes || bytes->size() != 32) {
    return at.Error(key, "must be 64 hex digits (32 bytes), got \"" + *text + "\"");
  }
  return std::move(*bytes);
}

StatusOr<uint16_t> ParseU16(const toml::node& node, std::string_view key, const Where& at) {
  const std::optional<int64_t> v = node.is_integer() ? node.value<int64_t>() : std::nullopt;
  if (!v) return at.Error(key, "must be an integer");
  if (*v < 0 || *v > std::numeric_limits<uint16_t>::max()) {
    return at.Error(key, "must be 0..65535, got " + std::to_string(*v));
  }
  return static_cast<uint16_t>(*v);
}

StatusOr<bool> ParseBool(const toml::node& node, std::string_view key, const Where& at) {
  if (!node.is_boolean()) return at.Error(key, "must be true or false");
  return *node.value<bool>();
}

StatusOr<IdentityRule> ParseRule(const toml::table& entry, const Where& at) {
  IdentityRule rule;
  rule.line = static_cast<int>(entry.source().begin.line);
  bool have_mrsigner = false;
  for (auto&& [k, node] : entry) {
    const std::string_view key = k.str();
    if (key == "mrsigner") {
      KMS_ASSIGN_OR_RETURN(rule.mrsigner, ParseMeasurement(node, key, at));
      have_mrsigner = true;
    } else if (key == "mrenclave") {
      KMS_ASSIGN_OR_RETURN(rule.mrenclave, ParseMeasurement(node, key, at));
    } else if (key == "isvprodid") {
      KMS_ASSIGN_OR_RETURN(rule.isvprodid, ParseU16(node, key, at));
    } else if (key == "min_isvsvn") {
      KMS_ASSIGN_OR_RETURN(rule.min_isvsvn, ParseU16(node, key, at));
    } else if (key == "allow_debug") {
      KMS_ASSIGN_OR_RETURN(rule.allow_debug, ParseBool(node, key, at));
    } else {
      return at.Error(key, "unknown key (known: mrsigner, mrenclave, isvprodid, min_isvsvn, "
                           "allow_debug)");
    }
  }
  if (!have_mrsigner) return at.Error("mrsigner", "missing (required in every entry)");
  return rule;
}

std::optional<Role> RoleOf(std::string_view section) {
  for (Role r : kRoles) {
    if (RoleName(r) == section) return r;
  }
  return std::nullopt;
}

// Why `rule` does not admit `id`, or nullopt when it does. Checked in the order an operator
// would look: who signed it, which enclave, which product, how recent, debuggable or not.
std::optional<std::string> Mismatch(const IdentityRule& rule, const attest::QuoteIdentity& id) {
  if (id.mrsigner != rule.mrsigner) return "mrsigner is not " + HexEncode(rule.mrsigner);
  if (rule.mrenclave && id.mrenclave != *rule.mrenclave) {
    return "mrenclave is not " + HexEncode(*rule.mrenclave);
  }
  if (rule.isvprodid && id.isvprodid != *rule.isvprodid) {
    return "isvprodid " + std::to_string(id.isvprodid) + " is not " +
           std::to_string(*rule.isvprodid);
  }
  if (id.isvsvn < rule.min_isvsvn) {
    return "isvsvn " + std::to_string(id.isvsvn) + " is below min_isvsvn " +
           std::to_string(rule.min_isvsvn);
  }
  if (id.debug && !rule.allow_debug) return "debug identity and allow_debug is false";
  return std::nullopt;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kDkeyServer:
      return "dkeyserver";
    case Role::kDkeyCache:
      return "dkeycache";
    case Role::kKms:
      return "kms";
  }
  return "unknown";
}

std::string DescribeIdentity(const attest::QuoteIdentity& id) {
  std::ostringstream s;
  s << "tee=" << (id.tee.empty() ? "-" : id.tee) << " mrsigner=" << HexEncode(id.mrsigner)
    << " mrenclave=" << HexEncode(id.mrenclave) << " isvprodid=" << id.isvprodid
    << " isvsvn=" << id.isvsvn << " debug=" << (id.debug ? "true" : "false");
  return s.str();
}

StatusOr<Policy> Policy::LoadFile(const std::string& path) {
  auto bytes = ReadFileBytes(path);
  if (!bytes.ok()) {
    if (bytes.status().code() == Code::kNotFound) {
      return Status::NotFound("policy file " + path + " does not exist");
    }
    return bytes.status();
  }
  return Parse(AsChars(*bytes), path);
}

StatusOr<Policy> Policy::Parse(std::string_view text, const std::string& source) {
  const Where at(source);
  toml::table doc;
  KMS_RETURN_IF_ERROR(CheckTomlText(text, source));
  try {
    // Debian builds toml++ with exceptions, so parse errors arrive as toml::parse_error.
    doc = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return at.Error("", std::string(e.description()) + " at line " +
                            std::to_string(e.source().begin.line));
  }
  Policy policy;
  policy.source_ = source;
  for (auto&& [k, node] : doc) {
    const std::string_view key = k.str();
    if (key == "allow_simulation") {
      KMS_ASSIGN_OR_RETURN(policy.allow_simulation_, ParseBool(node, key, at));
      continue;
    }
    const std::optional<Role> role = RoleOf(key);
    if (!role) {
      return at.Error(key, "unknown key (known: allow_simulation, [[dkeyserver]], "
                           "[[dkeycache]], [[kms]])");
    }
    if (!node.is_array_of_tables()) {
      return at.Error(key, "must be written [[" + std::string(key) +
                               "]] (an array of tables: one per allowed identity)");
    }
    std::vector<IdentityRule>& rules = policy.rules_[static_cast<int>(*role)];
    const toml::array& entries = *node.as_array();
    for (size_t i = 0; i < entries.size(); ++i) {
      const toml::table& entry = *entries[i].as_table();
      const Where entry_at = at.Entry(*role, i, static_cast<int>(entry.source().begin.line));
      KMS_ASSIGN_OR_RETURN(IdentityRule rule, ParseRule(entry, entry_at));
      rules.push_back(std::move(rule));
    }
  }
  return policy;
}

const std::vector<IdentityRule>& Policy::rules(Role role) const {
  return rules_[static_cast<int>(role)];
}

Status Policy::Check(Role role, const attest::QuoteIdentity& id) const {
  const std::string section = "[[" + std::string(RoleName(role)) + "]]";
  auto refuse = [&](const std::string& why) {
    return Status::PermissionDenied("policy " + source_ + " refuses " + DescribeIdentity(id) +
                                    " as " + std::string(RoleName(role)) + ": " + why);
  };
  if (id.tee == "sim" && !allow_simulation_) {
    return refuse("a simulated (tee=sim) identity and the policy does not set allow_simulation");
  }
  if (id.tee != "sim" && id.tee != "sgx") {
    return refuse("tee '" + id.tee + "' has no enclave identity (mrsigner, mrenclave) to check");
  }
  const std::vector<IdentityRule>& entries = rules(role);
  if (entries.empty()) return refuse("the policy has no " + section + " entry");
  std::vector<std::string> misses;
  for (size_t i = 0; i < entries.size(); ++i) {
    std::optional<std::string> miss = Mismatch(entries[i], id);
    if (!miss) return Status::Ok();
    misses.push_back(section + " entry " + std::to_string(i + 1) + " (line " +
                     std::to_string(entries[i].line) + "): " + *miss);
  }
  std::string why = misses.size() == 1 ? misses.front() : "no " + section + " entry matches";
  if (misses.size() > 1) {
    for (const std::string& m : misses) why += "; " + m;
  }
  return refuse(why);
}

std::string Policy::Summary() const {
  std::ostringstream s;
  s << "policy=" << source_ << " allow_simulation=" << (allow_simulation_ ? "true" : "false");
  for (Role r : kRoles) s << " " << RoleName(r) << "=" << rules(r).size();
  return s.str();
}

}  // namespace kms::dkey
