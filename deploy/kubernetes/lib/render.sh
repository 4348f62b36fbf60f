# Renders every object of the deployment as one multi-document YAML stream on stdout, from the
# checked parameters in P (lib/params.sh). Install applies exactly this output, so `--dry-run`
# shows operators what will be applied.
#
# Every object carries app.kubernetes.io/part-of=bigdl-ehsm-kms: uninstall finds what install
# made by that label (the PVCs that the StatefulSets make get it from their templates).

NAMESPACE=bigdl-ehsm-kms
PART_OF="app.kubernetes.io/part-of: bigdl-ehsm-kms"
RUN_UID=10001     # the user of the ehsm images (deploy/docker)
COUCHDB_UID=5984  # the couchdb user of the official CouchDB image
SOCKET_DIR=/var/run/ehsm
SOCKET=$SOCKET_DIR/dkeyprovision.sock
POLICY=/etc/ehsm/policy/policy.toml
HEALTH_PORT=8889  # dkeyserver and dkeycache serve /healthz and /readyz here (plain HTTP)
SIM_PLATFORM_DIR=/etc/ehsm/platform  # the tee=sim platform secret, from Secret ehsm-sim-platform
PCCS_CA_DIR=/etc/ehsm/pccs-ca        # the CA of the PCCS, from ConfigMap ehsm-pccs-ca
PCCS_HOST=pccs.$NAMESPACE.svc        # the in-cluster ehsm-pccs (Service pccs)
PCCS_PORT=8081

# shellcheck source=workloads.sh
source "$(dirname "${BASH_SOURCE[0]}")/workloads.sh"

# Simulated identities (tee=sim): one signer, one enclave measurement per component, made from
# fixed strings so that the policy below and the flags passed to each binary always agree.
sim_hash() { printf 'bigdl-ehsm-kms simulated %s' "$1" | sha256sum | cut -c1-64; }

image() { echo "${P[imageRegistry]}/$1:${P[imageTag]}"; }

b64() { printf '%s' "$1" | base64 -w0; }

# Indents stdin by $1 spaces (for embedding files in block scalars).
indent() { sed "/./s/^/$(printf '%*s' "$1" '')/"; }

labels() {  # NAME INDENT
  printf '%*sapp.kubernetes.io/name: %s\n%*s%s\n' "$2" '' "$1" "$2" '' "$PART_OF"
}

# The metadata of a namespaced object of a component.
meta() {  # NAME COMPONENT
  printf 'metadata:\n  name: %s\n  namespace: %s\n  labels:\n%s\n' "$1" "$NAMESPACE" "$(labels "$2" 4)"
}

# The PCCS the components verify real quotes with: pccsURL, or the in-cluster ehsm-pccs; empty
# with tee=sim and no pccsURL.
pccs_url() {
  if pccs_in_cluster; then echo "https://$PCCS_HOST:$PCCS_PORT"; else echo "${P[pccsURL]}"; fi
}

# Whether the components get a PCCS CA (ConfigMap ehsm-pccs-ca): the in-cluster ehsm-pccs's
# certificate, or pccsCAFile for an existing PCCS.
pccs_ca_rendered() { pccs_in_cluster || [ -n "${P[pccsCAFile]}" ]; }

# Arguments of a TEE component's container (YAML list items at indent 12): the identity flags
# of the attestation backend (with tee=sim the shared platform secret) and the PCCS where real
# quotes are verified against collateral.
tee_args() {  # ROLE
  if [ "${P[tee]}" = sim ]; then
    cat <<EOF
            - --tee=sim
            - --sim-mrsigner=$(sim_hash signer)
            - --sim-mrenclave=$(sim_hash "enclave $1")
            - --platform-secret=$SIM_PLATFORM_DIR/platform.secret
EOF
  else
    echo "            - --tee=gramine"
  fi
  local url
  url="$(pccs_url)"
  if [ -n "$url" ]; then echo "            - --pccs-url=$url"; fi
  if pccs_ca_rendered; then echo "            - --pccs-ca-file=$PCCS_CA_DIR/ca.crt"; fi
}

# The volume mounts (at indent 12) and volumes (at indent 8) that tee_args' files need.
tee_mounts() {
  if [ "${P[tee]}" = sim ]; then
    cat <<EOF
            - name: sim-platform
              mountPath: $SIM_PLATFORM_DIR
              readOnly: true
EOF
  fi
  if pccs_ca_rendered; then
    cat <<EOF
            - name: pccs-ca
              mountPath: $PCCS_CA_DIR
              readOnly: true
EOF
  fi
}
tee_volumes() {
  if [ "${P[tee]}" = sim ]; then
    cat <<EOF
        - name: sim-platform
          secret:
            secretName: ehsm-sim-platform
            defaultMode: 288  # 0440: the ehsm user through fsGroup
EOF
  fi
  if pccs_ca_rendered; then
    cat <<EOF
        - name: pccs-ca
          configMap:
            name: ehsm-pccs-ca
EOF
  fi
}

