# The workloads of the deployment (sourced by render.sh): CouchDB, dkeyserver, the dkeycache
# DaemonSet, the KMS and (tee=sgx without pccsURL) ehsm-pccs, each with the objects only it uses
# (its volume, its Service).

# Environment entries (at indent 12) that read the CouchDB credentials from their Secret.
couchdb_credentials() {  # USER_VARIABLE PASSWORD_VARIABLE
  local name key=username
  for name in "$1" "$2"; do
    cat <<EOF
            - name: $name
              valueFrom:
                secretKeyRef: {name: couchdb-auth, key: $key}
EOF
    key=password
  done
}

render_couchdb() {
  render_pv ehsm-pv-nfs couchdb 10Gi couch-persistent-storage-couchdb-0 couchdb
  render_service couchdb couchdb http 5984
  cat <<EOF
---
apiVersion: apps/v1
kind: StatefulSet
$(meta couchdb couchdb)
spec:
  serviceName: couchdb
  replicas: 1
  selector:
    matchLabels:
$(labels couchdb 6)
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
$(labels couchdb 8)
    spec:
$(pod_security $COUCHDB_UID)
      containers:
        - name: couchdb
          image: "${P[couchdbImage]}"
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 5984
          env:
$(couchdb_credentials COUCHDB_USER COUCHDB_PASSWORD)
            # Erlang keeps its cookie file in \$HOME; the root filesystem is read-only.
            - name: HOME
              value: /tmp
$(container_security)
$(resources 250m 512Mi "1" 1Gi)
$(probes http HTTP 120 /_up /_up)
          volumeMounts:
            - name: couch-persistent-storage
              mountPath: /opt/couchdb/data
            - name: config
              mountPath: /opt/couchdb/etc/default.d/10-ehsm.ini
              subPath: 10-ehsm.ini
              readOnly: true
            # The image's entrypoint writes the admin account into local.d/docker.ini.
            - name: local-config
              mountPath: /opt/couchdb/etc/local.d
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: config
          configMap:
            name: couchdb-config
        - name: local-config
          emptyDir: {}
        - name: tmp
          emptyDir:
            medium: Memory
            sizeLimit: 64Mi
$(claim_template couch-persistent-storage couchdb 10Gi ehsm-pv-nfs)
EOF
}

render_dkeyserver() {
  local node="${P[dkeyserverNodeName]}"
  render_pv ehsm-dkey-pv-nfs dkeyserver 1Gi dkey-persistent-storage-dkeyserver-0 dkeyserver
  render_service dkeyserver dkeyserver dkey 8888
  cat <<EOF
---
apiVersion: apps/v1
kind: StatefulSet
$(meta dkeyserver dkeyserver)
spec:
  serviceName: dkeyserver
  replicas: 1
  selector:
    matchLabels:
$(labels dkeyserver 6)
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
$(labels dkeyserver 8)
    spec:
$(pod_security $RUN_UID)
      # Pinned by node name (no node label to add and remove).
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchFields:
                  - key: metadata.name
                    operator: In
                    values: ["$node"]
      containers:
        - name: dkeyserver
          image: "$(image ehsm-dkeyserver)"
          imagePullPolicy: IfNotPresent
          command: ["/bin/sh", "-c"]
          args:
            - |
              # A new domain key is made (--init) only on an empty volume (a platform secret
              # left there by an earlier version of this deployment does not count; the
              # secret now comes from Secret ehsm-sim-platform). A volume that holds
              # anything else but no domain key keeps dkeyserver not ready, saying why,
              # instead of replacing the key every stored key depends on.
              if [ -z "\$(ls -A /var/lib/ehsm-dkeyserver | grep -vx platform.secret)" ]; then
                set -- --init
              fi
              exec /usr/local/bin/ehsm-dkeyserver "\$@" \\
                --port=8888 --health-port=$HEALTH_PORT \\
                --data-dir=/var/lib/ehsm-dkeyserver --policy=$POLICY \\
                $(tee_args dkeyserver | sed 's/^ *- //' | paste -sd ' ')
          ports:
            - name: dkey
              containerPort: 8888
            - name: health
              containerPort: $HEALTH_PORT
$(container_security)
$(resources 100m 64Mi 500m 256Mi 128)
$(probes health HTTP 60 /healthz /readyz)
          volumeMounts:
            - name: dkey-persistent-storage
              mountPath: /var/lib/ehsm-dkeyserver
            - name: policy
              mountPath: /etc/ehsm/policy
              readOnly: true
$(tee_mounts)
      volumes:
        - name: policy
          configMap:
            name: ehsm-policy
$(tee_volumes)
$(claim_template dkey-persistent-storage dkeyserver 1Gi ehsm-dkey-pv-nfs)
EOF
}

