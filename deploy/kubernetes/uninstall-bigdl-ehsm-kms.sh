#!/usr/bin/env bash
# Removes what install-bigdl-ehsm-kms.sh made in the cluster that kubectl points at: every
# object labelled app.kubernetes.io/part-of=bigdl-ehsm-kms (workloads first, then services,
# configuration, the claims, the namespace and the PersistentVolumes), and says what it leaves
# on purpose (the data on NFS).
#
#   uninstall-bigdl-ehsm-kms.sh [--values FILE] [name=value ...]
#
# The parameters are those of install (see values.yaml); uninstall only uses kmsTlsDir,
# pccsTlsDir and simPlatformSecretFile (to say where the kept files are) and
# nfsServerIP/nfsPath (with tee and pccsURL) when no volume names its NFS folders.
# Running it again when nothing is left is fine. EHSM_WAIT_TIMEOUT bounds each wait for a
# deletion (seconds, default 600).
set -euo pipefail

SCRIPT_NAME=uninstall-bigdl-ehsm-kms.sh
KUBE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/params.sh
source "$KUBE_DIR/lib/params.sh"
# shellcheck source=lib/render.sh
source "$KUBE_DIR/lib/render.sh"
# shellcheck source=lib/cluster.sh
source "$KUBE_DIR/lib/cluster.sh"

VALUES_FILES=() ASSIGNMENTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --values) [ $# -ge 2 ] || params_die "--values needs a FILE"; VALUES_FILES+=("$2"); shift 2 ;;
    --values=*) VALUES_FILES+=("${1#*=}"); shift ;;
    -h | --help) sed -n '7,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
    -*) params_die "unknown option $1 (see --help)" ;;
    *=*) ASSIGNMENTS+=("$1"); shift ;;
    *) params_die "unexpected argument '$1'; parameters are given as name=value" ;;
  esac
done
params_load "$KUBE_DIR/values.yaml" VALUES_FILES ASSIGNMENTS
[ -n "${P[kmsTlsDir]}" ] || P[kmsTlsDir]="$KUBE_DIR/kms-tls"
[ -n "${P[pccsTlsDir]}" ] || P[pccsTlsDir]="$KUBE_DIR/pccs-tls"
[ -n "${P[simPlatformSecretFile]}" ] || P[simPlatformSecretFile]="$KUBE_DIR/sim-platform/platform.secret"

cluster_reachable || exit 2

SELECTOR="app.kubernetes.io/part-of=bigdl-ehsm-kms"
DELETE=("${KUBECTL[@]}" delete --ignore-not-found --wait --timeout="${WAIT_SECONDS}s")

# The NFS folders, read from the volumes before they go (the parameters may have changed).
nfs_folders="$("${KUBECTL[@]}" get pv -l "$SELECTOR" \
  -o 'jsonpath={range .items[*]}{.spec.nfs.server}:{.spec.nfs.path}{"\n"}{end}')"
namespace_there="$(cluster_field namespace "$NAMESPACE" '{.metadata.name}')"

if [ -z "$nfs_folders" ] && [ -z "$namespace_there" ]; then
  say "nothing to uninstall: no namespace $NAMESPACE and no volume labelled $SELECTOR"
  exit 0
fi

# Workloads first, waiting for their pods to go, so that nothing writes to the volumes while
# the claims are removed.
"${DELETE[@]}" -n "$NAMESPACE" deployment,daemonset,statefulset -l "$SELECTOR" --cascade=foreground
"${DELETE[@]}" -n "$NAMESPACE" service,configmap,secret,poddisruptionbudget,networkpolicy -l "$SELECTOR"
# The StatefulSets' claims outlive them; they carry the label of their templates.
"${DELETE[@]}" -n "$NAMESPACE" persistentvolumeclaim -l "$SELECTOR"
"${DELETE[@]}" namespace "$NAMESPACE"
# Cluster-scoped, so not removed with the namespace. Their reclaim policy is Retain: the data
# stays on the NFS server.
"${DELETE[@]}" persistentvolume -l "$SELECTOR"

if [ -z "$nfs_folders" ]; then  # the volumes were gone already: say what the parameters name
  nfs="${P[nfsServerIP]:-<nfsServerIP>}:${P[nfsPath]%/}"
  nfs_folders="$nfs/couchdb"$'\n'"$nfs/dkeyserver"
  if pccs_in_cluster; then nfs_folders+=$'\n'"$nfs/pccs"; fi
fi
{
  say "left on purpose:"
  echo "  - the data on NFS (the CouchDB database, the sealed domain key and, with the"
  echo "    in-cluster ehsm-pccs, its collateral; the volumes were Retain):"
  sed 's/^/      /' <<<"$nfs_folders"
  echo "    a new install with the same nfsServerIP and nfsPath uses them again; delete the"
  echo "    folders on the NFS server to destroy the keys for good (and every key stored with them)."
  echo "  - $SOCKET_DIR on each node that ran a dkeycache (tmpfs: the socket and the node's"
  echo "    sealed copy of the domain key; gone at the node's next reboot)."
  if [ -e "${P[kmsTlsDir]}/tls.crt" ]; then
    echo "  - the KMS TLS pair in ${P[kmsTlsDir]} (a new install reuses it)."
  fi
  if [ -e "${P[pccsTlsDir]}/tls.crt" ]; then
    echo "  - the ehsm-pccs TLS pair in ${P[pccsTlsDir]} (a new install reuses it)."
  fi
  if [ -e "${P[simPlatformSecretFile]}" ]; then
    echo "  - the simulated platform secret ${P[simPlatformSecretFile]} (tee=sim; a new install"
    echo "    reuses it, and the domain key sealed on NFS unseals only with it)."
  fi
  echo "  - the images on the nodes."
} >&2
