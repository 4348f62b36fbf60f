#include "dkey/testing/test_upstream.h"

#include "common/file_util.h"
#include "dkey/sealed_dk.h"

namespace kms::dkey::testing {
namespace {

StatusOr<FetchedDomainKey> Granted(ByteView dk, const std::string& by) {
  KMS_ASSIGN_OR_RETURN(std::string id, DomainKeyId(dk));
  return FetchedDomainKey{.dk = SecretBytes(dk), .dk_id = std::move(id), .served_by = by};
}

}  // namespace

void ScriptedUpstream::Grant(ByteView dk) {
  std::lock_guard lock(mu_);
  dk_.assign(dk.begin(), dk.end());
  denied_ = false;
}

void ScriptedUpstream::Unavailable() {
  std::lock_guard lock(mu_);
  dk_.clear();
  denied_ = false;
}

void ScriptedUpstream::Deny() {
  std::lock_guard lock(mu_);
  dk_.clear();
  denied_ = true;
}

StatusOr<FetchedDomainKey> ScriptedUpstream::Fetch() {
  ++fetches_;
  std::lock_guard lock(mu_);
  if (denied_) return Status::PermissionDenied("scripted upstream: denied");
  if (dk_.empty()) return Status::Unavailable("scripted upstream: unavailable");
  return Granted(dk_, Describe());
}

StatusOr<FetchedDomainKey> FileUpstream::Fetch() {
  auto content = ReadFileBytes(control_file_);
  if (!content.ok()) return Status::Unavailable(Describe() + ": no control file");
  std::string text(AsChars(*content));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  if (text == "denied") return Status::PermissionDenied(Describe() + ": denied");
  auto dk = HexDecode(text);
  if (text == "unavailable" || !dk) return Status::Unavailable(Describe() + ": unavailable");
  return Granted(*dk, Describe());
}

}  // namespace kms::dkey::testing
