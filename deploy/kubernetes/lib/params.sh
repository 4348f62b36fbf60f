# Parameters of the install and uninstall scripts: loading (values.yaml, then --values FILE,
# then name=value; later wins) and checking. Sourced by both scripts; needs bash 4+.
#
# After params_load, P[name] holds each effective value and P_FROM[name] where it came from.

# Every parameter, in the order messages and summaries list them.
PARAM_NAMES=(nfsServerIP nfsPath pccsURL kmsIP dkeyserverNodeName couchdbUser couchdbPassword
  kmsReplicas imageRegistry imageTag tee couchdbImage policyFile kmsTlsDir simPlatformSecretFile
  pccsCAFile pccsTlsDir pccsUpstreamURL pccsApiKeyFile)
# Parameters naming local files: a relative path in a values file is taken relative to that
# file's folder, one on the command line relative to the current directory.
PATH_PARAMS=" policyFile kmsTlsDir simPlatformSecretFile pccsCAFile pccsTlsDir pccsApiKeyFile "

declare -A P=() P_FROM=()

# Whether install deploys ehsm-pccs in the namespace: with tee=sgx when no pccsURL names an
# existing PCCS (tee=sim verifies no real quotes, so needs none).
pccs_in_cluster() { [ "${P[tee]}" = sgx ] && [ -z "${P[pccsURL]}" ]; }

params_die() {
  echo "$SCRIPT_NAME: $*" >&2
  exit 2
}

params_known() {
  local n
  for n in "${PARAM_NAMES[@]}"; do [ "$n" = "$1" ] && return 0; done
  return 1
}

