# The simulated platform secret of tee=sim, in P[simPlatformSecretFile]: 32 random bytes that
# install makes once and then reuses. dkeyserver, every dkeycache and every KMS pod mount it
# from one Secret: the sim attestation root and the sealing and local-attestation keys derive
# from it, so daemons with different secrets could not verify one another's quotes or unseal
# one another's keys. Kept in a file the operator keeps (like the TLS pairs) so that re-runs
# render the same Secret, and the sealed domain key on NFS keeps unsealing.

sim_secret_prepare() {
  [ "${P[tee]}" = sim ] || return 0
  local f="${P[simPlatformSecretFile]}" d
  [ -e "$f" ] && return 0
  d="$(dirname "$f")"
  (umask 077 && mkdir -p "$d" && openssl rand -out "$f.new" 32 && mv "$f.new" "$f") ||
    { echo "$SCRIPT_NAME: could not make the simulated platform secret $f" >&2; exit 1; }
  echo "$SCRIPT_NAME: made the simulated platform secret $f (kept for later runs; a new one" \
    "cannot unseal the domain key sealed with this one)" >&2
}
