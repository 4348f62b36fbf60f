#pragma once
// One piece of DCAP collateral as ehsm-pccs holds it: what it is (kind and key), the bytes
// Intel signed, exactly as Intel signed them, the issuer chain that goes with it, and its
// validity window. Items are only ever built from input and checked by VerifyItem
// (item_verifier.h) before a store takes them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::pccs {

enum class ItemKind {
  kTcbInfo,          // key: "sgx-<fmspc>" or "tdx-<fmspc>" (12 lowercase hex digits)
  kEnclaveIdentity,  // key: the identity's id: "QE", "QVE" or "TD_QE"
  kPckCrl,           // key: "processor" or "platform"
  kRootCaCrl,        // key: "root"
  kPckCert,          // key: PckCertKey of the query it answers (cached from the upstream only)
};

struct CollateralItem {
  ItemKind kind = ItemKind::kTcbInfo;
  std::string key;
  std::string issuer_chain;  // PEM; empty for the root CA CRL (the pinned root issues it)
  std::string body;          // the signed JSON text, the DER of a CRL, or a PCK cert's PEM
  Bytes signature;           // raw r || s of a JSON item; empty for CRLs
  int64_t issue_date = 0;    // Unix seconds: issueDate, a CRL's thisUpdate, a cert's notBefore
  int64_t next_update = 0;   // Unix seconds: nextUpdate, or a cert's notAfter
  std::string source;        // the file or URL it came from, for messages and `status`
};

// "tcb_info", "enclave_identity", "pck_crl", "root_ca_crl", "pck_cert": the names in the store
// and logs.
std::string_view KindName(ItemKind kind);
std::optional<ItemKind> KindFromName(std::string_view name);

// "TCB info sgx-00a067110000", "QE identity TD_QE", "PCK CRL processor", "root CA CRL": the
// item named for people.
std::string Describe(ItemKind kind, std::string_view key);

// The key of the TCB info of `tdx` and `fmspc` (6 bytes).
std::string TcbInfoKey(bool tdx, ByteView fmspc);

// A PCK certificate query of the PCCS API (GET pckcert), its fields as lowercase hex of the
// lengths Intel's API takes: encrypted_ppid 384 bytes (RSA-3072), cpusvn 16, pcesvn 2, pceid 2,
// and qeid 16 (optional: Intel's QPL sends it, Intel's PCS does not take it).
struct PckCertQuery {
  std::string encrypted_ppid, cpusvn, pcesvn, pceid, qeid;
};
// The query from the request's values (hex, either case; `qeid` may be empty);
// kInvalidArgument naming the first missing or malformed one.
StatusOr<PckCertQuery> ParsePckCertQuery(std::string_view encrypted_ppid, std::string_view cpusvn,
                                         std::string_view pcesvn, std::string_view pceid,
                                         std::string_view qeid = {});
// The key a query's certificate is cached under: "qe<qeid>-<cpusvn>-<pcesvn>-<pceid>" when the
// query has a qeid, else "<encrypted_ppid>-<cpusvn>-<pcesvn>-<pceid>". The QE id names the
// platform as Intel's PCCS caches it; the encrypted PPID is RSA-OAEP, so a platform sends a
// different one each time it encrypts it and a cache keyed by it rarely hits. And back: a key's
// query (encrypted_ppid empty for a qeid key), nullopt for anything but a canonical key.
std::string PckCertKey(const PckCertQuery& q);
std::optional<PckCertQuery> PckCertQueryOfKey(std::string_view key);

}  // namespace kms::pccs