# The socket folder on each node: the one hostPath. kubelet creates it root-owned; a root init
# container that can only chown/chmod hands it to the ehsm user (mode 0750), so the non-root
# dkeycache can create its socket and keep its sealed copy of the domain key there, and the
# non-root KMS pods of that node (same user) can connect. Nothing else on the node can.
render_dkeycache() {
  cat <<EOF
---
apiVersion: apps/v1
kind: DaemonSet
$(meta dkeycache dkeycache)
spec:
  selector:
    matchLabels:
$(labels dkeycache 6)
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxUnavailable: 1
  template:
    metadata:
      labels:
$(labels dkeycache 8)
    spec:
$(pod_security $RUN_UID)
$(sgx_node_selector)
      initContainers:
        - name: socket-dir
          image: "$(image ehsm-dkeycache)"
          imagePullPolicy: IfNotPresent
          command: ["/bin/sh", "-c", "chown $RUN_UID:$RUN_UID $SOCKET_DIR && chmod 0750 $SOCKET_DIR"]
          securityContext:
            runAsUser: 0
            runAsGroup: 0
            runAsNonRoot: false
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ["ALL"]
              add: ["CHOWN", "FOWNER"]
$(resources 10m 16Mi 100m 32Mi)
          volumeMounts:
            - name: socket-dir
              mountPath: $SOCKET_DIR
      containers:
        - name: dkeycache
          image: "$(image ehsm-dkeycache)"
          imagePullPolicy: IfNotPresent
          args:
            - --dkeyserver=dkeyserver:8888
            - --socket=$SOCKET
            - --data-dir=$SOCKET_DIR
            - --policy=$POLICY
            - --health-port=$HEALTH_PORT
$(tee_args dkeycache)
          ports:
            - name: health
              containerPort: $HEALTH_PORT
$(container_security)
$(resources 50m 32Mi 250m 128Mi 64)
$(probes health HTTP 60 /healthz /readyz)
          volumeMounts:
            - name: socket-dir
              mountPath: $SOCKET_DIR
            - name: policy
              mountPath: /etc/ehsm/policy
              readOnly: true
$(tee_mounts)
      volumes:
        - name: socket-dir
          hostPath:
            path: $SOCKET_DIR
            type: DirectoryOrCreate
        - name: policy
          configMap:
            name: ehsm-policy
$(tee_volumes)
EOF
}

render_kms() {
  local kms=bigdl-ehsm-kms
  cat <<EOF
---
apiVersion: apps/v1
kind: Deployment
$(meta bigdl-ehsm-kms-deployment $kms)
spec:
  replicas: ${P[kmsReplicas]}
  selector:
    matchLabels:
$(labels $kms 6)
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
$(labels $kms 8)
    spec:
$(pod_security $RUN_UID)
$(sgx_node_selector)
      affinity:
        # Only on nodes where a dkeycache runs: the domain key comes from its local socket.
        podAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
$(labels dkeycache 18)
        # Replicas on different nodes where there are enough (preferred, so that a small
        # cluster still runs every replica).
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
$(labels $kms 20)
      initContainers:
        # The node's dkeycache makes the socket the KMS fetches the domain key from; wait for
        # it rather than race it.
        - name: wait-for-dkeycache
          image: "$(image ehsm-kms)"
          imagePullPolicy: IfNotPresent
          command:
            - /bin/sh
            - -c
            - until [ -S $SOCKET ]; do echo waiting for $SOCKET of this node; sleep 2; done
$(container_security)
$(resources 10m 16Mi 100m 32Mi)
          volumeMounts:
            - name: socket-dir
              mountPath: $SOCKET_DIR
              readOnly: true
      containers:
        - name: kms
          image: "$(image ehsm-kms)"
          imagePullPolicy: IfNotPresent
          args:
            - --run-mode=cluster
            - --dkeycache-socket=$SOCKET
            - --policy=$POLICY
            - --store=couchdb
            - --couchdb-url=http://couchdb:5984
            - --port=9000
            - --data-dir=/var/lib/ehsm-kms
            - --tls-cert=/etc/ehsm/tls/tls.crt
            - --tls-key=/etc/ehsm/tls/tls.key
$(tee_args kms)
          env:
$(couchdb_credentials EHSM_COUCHDB_USER EHSM_COUCHDB_PASSWORD)
          ports:
            - name: https
              containerPort: 9000
$(container_security)
$(resources 250m 256Mi "2" 1Gi 512)
$(probes https HTTPS 120 /healthz /readyz)
          volumeMounts:
            - name: data
              mountPath: /var/lib/ehsm-kms
            - name: tls
              mountPath: /etc/ehsm/tls
              readOnly: true
            - name: policy
              mountPath: /etc/ehsm/policy
              readOnly: true
            - name: socket-dir
              mountPath: $SOCKET_DIR
              readOnly: true
$(tee_mounts)
      volumes:
        - name: data
          emptyDir:
            sizeLimit: 1Gi
        - name: tls
          secret:
            secretName: bigdl-ehsm-kms-tls
            defaultMode: 288  # 0440: the KMS user through fsGroup
        - name: policy
          configMap:
            name: ehsm-policy
        - name: socket-dir
          hostPath:
            path: $SOCKET_DIR
            type: Directory
$(tee_volumes)
---
apiVersion: v1
kind: Service
$(meta bigdl-ehsm-kms-service $kms)
spec:
  type: LoadBalancer
  # loadBalancerIP for clusters with a load balancer (MetalLB, cloud); externalIPs for those
  # without one, as the seed's clusters.
  loadBalancerIP: "${P[kmsIP]}"
  externalIPs: ["${P[kmsIP]}"]
  selector:
$(labels $kms 4)
  ports:
    - name: https
      port: 9000
      targetPort: https
      protocol: TCP
EOF
}

