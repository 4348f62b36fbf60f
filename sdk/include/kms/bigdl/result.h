#pragma once
// The BigDL code reports errors as the client library does: Result<T> and Error, where kLocal
// means a file, format or integrity problem and kInvalidArgument a usage error.

#include "kms/result.h"

namespace kms::bigdl {

using client::Error;
using client::ErrorKind;
using client::Result;

}  // namespace kms::bigdl