pod_security() {  # UID
  cat <<EOF
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: $1
        runAsGroup: $1
        fsGroup: $1
        seccompProfile:
          type: RuntimeDefault
EOF
}

container_security() {
  cat <<EOF
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
EOF
}

# Requests and limits; with tee=sgx also the SGX device plugin's resources (EPC in MiB).
resources() {  # REQ_CPU REQ_MEM LIM_CPU LIM_MEM [EPC_MIB]
  local sgx="" epc="${5:-}"
  if [ "${P[tee]}" = sgx ] && [ -n "$epc" ]; then
    sgx=$'\n'"              sgx.intel.com/enclave: 1"
    sgx+=$'\n'"              sgx.intel.com/provision: 1"
    sgx+=$'\n'"              sgx.intel.com/epc: ${epc}Mi"
  fi
  cat <<EOF
          resources:
            requests:
              cpu: $1
              memory: $2$sgx
            limits:
              cpu: $3
              memory: $4$sgx
EOF
}

# Startup, liveness and readiness probes on a health endpoint pair.
probes() {  # PORT_NAME SCHEME STARTUP_SECONDS HEALTH_PATH READY_PATH
  cat <<EOF
          startupProbe:
            httpGet: {path: $4, port: $1, scheme: $2}
            periodSeconds: 2
            failureThreshold: $(($3 / 2))
          livenessProbe:
            httpGet: {path: $4, port: $1, scheme: $2}
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet: {path: $5, port: $1, scheme: $2}
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 2
EOF
}

sgx_node_selector() {
  if [ "${P[tee]}" = sgx ]; then
    cat <<EOF
      nodeSelector:
        intel.feature.node.kubernetes.io/sgx: "true"
EOF
  fi
}

render_namespace() {
  cat <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    $PART_OF
    # The dkeycache socket folder is a hostPath, which the baseline and restricted Pod
    # Security levels forbid; every other setting of these pods meets "restricted".
    pod-security.kubernetes.io/enforce: privileged
EOF
}

render_secrets() {
  local tls="${P[kmsTlsDir]}"
  cat <<EOF
---
apiVersion: v1
kind: Secret
$(meta couchdb-auth couchdb)
type: Opaque
data:
  username: $(b64 "${P[couchdbUser]}")
  password: $(b64 "${P[couchdbPassword]}")
---
apiVersion: v1
kind: Secret
$(meta bigdl-ehsm-kms-tls bigdl-ehsm-kms)
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 <"$tls/tls.crt")
  tls.key: $(base64 -w0 <"$tls/tls.key")
EOF
  if [ "${P[tee]}" = sim ]; then
    cat <<EOF
---
apiVersion: v1
kind: Secret
$(meta ehsm-sim-platform ehsm-sim-platform)
type: Opaque
data:
  platform.secret: $(base64 -w0 <"${P[simPlatformSecretFile]}")
EOF
  fi
  pccs_in_cluster || return 0
  tls="${P[pccsTlsDir]}"
  cat <<EOF
---
apiVersion: v1
kind: Secret
$(meta ehsm-pccs-tls ehsm-pccs)
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 <"$tls/tls.crt")
  tls.key: $(base64 -w0 <"$tls/tls.key")
EOF
  if [ -n "${P[pccsApiKeyFile]}" ]; then
    cat <<EOF
---
apiVersion: v1
kind: Secret
$(meta ehsm-pccs-api-key ehsm-pccs)
type: Opaque
data:
  api-key: $(tr -d '\r\n' <"${P[pccsApiKeyFile]}" | base64 -w0)
EOF
  fi
}

# The domain-key cluster's deployment policy: who may serve the domain key (dkeyserver), fetch
# it from a dkeyserver (dkeycache) and fetch it from a dkeycache (kms).
policy_toml() {
  if [ -n "${P[policyFile]}" ]; then
    cat "${P[policyFile]}"
    return
  fi
  local role
  cat <<EOF
# Simulated identities (tee=sim): accepted only because allow_simulation is set; they make no
# security claim. For real enclaves pass policyFile with your mrsigner/mrenclave values.
allow_simulation = true
EOF
  for role in dkeyserver dkeycache kms; do
    printf '\n[[%s]]\nmrsigner = "%s"\nmrenclave = "%s"\n' "$role" "$(sim_hash signer)" \
      "$(sim_hash "enclave $role")"
  done
}