# ehsm-pccs, the in-cluster collateral cache, when tee=sgx and no pccsURL names an existing
# PCCS (tee=sim needs none). One replica: its SQLite state on its own NFS volume has one writer.
# It needs no SGX: it serves collateral that Intel signed, which every verifier checks itself.
# Operators fill it with `ehsm-pccs import` through kubectl exec (README), or let it fetch
# through to pccsUpstreamURL.
render_pccs() {
  pccs_in_cluster || return 0
  local upstream=""
  if [ -n "${P[pccsUpstreamURL]}" ]; then
    upstream=$'\n'"            - --upstream=${P[pccsUpstreamURL]}"
    [ -n "${P[pccsApiKeyFile]}" ] &&
      upstream+=$'\n'"            - --api-key-file=/etc/ehsm/pccs-api-key/api-key"
  fi
  render_pv ehsm-pccs-pv-nfs ehsm-pccs 1Gi pccs-persistent-storage-ehsm-pccs-0 pccs
  render_service pccs ehsm-pccs https $PCCS_PORT
  cat <<EOF
---
apiVersion: apps/v1
kind: StatefulSet
$(meta ehsm-pccs ehsm-pccs)
spec:
  serviceName: pccs
  replicas: 1
  selector:
    matchLabels:
$(labels ehsm-pccs 6)
  updateStrategy:
    type: RollingUpdate
  template:
    metadata:
      labels:
$(labels ehsm-pccs 8)
    spec:
$(pod_security $RUN_UID)
      containers:
        - name: pccs
          image: "$(image ehsm-pccs)"
          imagePullPolicy: IfNotPresent
          args:
            - --port=$PCCS_PORT
            - --data-dir=/var/lib/ehsm-pccs
            - --tls-cert=/etc/ehsm/pccs-tls/tls.crt
            - --tls-key=/etc/ehsm/pccs-tls/tls.key$upstream
          ports:
            - name: https
              containerPort: $PCCS_PORT
$(container_security)
$(resources 50m 64Mi 500m 256Mi)
$(probes https HTTPS 60 /healthz /readyz)
          volumeMounts:
            - name: pccs-persistent-storage
              mountPath: /var/lib/ehsm-pccs
            - name: tls
              mountPath: /etc/ehsm/pccs-tls
              readOnly: true$(pccs_api_key_mount)
            # Where operators copy collateral files for \`ehsm-pccs import\` (kubectl cp).
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tls
          secret:
            secretName: ehsm-pccs-tls
            defaultMode: 288  # 0440: the ehsm user through fsGroup$(pccs_api_key_volume)
        - name: tmp
          emptyDir:
            sizeLimit: 256Mi
$(claim_template pccs-persistent-storage ehsm-pccs 1Gi ehsm-pccs-pv-nfs)
EOF
}

pccs_api_key_mount() {
  [ -n "${P[pccsApiKeyFile]}" ] || return 0
  printf '\n            - name: api-key\n              mountPath: /etc/ehsm/pccs-api-key\n'
  printf '              readOnly: true'
}
pccs_api_key_volume() {
  [ -n "${P[pccsApiKeyFile]}" ] || return 0
  printf '\n        - name: api-key\n          secret:\n            secretName: ehsm-pccs-api-key\n'
  printf '            defaultMode: 288'
}
