#pragma once
// The action table: one entry per eHSM action, with its handler and how the dispatcher must
// treat it. Handlers are plain synchronous functions; the dispatcher decides where they run.

#include <boost/json/object.hpp>

#include <span>
#include <string>
#include <string_view>

#include "api/kms_context.h"
#include "api/reply.h"

namespace kms::api {

struct ActionRequest {
  std::string appid;                   // authenticated caller; empty for GetVersion/Enroll
  const boost::json::object& payload;  // the validated payload; {} when the body had none
  std::string_view request_id;
};

using ActionHandler = Reply (*)(KmsContext& ctx, const ActionRequest& request);

// Where the dispatcher runs an action's handler.
enum class RunOn {
  // On a worker of the pool: it may read the store or do slow crypto.
  kWorker,
  // On the event loop that received it: it touches nothing shared (GetVersion).
  kInline,
  // On the event loop when the tenant and key records it names are cached (it then runs with
  // exactly those records, KmsContext::ScopedPin), else on a worker: symmetric crypto on small
  // inputs, cheaper than the hop to a worker and back. A release to an attested recipient
  // always goes to a worker (it reads a quote policy and verifies a quote).
  kInlineWhenCached,
};

struct ActionDef {
  std::string_view name;
  ActionHandler handler;
  bool authenticated;     // false only for GetVersion and Enroll (HTTP GET)
  bool payload_required;  // the "cryptographic" group refuses a missing payload up front
  RunOn run_on;
};

// nullptr for an unknown action name (names are case-sensitive).
const ActionDef* FindAction(std::string_view name);
// Every action, in a fixed order (FindAction returns pointers into it).
std::span<const ActionDef> AllActions();

// GetVersion's answer for `options`; also what the server answers while it has no service
// (no domain key yet, or a refused one).
Reply VersionReply(const ServiceOptions& options);

// Handlers, grouped by file in api/actions/.
Reply GetVersion(KmsContext& ctx, const ActionRequest& r);
Reply Enroll(KmsContext& ctx, const ActionRequest& r);
Reply CreateKey(KmsContext& ctx, const ActionRequest& r);
Reply ListKey(KmsContext& ctx, const ActionRequest& r);
Reply DeleteKey(KmsContext& ctx, const ActionRequest& r);
Reply DeleteAllKey(KmsContext& ctx, const ActionRequest& r);
Reply EnableKey(KmsContext& ctx, const ActionRequest& r);
Reply DisableKey(KmsContext& ctx, const ActionRequest& r);
Reply Encrypt(KmsContext& ctx, const ActionRequest& r);
Reply Decrypt(KmsContext& ctx, const ActionRequest& r);
Reply GenerateDataKey(KmsContext& ctx, const ActionRequest& r);
Reply GenerateDataKeyWithoutPlaintext(KmsContext& ctx, const ActionRequest& r);
Reply AsymmetricEncrypt(KmsContext& ctx, const ActionRequest& r);
Reply AsymmetricDecrypt(KmsContext& ctx, const ActionRequest& r);
Reply Sign(KmsContext& ctx, const ActionRequest& r);
Reply Verify(KmsContext& ctx, const ActionRequest& r);
Reply GetPublicKey(KmsContext& ctx, const ActionRequest& r);
Reply ExportDataKey(KmsContext& ctx, const ActionRequest& r);
Reply GetParametersForImport(KmsContext& ctx, const ActionRequest& r);
Reply ImportKeyMaterial(KmsContext& ctx, const ActionRequest& r);
// Secret manager (a missing payload fails validation: the name is required).
Reply CreateSecret(KmsContext& ctx, const ActionRequest& r);
Reply UpdateSecretDesc(KmsContext& ctx, const ActionRequest& r);
Reply PutSecretValue(KmsContext& ctx, const ActionRequest& r);
Reply ListSecretVersionIds(KmsContext& ctx, const ActionRequest& r);
Reply ListSecrets(KmsContext& ctx, const ActionRequest& r);
Reply DescribeSecret(KmsContext& ctx, const ActionRequest& r);
Reply DeleteSecret(KmsContext& ctx, const ActionRequest& r);
Reply GetSecretValue(KmsContext& ctx, const ActionRequest& r);
Reply RestoreSecret(KmsContext& ctx, const ActionRequest& r);
// Remote attestation (a missing payload of GenerateQuote/VerifyQuote is refused up front, as
// upstream's napi group does).
Reply GenerateQuote(KmsContext& ctx, const ActionRequest& r);
Reply VerifyQuote(KmsContext& ctx, const ActionRequest& r);
Reply UploadQuotePolicy(KmsContext& ctx, const ActionRequest& r);
Reply GetQuotePolicy(KmsContext& ctx, const ActionRequest& r);

}  // namespace kms::api
