#!/usr/bin/env bash
# Checks deploy/kubernetes without a cluster:
#  1. renders with test parameters (sim and sgx, values file and name=value), validates every
#     object against the Kubernetes schemas offline and asserts the deployment's properties
#     (check-rendered.mjs), and shows that known breakages are caught;
#  2. refuses missing and malformed parameters, printing each name, with nothing rendered;
#  3. runs the real kubectl through install -> install again -> uninstall against a stand-in API
#     server (stand-in-apiserver.mjs on 127.0.0.1): nothing is applied for a bad parameter, the
#     second install changes nothing, uninstall leaves nothing that install made, and the wait
#     for readiness is bounded.
# Needs node/npm (packages from the npm registry into .cache/, see node-deps.sh), kubectl and
# openssl. Prints one line per check and "N passed, M failed"; exits 1 when any failed.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBE_DIR="$(cd "$HERE/.." && pwd)"
INSTALL="$KUBE_DIR/install-bigdl-ehsm-kms.sh"
UNINSTALL="$KUBE_DIR/uninstall-bigdl-ehsm-kms.sh"

for tool in node kubectl openssl jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "check-manifests: $tool is needed" >&2; exit 1; }
done
if ! NODE_MODULES="$(bash "$HERE/node-deps.sh")"; then
  echo "check-manifests: npm install failed" >&2
  exit 1
fi

