#pragma once
// The files `ehsm-pccs import` reads, turned into (not yet verified) collateral items:
//
//  * a dcap-qvl JSON bundle (test/vectors/dcap/*_collateral.json): its TCB info, QE identity,
//    PCK CRL and root CA CRL;
//  * a raw PCS/PCCS response saved with its headers (`curl -i` / `curl -D -`): the status
//    line, the headers, a blank line, the body. The issuer-chain header says what it is:
//    TCB-Info-Issuer-Chain (or v3's SGX-TCB-Info-Issuer-Chain), SGX-Enclave-Identity-Issuer-
//    Chain (QE, QvE and TD QE identities), SGX-PCK-CRL-Issuer-Chain;
//  * a bare CRL (DER, PEM or hex): the root CA CRL, as the root's distribution point
//    serves it (a PCK CRL needs its chain, so it comes as a response with headers).
//
// Keys, dates and everything else the content says are filled in by VerifyItem.

#include <string>
#include <vector>

#include "common/status.h"
#include "pccs/collateral_item.h"

namespace kms::pccs {

// The items of the file `path` (its content `content`). kInvalidArgument naming the file when
// it is none of the forms above (e.g. a body saved without its headers).
StatusOr<std::vector<CollateralItem>> ItemsOfFile(const std::string& path,
                                                  std::string_view content);

// The items of a PCS/PCCS response: `chain_header` is the value of the issuer chain header
// (percent-encoded, as sent) under the lower-case name `header_name`. kInvalidArgument when the
// header is unknown or the body is not what it announces. `source` names it in messages.
StatusOr<CollateralItem> ItemOfResponse(std::string_view header_name,
                                        std::string_view chain_header, std::string_view body,
                                        const std::string& source);

// The paths `import PATH` reads: PATH itself when a file; else the regular files of the
// directory PATH whose names do not start with '.', sorted. kNotFound when PATH is neither.
StatusOr<std::vector<std::string>> ImportPaths(const std::string& path);

}  // namespace kms::pccs
