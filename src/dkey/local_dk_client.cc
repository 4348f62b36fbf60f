#include "dkey/local_dk_client.h"

#include "dkey/local_protocol.h"
#include "dkey/local_socket.h"
#include "dkey/sealed_dk.h"

namespace kms::dkey {
namespace {

class LocalDkClient final : public DkUpstream {
 public:
  LocalDkClient(const LocalDkClientOptions& options, tee::TeePlatform& platform,
                const Policy& policy)
      : options_(options), platform_(platform), policy_(policy) {}

  StatusOr<FetchedDomainKey> Fetch() override {
    auto fetched = Exchange();
    if (fetched.ok()) return fetched;
    const Status& s = fetched.status();
    const std::string where = "dkeycache " + options_.socket_path + ": " + s.message();
    // A malformed answer is a broken or foreign server: as unreachable as none.
    if (s.code() == Code::kPermissionDenied) return Status::PermissionDenied(where);
    return Status::Unavailable(where);
  }

  std::string Describe() const override { return "dkeycache " + options_.socket_path; }

 private:
  StatusOr<FetchedDomainKey> Exchange() {
    const local::Deadline deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
    KMS_ASSIGN_OR_RETURN(local::UniqueFd fd, local::ConnectUnix(options_.socket_path));
    KMS_ASSIGN_OR_RETURN(Bytes hello, local::ReadFrame(fd.get(), deadline));
    KMS_ASSIGN_OR_RETURN(local::Nonce server_nonce, local::ParseHello(hello));
    local::Nonce client_nonce;
    KMS_RETURN_IF_ERROR(local::RandomNonce(client_nonce));
    KMS_ASSIGN_OR_RETURN(Bytes request,
                         local::MakeRequest(platform_, server_nonce, client_nonce));
    KMS_RETURN_IF_ERROR(local::WriteFrame(fd.get(), request, deadline));
    KMS_ASSIGN_OR_RETURN(Bytes answer, local::ReadFrame(fd.get(), deadline));
    KMS_ASSIGN_OR_RETURN(local::Granted granted,
                         local::ParseGrant(platform_, answer, server_nonce, client_nonce));
    Status allowed = policy_.Check(Role::kDkeyCache, granted.server);
    if (!allowed.ok()) {
      return Status::PermissionDenied("the dkeycache is not allowed to serve the key: " +
                                      allowed.message());
    }
    KMS_ASSIGN_OR_RETURN(std::string id, DomainKeyId(granted.dk.view()));
    return FetchedDomainKey{.dk = std::move(granted.dk),
                            .dk_id = std::move(id),
                            .served_by = options_.socket_path};
  }

  const LocalDkClientOptions options_;
  tee::TeePlatform& platform_;
  const Policy& policy_;
};

}  // namespace

std::unique_ptr<DkUpstream> NewLocalDkClient(const LocalDkClientOptions& options,
                                             tee::TeePlatform& platform, const Policy& policy) {
  return std::make_unique<LocalDkClient>(options, platform, policy);
}

}  // namespace kms::dkey
