#include <array>

#include "api/action.h"

namespace kms::api {
namespace {

constexpr std::array kActions = {
    ActionDef{"GetVersion", &GetVersion, false, false},
    ActionDef{"Enroll", &Enroll, false, false},
    ActionDef{"CreateKey", &CreateKey, true, true},
    ActionDef{"Encrypt", &Encrypt, true, true},
    ActionDef{"Decrypt", &Decrypt, true, true},
    ActionDef{"GenerateDataKey", &GenerateDataKey, true, true},
    ActionDef{"GenerateDataKeyWithoutPlaintext", &GenerateDataKeyWithoutPlaintext, true, true},
    ActionDef{"AsymmetricEncrypt", &AsymmetricEncrypt, true, true},
    ActionDef{"AsymmetricDecrypt", &AsymmetricDecrypt, true, true},
    ActionDef{"Sign", &Sign, true, true},
    ActionDef{"Verify", &Verify, true, true},
    ActionDef{"GetPublicKey", &GetPublicKey, true, true},
    ActionDef{"ExportDataKey", &ExportDataKey, true, true},
    ActionDef{"GetParametersForImport", &GetParametersForImport, true, true},
    ActionDef{"ImportKeyMaterial", &ImportKeyMaterial, true, true},
    ActionDef{"ListKey", &ListKey, true, false},
    ActionDef{"DeleteKey", &DeleteKey, true, false},
    ActionDef{"DeleteAllKey", &DeleteAllKey, true, false},
    ActionDef{"EnableKey", &EnableKey, true, false},
    ActionDef{"DisableKey", &DisableKey, true, false},
    ActionDef{"CreateSecret", &CreateSecret, true, false},
    ActionDef{"UpdateSecretDesc", &UpdateSecretDesc, true, false},
    ActionDef{"PutSecretValue", &PutSecretValue, true, false},
    ActionDef{"ListSecretVersionIds", &ListSecretVersionIds, true, false},
    ActionDef{"ListSecrets", &ListSecrets, true, false},
    ActionDef{"DescribeSecret", &DescribeSecret, true, false},
    ActionDef{"DeleteSecret", &DeleteSecret, true, false},
    ActionDef{"GetSecretValue", &GetSecretValue, true, false},
    ActionDef{"RestoreSecret", &RestoreSecret, true, false},
    ActionDef{"GenerateQuote", &GenerateQuote, true, true},
    ActionDef{"VerifyQuote", &VerifyQuote, true, true},
    ActionDef{"UploadQuotePolicy", &UploadQuotePolicy, true, false},
    ActionDef{"GetQuotePolicy", &GetQuotePolicy, true, false},
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
