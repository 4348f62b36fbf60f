#pragma once
// CollateralStore in CouchDB (`--store couchdb`), for deployments that keep their state in the
// deployment's CouchDB. CouchDB has no multi-document transactions, so the whole collateral set
// is ONE document, and PutAll is a read, the ordering rule, and a conditional write of that
// document on its `_rev`: all of a batch or none of it, also against other processes. A write
// that loses a race (409) re-reads, re-applies the rule to what the winner wrote, and tries
// again, up to `conflict_retries` times (then kAborted).
//
// Database: `options.database` (ehsm-pccs's default: "ehsm_pccs"), created when missing.
// Document (format 1):
//   {"_id": "pccs:collateral", "_rev": ..., "format": 1,
//    "items": [{"kind": "tcb_info" | "enclave_identity" | "pck_crl" | "root_ca_crl" |
//                       "pck_cert",
//               "key": <string>, "issuer_chain": <PEM string>,
//               "body": <standard base64 of the exact bytes>,
//               "signature": <standard base64>, "issue_date": <Unix s>,
//               "next_update": <Unix s>, "source": <string>, "stored_ms": <Unix ms>}, ...]}
// `items` is ordered by kind name, then key; kind and key are unique. A document of a newer
// format is refused (kFailedPrecondition) rather than rewritten.
//
// Size bound: a PutAll whose document would exceed kMaxCollateralDocBytes (4 MiB of JSON, half
// CouchDB's default max_document_size of 8 MB) is refused with kInvalidArgument and writes
// nothing. A full set of collateral (a few dozen FMSPCs) is far below it; cached PCK
// certificates (about 4 KiB each with their chain and key) are what could fill it, at about a
// thousand.
//
// Version() is the number before the dash of the document's `_rev`, which CouchDB increments on
// every committed write, whoever made it (0 while there is no document).
//
// Thread-safe: every call is independent HTTP requests; concurrent PutAlls of one object race
// like those of two processes and are resolved the same way.

#include <memory>
#include <string>

#include "common/clock.h"
#include "pccs/collateral_store.h"
#include "store/couch_http.h"
#include "store/couch_options.h"

namespace kms::pccs {

inline constexpr std::string_view kCollateralDocId = "pccs:collateral";
inline constexpr size_t kMaxCollateralDocBytes = size_t{4} << 20;

class CouchCollateralStore final : public CollateralStore {
 public:
  // Connects (options as store::NormalizeCouchOptions takes them; page_size is unused) and
  // creates the database if it is missing. kUnavailable when the server cannot be reached;
  // kInvalidArgument for bad options; kFailedPrecondition when the document is of a newer
  // format. `clock` (borrowed; null = system) stamps stored_ms.
  static StatusOr<std::unique_ptr<CouchCollateralStore>> Open(store::CouchOptions options,
                                                              const Clock* clock = nullptr);

  StatusOr<std::vector<PutOutcome>> PutAll(std::span<const CollateralItem> items) override;
  StatusOr<std::vector<CollateralItem>> List() const override;
  StatusOr<int64_t> Version() const override;

  // "couchdb:<url without credentials>/<database>", for messages.
  std::string Describe() const;

 private:
  struct Held;  // the document as read: items and revision
  CouchCollateralStore(store::CouchOptions options, std::unique_ptr<store::CouchHttp> http,
                       const Clock& clock);
  Status EnsureDatabase();
  StatusOr<Held> Read() const;
  // Status of an answer that was not the expected one, naming what was attempted.
  Status Unexpected(std::string_view what, const store::HttpResponse& r) const;

  store::CouchOptions options_;
  std::unique_ptr<store::CouchHttp> http_;
  std::string db_path_;   // "/<percent-encoded database>"
  std::string doc_path_;  // db_path_ + "/<percent-encoded document id>"
  const Clock& clock_;
};

}  // namespace kms::pccs