params_set() {  # NAME VALUE ORIGIN [BASE_DIR for relative paths]
  local name="$1" value="$2" origin="$3" base="${4:-}"
  params_known "$name" || params_die "$origin: unknown parameter '$name' (known: ${PARAM_NAMES[*]})"
  if [[ $PATH_PARAMS == *" $name "* && -n $value && $value != /* && -n $base ]]; then
    value="$base/$value"
  fi
  P[$name]="$value"
  P_FROM[$name]="$origin"
}

# Reads a flat YAML file of `name: value` lines (values plain, "double" or 'single' quoted,
# comments after #). Anything else is refused with its line number: a silently misread
# parameter is worse than an error.
params_read_file() {
  local file="$1" base line n=0 name rest value
  [ -f "$file" ] && [ -r "$file" ] || params_die "cannot read values file $file"
  base="$(cd "$(dirname "$file")" && pwd)"
  local re_kv='^([A-Za-z][A-Za-z0-9]*):([[:space:]]+(.*))?$'
  local re_dq='^"(([^"\\]|\\.)*)"[[:space:]]*(#.*)?$'
  local re_sq="^'(([^']|'')*)'[[:space:]]*(#.*)?$"
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line="${line%$'\r'}"
    [[ $line =~ ^[[:space:]]*(#.*)?$ ]] && continue
    [[ $line =~ $re_kv ]] || params_die "$file:$n: expected 'name: value', got: $line"
    name="${BASH_REMATCH[1]}"
    rest="${BASH_REMATCH[3]}"
    if [[ $rest =~ $re_dq ]]; then
      value="${BASH_REMATCH[1]}"
      value="$(printf '%s' "$value" | sed -e 's/\\\(.\)/\1/g')"
    elif [[ $rest =~ $re_sq ]]; then
      value="${BASH_REMATCH[1]//\'\'/\'}"
    elif [[ $rest == [\"\']* ]]; then
      params_die "$file:$n: unterminated quoted value for $name"
    else
      value="${rest%%[[:space:]]#*}"
      value="${value%"${value##*[![:space:]]}"}"
      [[ $value == "~" || $value == null ]] && value=""
    fi
    params_set "$name" "$value" "$file" "$base"
  done <"$file"
}

# Loads the defaults file, then each --values file, then the name=value assignments.
params_load() {  # DEFAULTS_FILE VALUES_FILES_ARRAY_NAME ASSIGNMENTS_ARRAY_NAME
  local -n files_ref="$2" assigns_ref="$3"
  local f a
  P[kmsReplicas]=2 P[tee]=sim  # the documented defaults, should a values file omit them
  P_FROM[kmsReplicas]=default P_FROM[tee]=default
  params_read_file "$1"
  for f in "${files_ref[@]}"; do params_read_file "$f"; done
  for a in "${assigns_ref[@]}"; do
    [[ $a == *=* ]] || params_die "expected name=value, got '$a'"
    params_set "${a%%=*}" "${a#*=}" "command line" "$PWD"
  done
  local n
  for n in "${PARAM_NAMES[@]}"; do
    [ -n "${P[$n]+x}" ] || { P[$n]=""; P_FROM[$n]=default; }
  done
}

# --- value checks: each returns 0 when the value is acceptable --------------------------------

is_ipv4() {
  local re='^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$' o
  [[ $1 =~ $re ]] || return 1
  for o in "${BASH_REMATCH[@]:1}"; do
    [[ $o == 0 || $o != 0* ]] || return 1  # 010 would be octal to some tools
    ((10#$o <= 255)) || return 1
  done
}

is_ipv6() {
  local a="$1" groups g
  [[ $a =~ ^[0-9A-Fa-f:]+$ && $a == *:*:* ]] || return 1
  [[ $a != *:::* ]] || return 1
  local doubles="${a//[^:]/}"
  if [[ $a == *::* ]]; then
    [[ ${a#*::} != *::* ]] || return 1
  fi
  IFS=: read -r -a groups <<<"$a"
  for g in "${groups[@]}"; do [[ ${#g} -le 4 ]] || return 1; done
  if [[ $a == *::* ]]; then ((${#doubles} <= 7)); else ((${#doubles} == 7)); fi
}

is_ip() { is_ipv4 "$1" || is_ipv6 "$1"; }

is_dns_subdomain() {
  local re='^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'
  [[ ${#1} -le 253 && $1 =~ $re ]]
}

is_abs_path() {
  [[ $1 =~ ^/[A-Za-z0-9._/-]*$ && $1 != / && $1 != *//* && ${#1} -le 1024 ]] || return 1
  [[ /$1/ != */../* && /$1/ != */./* ]]
}

is_https_url() {
  local host='([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:]+\])'
  local re="^https://$host(:[0-9]{1,5})?(/[A-Za-z0-9._~/-]*)?\$"
  [[ $1 =~ $re ]]
}

is_image_repo() {  # registry host[:port] with an optional path, as in <repo>/ehsm-kms
  local re='^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*$'
  [[ $1 =~ $re ]]
}

is_image_ref() {
  local name='[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?' tag='(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?'
  local re="^$name$tag(@sha256:[0-9a-f]{64})?\$"
  [[ $1 =~ $re ]]
}

# --- the checks install runs before it applies anything --------------------------------------

PARAM_ERRORS=()

param_error() {  # NAME MESSAGE
  local from="${P_FROM[$1]}"
  [ "$from" = default ] && from="not set"
  PARAM_ERRORS+=("$1: $2 ($from)")
}

# Checks a policy file given with policyFile: plain text with the three role sections.
check_policy_file() {
  local f="${P[policyFile]}" role
  if [ ! -f "$f" ] || [ ! -r "$f" ]; then
    param_error policyFile "cannot read '$f'"
    return
  fi
  if LC_ALL=C grep -q $'[^\t -~]' "$f"; then
    param_error policyFile "'$f' must be plain ASCII text (no CR, no control characters)"
    return
  fi
  for role in dkeyserver dkeycache kms; do
    grep -Eq "^[[:space:]]*\[\[$role\]\]" "$f" ||
      param_error policyFile "'$f' has no [[$role]] section"
  done
  local sim='^[[:space:]]*allow_simulation[[:space:]]*=[[:space:]]*true'
  if [ "${P[tee]}" = sgx ] && grep -Eq "$sim" "$f"; then
    param_error policyFile "'$f' sets allow_simulation = true, which tee=sgx must not accept"
  fi
}

# Checks the TLS folder of parameter $1: either no pair yet (install makes one) or a matching
# PEM pair.
check_tls_dir() {
  local name="$1" d="${P[$1]}"
  if [ -e "$d" ] && [ ! -d "$d" ]; then
    param_error "$name" "'$d' is not a folder"
    return
  fi
  local crt="$d/tls.crt" key="$d/tls.key"
  local have_crt=no have_key=no
  [ -e "$crt" ] && have_crt=yes
  [ -e "$key" ] && have_key=yes
  if [ "$have_crt" != "$have_key" ]; then
    param_error "$name" "'$d' holds only one of tls.crt and tls.key"
    return
  fi
  command -v openssl >/dev/null 2>&1 || {
    param_error "$name" "openssl is needed to make or check the TLS pair; install it"
    return
  }
  [ -e "$crt" ] || return 0
  local a b
  if ! a="$(openssl x509 -in "$crt" -noout -pubkey 2>/dev/null)" ||
    ! b="$(openssl pkey -in "$key" -pubout 2>/dev/null)"; then
    param_error "$name" "'$crt' and '$key' must be a PEM certificate and private key"
  elif [ "$a" != "$b" ]; then
    param_error "$name" "'$key' is not the key of '$crt'"
  fi
}

# The PCCS parameters: pccsCAFile goes with an existing PCCS (pccsURL), the upstream ones with
# the in-cluster ehsm-pccs; a value that would be ignored is refused rather than dropped.
check_pccs_params() {
  local v="${P[pccsCAFile]}"
  if [ -n "$v" ]; then
    if [ -z "${P[pccsURL]}" ]; then
      param_error pccsCAFile "only used with pccsURL (the in-cluster ehsm-pccs has its own CA)"
    elif [ ! -f "$v" ] || [ ! -r "$v" ]; then
      param_error pccsCAFile "cannot read '$v'"
    elif ! openssl x509 -in "$v" -noout 2>/dev/null; then
      param_error pccsCAFile "'$v' is not a PEM certificate"
    fi
  fi
  v="${P[pccsUpstreamURL]%/}"
  P[pccsUpstreamURL]="$v"
  if [ -n "$v" ] && ! pccs_in_cluster; then
    param_error pccsUpstreamURL "only used by the in-cluster ehsm-pccs (tee=sgx, pccsURL empty)"
  elif [ -n "$v" ] && ! is_https_url "$v"; then
    param_error pccsUpstreamURL "'$v' is not an https://host[:port][/path] URL"
  fi
  v="${P[pccsApiKeyFile]}"
  if [ -n "$v" ]; then
    if ! pccs_in_cluster; then
      param_error pccsApiKeyFile "only used by the in-cluster ehsm-pccs (tee=sgx, pccsURL empty)"
    elif [ -z "${P[pccsUpstreamURL]}" ]; then
      param_error pccsApiKeyFile "only used with pccsUpstreamURL"
    elif [ ! -f "$v" ] || [ ! -r "$v" ]; then
      param_error pccsApiKeyFile "cannot read '$v'"
    elif ! LC_ALL=C grep -Eqx '[!-~]{1,256}' "$v" || [ "$(wc -l <"$v")" -gt 1 ]; then
      param_error pccsApiKeyFile "'$v' must hold one line: the API key"
    fi
  fi
  [ -n "${P[pccsTlsDir]}" ] || { P[pccsTlsDir]="$KUBE_DIR/pccs-tls"; P_FROM[pccsTlsDir]=default; }
}

# The simulated platform secret of tee=sim: absent (install makes one) or exactly 32 bytes.
check_sim_secret() {
  if [ -z "${P[simPlatformSecretFile]}" ]; then
    P[simPlatformSecretFile]="$KUBE_DIR/sim-platform/platform.secret"
    P_FROM[simPlatformSecretFile]=default
  fi
  [ "${P[tee]}" = sim ] || return 0
  local f="${P[simPlatformSecretFile]}"
  if [ -e "$f" ] && { [ ! -f "$f" ] || [ ! -r "$f" ]; }; then
    param_error simPlatformSecretFile "'$f' is not a readable file"
  elif [ -e "$f" ] && [ "$(wc -c <"$f")" -ne 32 ]; then
    param_error simPlatformSecretFile "'$f' must hold exactly 32 bytes (it has $(wc -c <"$f"))"
  fi
}

# Checks every parameter; prints all problems at once and returns 1 when there is any.
params_check() {
  PARAM_ERRORS=()
  local v
  v="${P[nfsServerIP]}"
  if [ -z "$v" ]; then param_error nfsServerIP "missing: the NFS server's IP address"
  elif ! is_ip "$v"; then param_error nfsServerIP "'$v' is not an IP address"; fi

  v="${P[nfsPath]%/}"
  P[nfsPath]="$v"
  if [ -z "$v" ]; then param_error nfsPath "missing: an existing exported folder on the NFS server"
  elif ! is_abs_path "$v"; then
    param_error nfsPath "'$v' is not an absolute path of letters, digits and ._-/ (no . or .. parts)"
  fi

  v="${P[kmsIP]}"
  if [ -z "$v" ]; then param_error kmsIP "missing: an unused IP address for the KMS service"
  elif ! is_ip "$v"; then param_error kmsIP "'$v' is not an IP address"
  elif [[ $v == 0.0.0.0 || $v == 127.* || $v == :: || $v == ::1 ]]; then
    param_error kmsIP "'$v' is not an address other machines can reach"
  elif [ "$v" = "${P[nfsServerIP]}" ]; then
    param_error kmsIP "'$v' is the NFS server's address; the KMS needs an unused one"
  fi

  v="${P[dkeyserverNodeName]}"
  if [ -z "$v" ]; then param_error dkeyserverNodeName "missing: a node name from 'kubectl get nodes'"
  elif ! is_dns_subdomain "$v"; then param_error dkeyserverNodeName "'$v' is not a node name"; fi

  v="${P[couchdbUser]}"
  if [ -z "$v" ]; then param_error couchdbUser "missing"
  elif ! [[ $v =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$ ]]; then
    param_error couchdbUser "'$v' must be 1-64 letters, digits or ._- (starting with a letter or digit)"
  fi

  v="${P[couchdbPassword]}"
  if [ -z "$v" ]; then param_error couchdbPassword "missing: choose one (at least 8 characters)"
  elif ! [[ $v =~ ^[!-~]{8,128}$ ]]; then
    param_error couchdbPassword "must be 8-128 printable characters without spaces"
  elif [[ $v == password || $v == "${P[couchdbUser]}" ]]; then
    param_error couchdbPassword "is a well-known default or equals the user name"
  fi

  v="${P[kmsReplicas]}"
  if ! [[ $v =~ ^[0-9]{1,2}$ ]] || ((10#$v < 1 || 10#$v > 20)); then
    param_error kmsReplicas "'$v' is not a whole number from 1 to 20"
  else
    P[kmsReplicas]=$((10#$v))
  fi

  v="${P[imageRegistry]%/}"
  P[imageRegistry]="$v"
  if [ -z "$v" ]; then param_error imageRegistry "missing, e.g. registry.example.com:5000/ehsm"
  elif ! is_image_repo "$v"; then param_error imageRegistry "'$v' is not a registry[/path]"; fi

  v="${P[imageTag]}"
  if ! [[ $v =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
    param_error imageTag "'$v' is not an image tag"
  fi

  v="${P[couchdbImage]}"
  if [ -z "$v" ]; then param_error couchdbImage "missing, e.g. docker.io/library/couchdb:3.3.3"
  elif ! is_image_ref "$v"; then param_error couchdbImage "'$v' is not an image reference"; fi

  v="${P[tee]}"
  if [[ $v != sim && $v != sgx ]]; then param_error tee "'$v' must be sim or sgx"; fi

  v="${P[pccsURL]%/}"
  P[pccsURL]="$v"
  if [ -n "$v" ] && ! is_https_url "$v"; then
    param_error pccsURL "'$v' is not an https://host[:port][/path] URL"
  fi
  check_pccs_params

  if [ -n "${P[policyFile]}" ]; then
    check_policy_file
  elif [ "${P[tee]}" = sgx ]; then
    param_error policyFile "missing: tee=sgx needs a policy naming your enclaves (see README)"
  fi

  [ -n "${P[kmsTlsDir]}" ] || { P[kmsTlsDir]="$KUBE_DIR/kms-tls"; P_FROM[kmsTlsDir]=default; }
  check_tls_dir kmsTlsDir
  if pccs_in_cluster; then check_tls_dir pccsTlsDir; fi
  check_sim_secret

  ((${#PARAM_ERRORS[@]} == 0)) && return 0
  {
    echo "$SCRIPT_NAME: ${#PARAM_ERRORS[@]} parameter(s) need attention; nothing was applied:"
    local e
    for e in "${PARAM_ERRORS[@]}"; do echo "  $e"; done
    echo "Set them in $KUBE_DIR/values.yaml, in a --values FILE, or as name=value arguments."
  } >&2
  return 1
}

# One line of the effective parameters, without the password.
params_summary() {
  local n out=""
  for n in "${PARAM_NAMES[@]}"; do
    [ "$n" = couchdbPassword ] && continue
    out+="$n=${P[$n]:-\"\"} "
  done
  echo "${out% }"
}
