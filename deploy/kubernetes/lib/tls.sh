# The TLS pairs install renders into Secrets, each in a folder the operator keeps: the KMS pair
# in P[kmsTlsDir] (an operator's own tls.crt/tls.key, or a self-signed pair that install makes
# once for kmsIP and then reuses) and, with the in-cluster ehsm-pccs, its pair in P[pccsTlsDir]
# (self-signed for the Service name; the components trust that certificate as their PCCS CA).
# Made once and reused, so that re-runs (and a --dry-run before the install) render the same
# Secrets.

TLS_MARK=.made-by-install  # holds what a pair made by install was made for

tls_make() {  # DIR MARK COMMON_NAME SUBJECT_ALT_NAMES
  local d="$1"
  (umask 077 && mkdir -p "$d")
  # The key is written under umask 077; rename last, so a failed run leaves no half pair.
  (umask 077 &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
      -subj "/CN=$3" -addext "subjectAltName=$4" \
      -keyout "$d/tls.key.new" -out "$d/tls.crt.new" 2>/dev/null) ||
    { echo "$SCRIPT_NAME: openssl could not make a TLS pair in $d" >&2; exit 1; }
  mv "$d/tls.key.new" "$d/tls.key"
  mv "$d/tls.crt.new" "$d/tls.crt"
  echo "$2" >"$d/$TLS_MARK"
  echo "$SCRIPT_NAME: made a self-signed TLS pair for $2 in $d (kept for later runs)" >&2
}

# The KMS pair: made when there is none, or when the one install made was for another kmsIP.
tls_prepare() {
  local d="${P[kmsTlsDir]}" ip="${P[kmsIP]}"
  local san="IP:$ip,DNS:bigdl-ehsm-kms-service,DNS:bigdl-ehsm-kms-service.$NAMESPACE.svc"
  if [ ! -e "$d/tls.crt" ]; then
    tls_make "$d" "$ip" bigdl-ehsm-kms-service "$san"
  elif [ -f "$d/$TLS_MARK" ] && [ "$(cat "$d/$TLS_MARK")" != "$ip" ]; then
    echo "$SCRIPT_NAME: kmsIP changed; replacing the self-signed pair in $d" >&2
    tls_make "$d" "$ip" bigdl-ehsm-kms-service "$san"
  elif [ ! -f "$d/$TLS_MARK" ] && ! openssl x509 -in "$d/tls.crt" -noout -checkip "$ip" \
    2>/dev/null | grep -q 'does match'; then
    echo "$SCRIPT_NAME: warning: $d/tls.crt is not valid for $ip;" \
      "clients that check it will refuse it" >&2
  fi
}

# The in-cluster ehsm-pccs pair, for the name the components use (PCCS_HOST, render.sh). An
# operator's own pair must be valid for that name and be its own CA (the components trust
# exactly that certificate).
pccs_tls_prepare() {
  pccs_in_cluster || return 0
  local d="${P[pccsTlsDir]}"
  local san="DNS:pccs,DNS:$PCCS_HOST,DNS:$PCCS_HOST.cluster.local"
  if [ ! -e "$d/tls.crt" ]; then
    tls_make "$d" "$PCCS_HOST" pccs "$san"
  elif ! openssl x509 -in "$d/tls.crt" -noout -checkhost "$PCCS_HOST" 2>/dev/null |
    grep -q 'does match'; then
    echo "$SCRIPT_NAME: warning: $d/tls.crt is not valid for $PCCS_HOST;" \
      "the components will refuse the in-cluster PCCS" >&2
  fi
}
