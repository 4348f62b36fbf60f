#!/usr/bin/env bash
# Installs BigDL eHSM-KMS into namespace bigdl-ehsm-kms of the cluster that kubectl points at:
# CouchDB, dkeyserver, a dkeycache on every node and the KMS replicas (and, with tee=sgx and no
# pccsURL, ehsm-pccs).
#
#   install-bigdl-ehsm-kms.sh [--values FILE] [--dry-run] [--no-wait] [name=value ...]
#
# Parameters come from values.yaml beside this script, then --values FILE, then name=value
# (later wins); all are checked before anything is applied. --dry-run prints the objects that
# install would apply (exactly those) and needs no cluster; --no-wait applies and returns
# without waiting. Re-running is safe: unchanged objects stay unchanged. EHSM_WAIT_TIMEOUT
# bounds the wait for readiness (seconds, default 600).
set -euo pipefail

SCRIPT_NAME=install-bigdl-ehsm-kms.sh
KUBE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/params.sh
source "$KUBE_DIR/lib/params.sh"
# shellcheck source=lib/render.sh
source "$KUBE_DIR/lib/render.sh"
# shellcheck source=lib/tls.sh
source "$KUBE_DIR/lib/tls.sh"
# shellcheck source=lib/sim-secret.sh
source "$KUBE_DIR/lib/sim-secret.sh"
# shellcheck source=lib/cluster.sh
source "$KUBE_DIR/lib/cluster.sh"

usage() {
  sed -n '6,13s/^# \{0,1\}//p' "$0"
  echo "Parameters: ${PARAM_NAMES[*]} (see $KUBE_DIR/values.yaml)"
}

DRY_RUN=0 NO_WAIT=0
VALUES_FILES=() ASSIGNMENTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --values) [ $# -ge 2 ] || params_die "--values needs a FILE"; VALUES_FILES+=("$2"); shift 2 ;;
    --values=*) VALUES_FILES+=("${1#*=}"); shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    --no-wait) NO_WAIT=1; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) params_die "unknown option $1 (see --help)" ;;
    *=*) ASSIGNMENTS+=("$1"); shift ;;
    *) params_die "unexpected argument '$1'; parameters are given as name=value" ;;
  esac
done

params_load "$KUBE_DIR/values.yaml" VALUES_FILES ASSIGNMENTS
params_check || exit 2

# The files that install makes once and the operator keeps (TLS pairs, the sim platform
# secret), so that every render of the same parameters is the same.
prepare_kept_files() {
  tls_prepare
  pccs_tls_prepare
  sim_secret_prepare
}

if ((DRY_RUN)); then
  prepare_kept_files
  render_all
  exit 0
fi

cluster_reachable || exit 2
cluster_check_params || exit 2
prepare_kept_files

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bigdl-ehsm-kms-install.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
render_all >"$WORK/bigdl-ehsm-kms.yaml"
say "$(params_summary)"
say "applying $(grep -c '^kind:' "$WORK/bigdl-ehsm-kms.yaml") objects"
if ! "${KUBECTL[@]}" apply -f "$WORK/bigdl-ehsm-kms.yaml"; then
  say "the cluster refused some objects (above); fix the cause and run install again, or uninstall"
  exit 1
fi

kms_url() {
  local ip="${P[kmsIP]}"
  [[ $ip == *:* ]] && ip="[$ip]"
  echo "https://$ip:9000/ehsm?Action=GetVersion"
}

if ((NO_WAIT)); then
  say "applied; not waiting (--no-wait). Watch it with: kubectl get all -n $NAMESPACE"
  exit 0
fi

# Shows what keeps a workload from being ready: its pods and the namespace's latest events.
explain_not_ready() {
  echo "--- pods" >&2
  "${KUBECTL[@]}" get pods -n "$NAMESPACE" -o wide >&2 || true
  echo "--- latest events" >&2
  "${KUBECTL[@]}" get events -n "$NAMESPACE" --sort-by=.lastTimestamp 2>/dev/null |
    tail -n 15 >&2 || true
  case "$1" in
    statefulset/couchdb | statefulset/dkeyserver | statefulset/ehsm-pccs)
      say "hint: a pod that cannot mount its volume needs the folders ${P[nfsPath]}/couchdb" \
        "(uid 5984) and ${P[nfsPath]}/dkeyserver (uid 10001)$(pccs_in_cluster &&
          echo " and ${P[nfsPath]}/pccs (uid 10001)") on ${P[nfsServerIP]}" ;;
  esac
  if [ "$1" = statefulset/ehsm-pccs ]; then
    say "hint: ehsm-pccs is ready once it holds collateral; import it (README, \"PCCS\"):" \
      "kubectl cp DIR $NAMESPACE/ehsm-pccs-0:/tmp/collateral && kubectl exec -n $NAMESPACE" \
      "ehsm-pccs-0 -- ehsm-pccs import /tmp/collateral --data-dir=/var/lib/ehsm-pccs"
  fi
}

# In dependency order, so that the first one that is not ready is the one to look at.
deadline=$((SECONDS + WAIT_SECONDS))
workloads=(statefulset/couchdb)
pccs_in_cluster && workloads+=(statefulset/ehsm-pccs)  # the others verify quotes with it
workloads+=(statefulset/dkeyserver daemonset/dkeycache deployment/bigdl-ehsm-kms-deployment)
for workload in "${workloads[@]}"; do
  left=$((deadline - SECONDS))
  ((left > 0)) || left=1
  say "waiting for $workload to be ready (${left}s left)"
  if ! "${KUBECTL[@]}" rollout status -n "$NAMESPACE" "$workload" --timeout="${left}s"; then
    say "$workload is not ready within ${WAIT_SECONDS}s (EHSM_WAIT_TIMEOUT)"
    explain_not_ready "$workload"
    say "everything is applied; fix the cause and run install again, or uninstall"
    exit 1
  fi
done

"${KUBECTL[@]}" get all -n "$NAMESPACE"
say "ready. Check the KMS (its certificate is self-signed unless you gave your own):"
echo "  curl -k -G \"$(kms_url)\""
