#include <array>

#include "api/action.h"

namespace kms::api {
namespace {

constexpr std::array kActions = {
    ActionDef{"GetVersion", &GetVersion, false, false, RunOn::kInline},
    ActionDef{"Enroll", &Enroll, false, false, RunOn::kWorker},
    ActionDef{"CreateKey", &CreateKey, true, true, RunOn::kWorker},
    ActionDef{"Encrypt", &Encrypt, true, true, RunOn::kInlineWhenCached},
    ActionDef{"Decrypt", &Decrypt, true, true, RunOn::kInlineWhenCached},
    ActionDef{"GenerateDataKey", &GenerateDataKey, true, true, RunOn::kInlineWhenCached},
    ActionDef{"GenerateDataKeyWithoutPlaintext", &GenerateDataKeyWithoutPlaintext, true, true,
              RunOn::kInlineWhenCached},
    ActionDef{"AsymmetricEncrypt", &AsymmetricEncrypt, true, true, RunOn::kWorker},
    ActionDef{"AsymmetricDecrypt", &AsymmetricDecrypt, true, true, RunOn::kWorker},
    ActionDef{"Sign", &Sign, true, true, RunOn::kWorker},
    ActionDef{"Verify", &Verify, true, true, RunOn::kWorker},
    ActionDef{"GetPublicKey", &GetPublicKey, true, true, RunOn::kWorker},
    ActionDef{"ExportDataKey", &ExportDataKey, true, true, RunOn::kWorker},
    ActionDef{"GetParametersForImport", &GetParametersForImport, true, true, RunOn::kWorker},
    ActionDef{"ImportKeyMaterial", &ImportKeyMaterial, true, true, RunOn::kWorker},
    ActionDef{"ListKey", &ListKey, true, false, RunOn::kWorker},
    ActionDef{"DeleteKey", &DeleteKey, true, false, RunOn::kWorker},
    ActionDef{"DeleteAllKey", &DeleteAllKey, true, false, RunOn::kWorker},
    ActionDef{"EnableKey", &EnableKey, true, false, RunOn::kWorker},
    ActionDef{"DisableKey", &DisableKey, true, false, RunOn::kWorker},
    ActionDef{"CreateSecret", &CreateSecret, true, false, RunOn::kWorker},
    ActionDef{"UpdateSecretDesc", &UpdateSecretDesc, true, false, RunOn::kWorker},
    ActionDef{"PutSecretValue", &PutSecretValue, true, false, RunOn::kWorker},
    ActionDef{"ListSecretVersionIds", &ListSecretVersionIds, true, false, RunOn::kWorker},
    ActionDef{"ListSecrets", &ListSecrets, true, false, RunOn::kWorker},
    ActionDef{"DescribeSecret", &DescribeSecret, true, false, RunOn::kWorker},
    ActionDef{"DeleteSecret", &DeleteSecret, true, false, RunOn::kWorker},
    ActionDef{"GetSecretValue", &GetSecretValue, true, false, RunOn::kWorker},
    ActionDef{"RestoreSecret", &RestoreSecret, true, false, RunOn::kWorker},
    ActionDef{"GenerateQuote", &GenerateQuote, true, true, RunOn::kWorker},
    ActionDef{"VerifyQuote", &VerifyQuote, true, true, RunOn::kWorker},
    ActionDef{"UploadQuotePolicy", &UploadQuotePolicy, true, false, RunOn::kWorker},
    ActionDef{"GetQuotePolicy", &GetQuotePolicy, true, false, RunOn::kWorker},
};

}  // namespace

const ActionDef* FindAction(std::string_view name) {
  for (const ActionDef& a : kActions) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::span<const ActionDef> AllActions() { return kActions; }

}  // namespace kms::api
