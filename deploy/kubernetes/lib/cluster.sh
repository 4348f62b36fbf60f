# kubectl helpers shared by install and uninstall: the current kubeconfig (KUBECONFIG honoured),
# bounded requests, and the checks made against the cluster before anything is applied.

# Seconds that install waits for all workloads to be ready, and uninstall for deletions.
WAIT_SECONDS="${EHSM_WAIT_TIMEOUT:-600}"
if ! [[ $WAIT_SECONDS =~ ^[0-9]+$ ]]; then
  echo "$SCRIPT_NAME: EHSM_WAIT_TIMEOUT must be a number of seconds" >&2
  exit 2
fi

# Without a request timeout kubectl retries an unreachable server for minutes.
KUBECTL=(kubectl --request-timeout="${EHSM_KUBECTL_REQUEST_TIMEOUT:-30s}")

say() { echo "${SCRIPT_NAME%%-*}: $*" >&2; }

# Fails with a message unless kubectl is installed and the cluster answers.
cluster_reachable() {
  if ! command -v kubectl >/dev/null 2>&1; then
    echo "$SCRIPT_NAME: kubectl is not in PATH; install it and point it at your cluster" >&2
    return 1
  fi
  local out
  if ! out="$("${KUBECTL[@]}" get --raw=/version 2>&1)"; then
    echo "$SCRIPT_NAME: cannot reach the cluster of the current kubeconfig" \
      "(${KUBECONFIG:-~/.kube/config}): ${out##*$'\n'}" >&2
    return 1
  fi
}

# What an object's field says, or nothing when the object does not exist.
cluster_field() {  # KIND NAME JSONPATH [NAMESPACE]
  local ns=()
  [ -n "${4:-}" ] && ns=(-n "$4")
  "${KUBECTL[@]}" get "$1" "$2" "${ns[@]}" --ignore-not-found -o "jsonpath=$3"
}

# Checks the parameters that only the cluster can judge. Prints every problem; returns 1 on any.
cluster_check_params() {
  local problems=() node="${P[dkeyserverNodeName]}" out
  if ! out="$("${KUBECTL[@]}" get node "$node" -o name 2>&1)"; then
    local nodes
    nodes="$("${KUBECTL[@]}" get nodes -o 'jsonpath={.items[*].metadata.name}' 2>/dev/null || true)"
    problems+=("dkeyserverNodeName: no node '$node' in the cluster (nodes: ${nodes:-none})")
  fi
  local pv want have
  local volumes=("ehsm-pv-nfs couchdb" "ehsm-dkey-pv-nfs dkeyserver")
  pccs_in_cluster && volumes+=("ehsm-pccs-pv-nfs pccs")
  for pv in "${volumes[@]}"; do
    want="${P[nfsServerIP]} ${P[nfsPath]}/${pv#* }"
    have="$(cluster_field pv "${pv%% *}" '{.spec.nfs.server} {.spec.nfs.path}')"
    if [ -n "$have" ] && [ "$have" != "$want" ]; then
      problems+=("nfsServerIP/nfsPath: PersistentVolume ${pv%% *} exists with NFS '$have'" \
        "(a volume's source cannot change); uninstall first or use the same values")
    fi
  done
  if [ "${P[tee]}" = sgx ]; then
    local sgx path='{.items[*].status.allocatable.sgx\.intel\.com/enclave}'
    sgx="$("${KUBECTL[@]}" get nodes -o "jsonpath=$path")"
    [ -n "${sgx// /}" ] || problems+=("tee: sgx, but no node offers sgx.intel.com/enclave" \
      "(is the Intel SGX device plugin installed?)")
  fi
  if [ "$(cluster_field namespace "$NAMESPACE" '{.status.phase}')" = Terminating ]; then
    problems+=("namespace $NAMESPACE is still being deleted; wait for it to go, then install")
  fi
  ((${#problems[@]} == 0)) && return 0
  {
    echo "$SCRIPT_NAME: ${#problems[@]} problem(s) found in the cluster; nothing was applied:"
    local p
    for p in "${problems[@]}"; do echo "  $p"; done
  } >&2
  return 1
}
