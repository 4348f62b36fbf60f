#pragma once
// Request routing: which path and which eHSM action a request target names. The eHSM API puts
// the action in the query string (`/ehsm?Action=Encrypt`); the path is matched as Express
// matches it upstream.

#include <string>
#include <string_view>

namespace kms::api {

struct Route {
  std::string path;    // the target up to the first '?', as sent (not decoded)
  std::string action;  // the first non-empty `Action` query value, percent-decoded; "" if none
};

// Splits a request target into its path and the first non-empty value of its `Action` query
// parameter (`Action=&Action=Encrypt` names Encrypt). Names and values are percent-decoded
// ('+' is a space); a malformed escape is kept as sent.
// Never fails: any input yields a Route, at most the size of the input.
Route ParseTarget(std::string_view target);

// True for "/ehsm" and "/ehsm/" in any letter case (Express routes case-insensitively).
bool IsEhsmPath(std::string_view path);

}  // namespace kms::api
