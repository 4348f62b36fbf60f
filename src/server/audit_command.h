#pragma once
// `ehsm-kms audit verify [--data-dir DIR] [identity flags] [--no-domain-key] FILE...`: checks
// audit log files (oldest first, the live audit.log last) and prints one line, "OK ..." with
// the counts or "BROKEN file:line seq N: why". The checkpoint key is derived from the domain
// key sealed in DIR (the same --data-dir, --platform-secret and identity flags, or EHSM_*
// variables, as the server); where there is none (cluster mode keeps its key in memory) or
// with --no-domain-key, only the hash chain is checked and the line says the checkpoints were
// not. Exit status: 0 intact, 1 broken, 2 usage error or a domain key that does not unseal.

namespace kms::server {

// `argv[0]` is "audit".
int RunAuditCommand(int argc, char** argv);

}  // namespace kms::server
