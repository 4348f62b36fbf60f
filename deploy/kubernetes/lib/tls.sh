# The KMS TLS pair in P[kmsTlsDir]: an operator's own tls.crt/tls.key, or a self-signed pair
# that install makes once for kmsIP and then reuses, so that re-runs (and a --dry-run before
# the install) render the same Secret.

TLS_MARK=.made-by-install  # holds the kmsIP a pair made by install was made for

tls_make() {
  local d="$1" ip="${P[kmsIP]}"
  local san="IP:$ip,DNS:bigdl-ehsm-kms-service,DNS:bigdl-ehsm-kms-service.$NAMESPACE.svc"
  (umask 077 && mkdir -p "$d")
  # The key is written under umask 077; rename last, so a failed run leaves no half pair.
  (umask 077 &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
      -subj "/CN=bigdl-ehsm-kms-service" -addext "subjectAltName=$san" \
      -keyout "$d/tls.key.new" -out "$d/tls.crt.new" 2>/dev/null) ||
    { echo "$SCRIPT_NAME: openssl could not make a TLS pair in $d" >&2; exit 1; }
  mv "$d/tls.key.new" "$d/tls.key"
  mv "$d/tls.crt.new" "$d/tls.crt"
  echo "$ip" >"$d/$TLS_MARK"
  echo "$SCRIPT_NAME: made a self-signed TLS pair for $ip in $d (kept for later runs)" >&2
}

# Makes the pair when there is none, or when the one install made was for another kmsIP.
tls_prepare() {
  local d="${P[kmsTlsDir]}"
  if [ ! -e "$d/tls.crt" ]; then
    tls_make "$d"
  elif [ -f "$d/$TLS_MARK" ] && [ "$(cat "$d/$TLS_MARK")" != "${P[kmsIP]}" ]; then
    echo "$SCRIPT_NAME: kmsIP changed; replacing the self-signed pair in $d" >&2
    tls_make "$d"
  elif [ ! -f "$d/$TLS_MARK" ] && ! openssl x509 -in "$d/tls.crt" -noout -checkip "${P[kmsIP]}" \
    2>/dev/null | grep -q 'does match'; then
    echo "$SCRIPT_NAME: warning: $d/tls.crt is not valid for ${P[kmsIP]};" \
      "clients that check it will refuse it" >&2
  fi
}