W="$(mktemp -d "${TMPDIR:-/tmp}/ehsm-k8s-check.XXXXXX")"
STAND_IN_PIDS=()
cleanup() {
  local pid
  for pid in "${STAND_IN_PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT

passed=0 failed=0 n=0
# check NAME COMMAND...: passes when COMMAND succeeds; shows its output when it does not.
check() {
  local name="$1"
  shift
  n=$((n + 1))
  local start=$EPOCHREALTIME took
  if "$@" >"$W/check.$n.log" 2>&1; then
    took="$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
    passed=$((passed + 1))
    echo "ok - $name (${took}s)"
  else
    failed=$((failed + 1))
    echo "not ok - $name"
    sed 's/^/    /' "$W/check.$n.log" | tail -n 40
  fi
}

# --- 1. render and validate ---------------------------------------------------------------------
PASSWORD='t3st-Pa$$w0rd#1'  # a $ and a # that must survive the values file
cat >"$W/test-values.yaml" <<EOF
# test parameters; kmsIP is overridden on the command line
nfsServerIP: 192.0.2.10
nfsPath: "/exports/ehsm/"
kmsIP: 192.0.2.99
dkeyserverNodeName: node-a
couchdbPassword: '$PASSWORD'
kmsReplicas: 3   # a comment
kmsTlsDir: tls
simPlatformSecretFile: sim/platform.secret
pccsTlsDir: pccs-tls
EOF
cat >"$W/sgx-policy.toml" <<'EOF'
[[dkeyserver]]
mrsigner = "1111111111111111111111111111111111111111111111111111111111111111"
[[dkeycache]]
mrsigner = "1111111111111111111111111111111111111111111111111111111111111111"
[[kms]]
mrsigner = "1111111111111111111111111111111111111111111111111111111111111111"
EOF
SIM_ARGS=(--values "$W/test-values.yaml" kmsIP=192.0.2.20)
SGX_ARGS=("${SIM_ARGS[@]}" tee=sgx pccsURL=https://pccs.example:8081 policyFile="$W/sgx-policy.toml"
  kmsReplicas=1 pccsCAFile="$W/tls/tls.crt")
printf 'test-api-key\n' >"$W/api-key"
# tee=sgx without pccsURL: ehsm-pccs in the namespace, fetching through to an upstream.
SGX_PCCS_ARGS=("${SIM_ARGS[@]}" tee=sgx policyFile="$W/sgx-policy.toml" kmsReplicas=2
  pccsUpstreamURL=https://pcs.example/sgx pccsApiKeyFile="$W/api-key")

# The parameters a render used, for check-rendered.mjs (simSecret: the platform secret file's
# bytes in base64; pccsTlsKey: the in-cluster PCCS's key, when there is one; pccsCA: the
# pccsCAFile's text, when one was given).
params_json() {  # KMS_REPLICAS TEE PCCS_URL [PCCS_UPSTREAM_URL] [PCCS_CA_FILE]
  local pccs_key="$W/pccs-tls/tls.key" ca="${5:-/dev/null}"
  [ -f "$pccs_key" ] || pccs_key=/dev/null
  jq -n --rawfile key "$W/tls/tls.key" --arg pw "$PASSWORD" --arg r "$1" --arg tee "$2" \
    --arg pccs "$3" --arg upstream "${4:-}" --rawfile pccsKey "$pccs_key" --rawfile ca "$ca" \
    --arg simSecret "$(base64 -w0 <"$W/sim/platform.secret")" \
    '{nfsServerIP: "192.0.2.10", nfsPath: "/exports/ehsm", kmsIP: "192.0.2.20",
      dkeyserverNodeName: "node-a", couchdbPassword: $pw, kmsReplicas: $r,
      imageRegistry: "localhost", imageTag: "0.3.2", couchdbImage: "docker.io/library/couchdb:3.3.3",
      tee: $tee, pccsURL: $pccs, pccsUpstreamURL: $upstream, apiKey: "test-api-key",
      tlsKey: $key, pccsTlsKey: $pccsKey, simSecret: $simSecret, pccsCA: $ca}'
}

# From another directory, to show that the scripts find their files themselves.
render() {  # OUT ARGS...
  local out="$1"
  shift
  (cd / && bash "$INSTALL" --dry-run "$@") >"$out"
}
check "install --dry-run renders (sim, values file + name=value, from another directory)" \
  render "$W/sim.yaml" "${SIM_ARGS[@]}"
check "install --dry-run renders (sgx with pccsURL and policyFile)" \
  render "$W/sgx.yaml" "${SGX_ARGS[@]}"
check "install --dry-run renders (sgx with the in-cluster ehsm-pccs)" \
  render "$W/sgx-pccs.yaml" "${SGX_PCCS_ARGS[@]}"
same_again() {  # FIRST_RENDER ARGS...
  local first="$1"
  shift
  render "$W/again.yaml" "$@" && cmp "$first" "$W/again.yaml"
}
check "a second --dry-run renders the same objects (TLS pair and platform secret kept)" \
  same_again "$W/sim.yaml" "${SIM_ARGS[@]}"
check "a second --dry-run with ehsm-pccs renders the same objects (its TLS pair kept)" \
  same_again "$W/sgx-pccs.yaml" "${SGX_PCCS_ARGS[@]}"
check_rendered() {  # FILE PARAMS_JSON [--mutate NAME]
  node "$HERE/check-rendered.mjs" --node-modules "$NODE_MODULES" --params "$2" "${@:3}" "$1"
}
check "sim render: schemas and deployment properties" \
  check_rendered "$W/sim.yaml" "$(params_json 3 sim "")"
check "sgx render: schemas and deployment properties" \
  check_rendered "$W/sgx.yaml" "$(params_json 1 sgx https://pccs.example:8081 "" "$W/tls/tls.crt")"
check "sgx render with ehsm-pccs: schemas and deployment properties" \
  check_rendered "$W/sgx-pccs.yaml" "$(params_json 2 sgx "" https://pcs.example/sgx)"
check "the property checks catch known breakages of a render with ehsm-pccs" \
  check_rendered "$W/sgx-pccs.yaml" "$(params_json 2 sgx "" https://pcs.example/sgx)" --mutations
check "the property checks catch known breakages of a render" \
  check_rendered "$W/sim.yaml" "$(params_json 3 sim "")" --mutations

# --- 2. parameter checks --------------------------------------------------------------------------
# refused EXPECTED_TEXT... -- ARGS: install exits 2, prints nothing on stdout and names each text.
refused() {
  local texts=() a
  while [ "$1" != -- ]; do texts+=("$1"); shift; done
  shift
  local rc=0
  (cd / && bash "$INSTALL" --dry-run "$@") >"$W/refused.out" 2>"$W/refused.err" || rc=$?
  cat "$W/refused.err"
  [ "$rc" = 2 ] || { echo "exit code $rc, not 2"; return 1; }
  [ ! -s "$W/refused.out" ] || { echo "printed objects:"; head -3 "$W/refused.out"; return 1; }
  for a in "${texts[@]}"; do
    grep -qF -- "$a" "$W/refused.err" || { echo "does not say: $a"; return 1; }
  done
}
check "the values.yaml placeholders are refused, each named" refused \
  "nfsServerIP: 'your_nfs_server_ip' is not an IP address" "nfsPath:" "kmsIP: 'your_kms_ip_to_use_as'" \
  "dkeyserverNodeName:" "couchdbPassword: missing" "nothing was applied" -- kmsTlsDir="$W/tls"
check "malformed values are refused, each named" refused \
  "nfsServerIP: '300.1.2.3' is not an IP address" "nfsPath: 'exports/x'" "kmsIP: '192.0.2.1.5'" \
  "dkeyserverNodeName: 'Node_A'" "couchdbPassword: must be" "kmsReplicas: '0'" "imageTag: 'a b'" \
  "tee: 'tdx'" "pccsURL: 'http://pccs:8081'" "couchdbUser: '-x'" -- \
  nfsServerIP=300.1.2.3 nfsPath=exports/x kmsIP=192.0.2.1.5 dkeyserverNodeName=Node_A \
  couchdbPassword=short kmsReplicas=0 imageTag='a b' tee=tdx pccsURL=http://pccs:8081 couchdbUser=-x \
  kmsTlsDir="$W/tls"
check "tee=sgx without a policy is refused" \
  refused "policyFile: missing" -- \
  "${SIM_ARGS[@]}" tee=sgx
head -c 16 /dev/urandom >"$W/short.secret"
check "PCCS parameters that would be ignored, and a bad platform secret, are refused" refused \
  "pccsUpstreamURL: only used by the in-cluster ehsm-pccs" "pccsApiKeyFile: only used by the in-cluster ehsm-pccs" \
  "pccsCAFile: only used with pccsURL" "simPlatformSecretFile: '$W/short.secret' must hold exactly 32 bytes" -- \
  "${SIM_ARGS[@]}" pccsUpstreamURL=https://pcs.example pccsApiKeyFile="$W/api-key" \
  pccsCAFile="$W/tls/tls.crt" simPlatformSecretFile="$W/short.secret"
check "a malformed pccsUpstreamURL is refused" refused \
  "pccsUpstreamURL: 'http://pcs' is not an https" -- \
  "${SGX_PCCS_ARGS[@]}" pccsUpstreamURL=http://pcs
{ echo 'allow_simulation = true'; cat "$W/sgx-policy.toml"; } >"$W/sim-policy.toml"
check "a simulation policy is refused with tee=sgx" refused "allow_simulation = true" -- \
  "${SIM_ARGS[@]}" tee=sgx pccsURL=https://pccs:8081 policyFile="$W/sim-policy.toml"
check "an unknown parameter is refused" \
  refused "unknown parameter 'kmsReplica'" -- "${SIM_ARGS[@]}" kmsReplica=2
printf 'nfsServerIP: 192.0.2.10\n  nested: 1\n' >"$W/bad-values.yaml"
check "a values file that is not flat name: value is refused with its line" \
  refused "bad-values.yaml:2" -- \
  --values "$W/bad-values.yaml"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=x \
  -keyout "$W/other.key" -out /dev/null 2>/dev/null
mkdir -p "$W/mismatch" && cp "$W/tls/tls.crt" "$W/mismatch/" && cp "$W/other.key" "$W/mismatch/tls.key"
check "a TLS pair whose key does not match is refused" refused "kmsTlsDir:" "is not the key of" -- \
  "${SIM_ARGS[@]}" kmsTlsDir="$W/mismatch"

# --- 3. install and uninstall against the stand-in API server ------------------------------------
start_stand_in() {  # NAME [EXTRA ARGS...]: sets STAND_IN_LOG and KUBECONFIG
  local name="$1"
  shift
  STAND_IN_LOG="$W/$name.log"
  : >"$STAND_IN_LOG"
  : >"$W/$name.out"
  node "$HERE/stand-in-apiserver.mjs" --node-modules "$NODE_MODULES" --port 0 --nodes node-a,node-b \
    --log "$STAND_IN_LOG" "$@" >"$W/$name.out" 2>&1 &
  STAND_IN_PIDS+=($!)
  local port="" i
  for i in $(seq 1 100); do
    port="$(sed -n 's/^stand-in-apiserver listening on port \([0-9]*\)$/\1/p' "$W/$name.out")"
    [ -n "$port" ] && break
    sleep 0.1
  done
  if [ -z "$port" ]; then
    cat "$W/$name.out"
    echo "check-manifests: the stand-in did not start" >&2
    exit 1
  fi
  cat >"$W/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: stand-in, cluster: {server: "http://127.0.0.1:$port"}}]
users: [{name: test, user: {}}]
contexts: [{name: stand-in, context: {cluster: stand-in, user: test}}]
current-context: stand-in
EOF
  export KUBECONFIG="$W/$name.kubeconfig" KUBECACHEDIR="$W/kube-cache" EHSM_KUBECTL_REQUEST_TIMEOUT=10s
}
changes() { grep -cE '^(CREATE|UPDATE|DELETE) ' "$STAND_IN_LOG"; }
objects() {  # what the stand-in holds, one "kind namespace name" a line
  curl -sf "$(kubectl config view -o 'jsonpath={.clusters[0].cluster.server}')/stand-in/objects" |
    jq -r '.[] | "\(.kind) \(.namespace // "-") \(.name)"' | sort
}

start_stand_in main
applies_nothing() {  # ARGS...: install refuses (exit 2) and the stand-in records no change
  local before rc=0
  before="$(changes)"
  bash "$INSTALL" --no-wait "$@" || rc=$?
  [ "$rc" = 2 ] || { echo "exit code $rc, not 2"; return 1; }
  [ "$(changes)" = "$before" ] || { echo "the cluster changed:"; tail -n 5 "$STAND_IN_LOG"; return 1; }
}
check "install with a missing parameter applies nothing" \
  applies_nothing "${SIM_ARGS[@]}" couchdbPassword=
check "install with a malformed parameter applies nothing" \
  applies_nothing "${SIM_ARGS[@]}" kmsIP=192.0.2
unknown_node() {
  applies_nothing "${SIM_ARGS[@]}" dkeyserverNodeName=node-z 2>"$W/node.err" ||
    { cat "$W/node.err"; return 1; }
  cat "$W/node.err"
  grep -q "dkeyserverNodeName: no node 'node-z' in the cluster (nodes: node-a node-b)" "$W/node.err"
}
check "install with a node that is not in the cluster applies nothing, naming the nodes" \
  unknown_node
no_sgx_nodes() {
  applies_nothing "${SGX_ARGS[@]}" 2>"$W/sgx.err" || { cat "$W/sgx.err"; return 1; }
  cat "$W/sgx.err"
  grep -q "no node offers sgx.intel.com/enclave" "$W/sgx.err"
}
check "install with tee=sgx on nodes without the SGX device plugin applies nothing" no_sgx_nodes

first_install() {
  bash "$INSTALL" --no-wait "${SIM_ARGS[@]}" || return 1
  # Every rendered object is there, as rendered (kind, namespace, name).
  node -e '
    const Y = require(process.argv[1] + "/yaml");
    for (const d of Y.parseAllDocuments(require("fs").readFileSync(process.argv[2], "utf8"))) {
      const o = d.toJS();
      if (o) console.log(`${o.kind} ${o.metadata.namespace ?? "-"} ${o.metadata.name}`);
    }' "$NODE_MODULES" "$W/sim.yaml" | sort >"$W/rendered.list"
  objects >"$W/after-install.list"
  comm -23 "$W/rendered.list" "$W/after-install.list" >"$W/missing.list"
  [ ! -s "$W/missing.list" ] || { echo "not applied:"; cat "$W/missing.list"; return 1; }
}
check "install --no-wait applies every rendered object (kubectl with its default validation)" \
  first_install

second_install() {
  local before
  before="$(changes)"
  bash "$INSTALL" "${SIM_ARGS[@]}" >"$W/second.out" 2>&1 || { cat "$W/second.out"; return 1; }
  cat "$W/second.out"
  if [ "$(changes)" != "$before" ]; then
    echo "the second install changed:"
    tail -n +"$((before + 1))" "$STAND_IN_LOG"
    return 1
  fi
  grep -q 'waiting for daemonset/dkeycache to be ready' "$W/second.out" &&
    grep -q 'deployment.apps/bigdl-ehsm-kms-deployment' "$W/second.out" &&
    grep -qF 'curl -k -G "https://192.0.2.20:9000/ehsm?Action=GetVersion"' "$W/second.out"
}
check "install again changes nothing, waits for readiness, shows kubectl get all and GetVersion" \
  second_install

kubectl_validates() {
  sed 's/^  replicas: 3$/  replicas: 3\n  replicaz: 3/' "$W/sim.yaml" >"$W/typo.yaml"
  ! kubectl apply -f "$W/typo.yaml" >"$W/typo.out" 2>&1 || { cat "$W/typo.out"; return 1; }
  cat "$W/typo.out"
  grep -q 'strict decoding error: unknown field "spec.replicaz"' "$W/typo.out"
}
check "kubectl's default validation reaches the stand-in (an unknown field is refused)" \
  kubectl_validates

rescale() {
  bash "$INSTALL" --no-wait "${SIM_ARGS[@]}" kmsReplicas=4 || return 1
  local replicas
  replicas="$(kubectl get -n bigdl-ehsm-kms deployment/bigdl-ehsm-kms-deployment \
    -o 'jsonpath={.spec.replicas}')"
  [ "$replicas" = 4 ]
}
check "install with another kmsReplicas updates the Deployment" rescale

uninstall_all() {
  grep -E '^CREATE ' "$STAND_IN_LOG" | awk '{print $3, $4, $5}' | sort -u >"$W/created.list"
  bash "$UNINSTALL" --values "$W/test-values.yaml" >"$W/uninstall.out" 2>&1 ||
    { cat "$W/uninstall.out"; return 1; }
  cat "$W/uninstall.out"
  objects >"$W/after-uninstall.list"
  comm -12 "$W/created.list" "$W/after-uninstall.list" >"$W/left.list"
  [ ! -s "$W/left.list" ] || { echo "left behind:"; cat "$W/left.list"; return 1; }
  if [ "$(cut -d' ' -f1 "$W/after-uninstall.list" | sort -u)" != Node ]; then
    echo "left:"
    cat "$W/after-uninstall.list"
    return 1
  fi
  grep -q 'persistentvolumeclaim "couch-persistent-storage-couchdb-0" deleted' "$W/uninstall.out" &&
    grep -q 'persistentvolume "ehsm-pv-nfs" deleted' "$W/uninstall.out" &&
    grep -q 'left on purpose' "$W/uninstall.out" &&
    grep -q '192.0.2.10:/exports/ehsm/dkeyserver' "$W/uninstall.out" &&
    grep -q "the simulated platform secret $W/sim/platform.secret" "$W/uninstall.out" &&
    grep -q 'secret "ehsm-sim-platform" deleted' "$W/uninstall.out"
}
check "uninstall removes everything install made (claims and volumes too), says what it leaves" \
  uninstall_all
check "uninstall again finds nothing to do" \
  bash -c '"$@" 2>&1 | tee /dev/stderr | grep -q "nothing to uninstall"' _ bash "$UNINSTALL"

start_stand_in never-ready --never-ready statefulset/dkeyserver
bounded_wait() {
  local rc=0 start=$SECONDS
  EHSM_WAIT_TIMEOUT=3 bash "$INSTALL" "${SIM_ARGS[@]}" >"$W/bounded.out" 2>&1 || rc=$?
  cat "$W/bounded.out"
  [ "$rc" = 1 ] && ((SECONDS - start < 30)) &&
    grep -q 'statefulset/dkeyserver is not ready within 3s' "$W/bounded.out" &&
    bash "$UNINSTALL" >/dev/null 2>&1 && [ "$(objects | cut -d' ' -f1 | sort -u)" = Node ]
}
check "the wait for readiness is bounded and says what is not ready" bounded_wait

# tee=sgx on nodes with the SGX device plugin, with the in-cluster ehsm-pccs.
start_stand_in sgx --sgx-enclaves 20
sgx_install_uninstall() {
  bash "$INSTALL" "${SGX_PCCS_ARGS[@]}" >"$W/sgx-install.out" 2>&1 ||
    { cat "$W/sgx-install.out"; return 1; }
  cat "$W/sgx-install.out"
  grep -q 'waiting for statefulset/ehsm-pccs to be ready' "$W/sgx-install.out" || return 1
  local o
  for o in "StatefulSet bigdl-ehsm-kms ehsm-pccs" "Service bigdl-ehsm-kms pccs" \
    "PersistentVolumeClaim bigdl-ehsm-kms pccs-persistent-storage-ehsm-pccs-0" \
    "PersistentVolume - ehsm-pccs-pv-nfs" "Secret bigdl-ehsm-kms ehsm-pccs-tls" \
    "NetworkPolicy bigdl-ehsm-kms ehsm-pccs-ingress"; do
    objects | grep -qx "$o" || { echo "not installed: $o"; return 1; }
  done
  local before
  before="$(changes)"
  bash "$INSTALL" --no-wait "${SGX_PCCS_ARGS[@]}" >/dev/null 2>&1 || return 1
  [ "$(changes)" = "$before" ] || { echo "the second install changed something"; return 1; }
  bash "$UNINSTALL" --values "$W/test-values.yaml" tee=sgx >"$W/sgx-uninstall.out" 2>&1 ||
    { cat "$W/sgx-uninstall.out"; return 1; }
  cat "$W/sgx-uninstall.out"
  [ "$(objects | cut -d' ' -f1 | sort -u)" = Node ] || { echo "left:"; objects; return 1; }
  grep -q '192.0.2.10:/exports/ehsm/pccs' "$W/sgx-uninstall.out" &&
    grep -q "the ehsm-pccs TLS pair in $W/pccs-tls" "$W/sgx-uninstall.out"
}
check "tee=sgx with ehsm-pccs: install waits for it, again changes nothing, uninstall removes it all" \
  sgx_install_uninstall

echo "$passed passed, $failed failed"
((failed == 0))