render_configmaps() {
  cat <<EOF
---
apiVersion: v1
kind: ConfigMap
$(meta ehsm-policy ehsm-policy)
data:
  policy.toml: |
$(policy_toml | indent 4)
---
apiVersion: v1
kind: ConfigMap
$(meta couchdb-config couchdb)
data:
  10-ehsm.ini: |
    [couchdb]
    single_node = true
EOF
  pccs_ca_rendered || return 0
  local ca="${P[pccsCAFile]}"
  pccs_in_cluster && ca="${P[pccsTlsDir]}/tls.crt"
  cat <<EOF
---
apiVersion: v1
kind: ConfigMap
$(meta ehsm-pccs-ca ehsm-pccs-ca)
data:
  ca.crt: |
$(indent 4 <"$ca")
EOF
}

# Static NFS volumes, each reserved for its one claim. CouchDB and the sealed domain key live in
# separate folders of the export, so neither pod can reach the other's data.
render_pv() {  # NAME COMPONENT SIZE CLAIM FOLDER
  cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: $1
  labels:
$(labels "$2" 4)
spec:
  capacity:
    storage: $3
  accessModes: ["ReadWriteOnce"]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: ""
  claimRef:
    namespace: $NAMESPACE
    name: $4
  nfs:
    server: "${P[nfsServerIP]}"
    path: "${P[nfsPath]}/$5"
EOF
}

render_service() {  # NAME COMPONENT PORT_NAME PORT
  cat <<EOF
---
apiVersion: v1
kind: Service
$(meta $1 "$2")
spec:
  type: ClusterIP
  selector:
$(labels "$2" 4)
  ports:
    - name: $3
      port: $4
      targetPort: $3
      protocol: TCP
EOF
}

claim_template() {  # NAME COMPONENT SIZE PV
  cat <<EOF
  volumeClaimTemplates:
    - metadata:
        name: $1
        labels:
$(labels "$2" 10)
      spec:
        accessModes: ["ReadWriteOnce"]
        storageClassName: ""
        volumeName: $4
        resources:
          requests:
            storage: $3
EOF
}

render_pdb() {  # NAME COMPONENT RULE
  cat <<EOF
---
apiVersion: policy/v1
kind: PodDisruptionBudget
$(meta $1 "$2")
spec:
  $3
  selector:
    matchLabels:
$(labels "$2" 6)
EOF
}

render_pdbs() {
  if ((P[kmsReplicas] >= 2)); then
    render_pdb bigdl-ehsm-kms-pdb bigdl-ehsm-kms "minAvailable: 1"
  else
    render_pdb bigdl-ehsm-kms-pdb bigdl-ehsm-kms "maxUnavailable: 1"
  fi
  # Single instances: a voluntary eviction (a node drain) waits for the operator, who decides
  # when the database or the domain-key server may be down (dkeycaches keep serving then).
  render_pdb couchdb-pdb couchdb "maxUnavailable: 0"
  render_pdb dkeyserver-pdb dkeyserver "maxUnavailable: 0"
}

render_network_policy() {  # NAME COMPONENT PORT FROM_COMPONENT...
  local name="$1" component="$2" port="$3" from
  shift 3
  cat <<EOF
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
$(meta $name "$component")
spec:
  podSelector:
    matchLabels:
$(labels "$component" 6)
  policyTypes: ["Ingress"]
  ingress:
    - ports:
        - port: $port
          protocol: TCP
EOF
  (($# == 0)) && return
  echo "      from:"
  for from in "$@"; do
    printf '        - podSelector:\n            matchLabels:\n%s\n' "$(labels "$from" 14)"
  done
}

render_network_policies() {
  cat <<EOF
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
$(meta default-deny-ingress default-deny-ingress)
spec:
  podSelector: {}
  policyTypes: ["Ingress"]
EOF
  render_network_policy bigdl-ehsm-kms-ingress bigdl-ehsm-kms 9000
  render_network_policy couchdb-ingress couchdb 5984 bigdl-ehsm-kms
  render_network_policy dkeyserver-ingress dkeyserver 8888 dkeycache dkeyserver
  if pccs_in_cluster; then
    render_network_policy ehsm-pccs-ingress ehsm-pccs $PCCS_PORT bigdl-ehsm-kms dkeyserver dkeycache
  fi
}

render_all() {
  render_namespace
  render_secrets
  render_configmaps
  render_couchdb
  render_dkeyserver
  render_dkeycache
  render_kms
  render_pccs
  render_pdbs
  render_network_policies
}
