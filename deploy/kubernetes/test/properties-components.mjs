// Properties of the components: storage, the daemons' flags, the trust policy, secrets,
// disruption budgets and network policies (see check-rendered.mjs).
import { SOCKET_DIR } from "./rendered-context.mjs";

export function checkComponents(ctx) {
  const {
    check,
    find,
    id,
    expect,
    podSpecs,
    argsOf,
    matches,
    kms,
    kmsService,
    couch,
    dks,
    cache,
    params,
    objects,
    allowedInto,
  } = ctx;
  // --- volumes ------------------------------------------------------------------------------------
  check(
    "the only hostPath is /var/run/ehsm, in dkeycache and (read-only) in the KMS pods",
    podSpecs.flatMap(([o, s]) =>
      (s.volumes ?? [])
        .filter((v) => v.hostPath)
        .flatMap((v) => [
          expect(v.hostPath.path === SOCKET_DIR, `${id(o)}: hostPath ${v.hostPath.path}`),
          expect(o === cache || o === kms, `${id(o)}: mounts a hostPath`),
          ...(o === kms
            ? s.containers.concat(s.initContainers ?? []).map((c) => {
                const m = c.volumeMounts?.find((x) => x.name === v.name);
                return expect(
                  !m || m.readOnly === true,
                  `${id(o)}/${c.name}: mounts ${SOCKET_DIR} writable`,
                );
              })
            : []),
        ]),
    ),
  );
  const pvOf = (sts, mountPath) => {
    const c = sts?.spec.template.spec.containers[0];
    const m = c?.volumeMounts.find((x) => x.mountPath === mountPath);
    const t = sts?.spec.volumeClaimTemplates?.find((x) => x.metadata.name === m?.name);
    return t && find("PersistentVolume", t.spec.volumeName);
  };
  const couchPv = pvOf(couch, "/opt/couchdb/data");
  const dkeyPv = pvOf(dks, "/var/lib/ehsm-dkeyserver");
  const under = (a, b) => a === b || a.startsWith(b + "/") || b.startsWith(a + "/");
  check("CouchDB and the sealed domain key each have their own NFS volume and folder", [
    expect(
      couchPv?.spec.nfs?.server === params.nfsServerIP &&
        couchPv?.spec.nfs?.path === `${params.nfsPath}/couchdb`,
      "couchdb's data is not on <nfsServerIP>:<nfsPath>/couchdb",
    ),
    expect(
      dkeyPv && dkeyPv !== couchPv,
      "dkeyserver's data dir is not on a PersistentVolume of its own",
    ),
    expect(
      dkeyPv?.spec.nfs && !under(dkeyPv.spec.nfs.path, couchPv?.spec.nfs?.path ?? ""),
      "dkeyserver's folder overlaps CouchDB's",
    ),
    expect(
      !(dks?.spec.template.spec.volumes ?? []).some((v) => v.hostPath),
      "dkeyserver mounts a hostPath",
    ),
    ...[couchPv, dkeyPv].map((pv) =>
      expect(pv?.spec.persistentVolumeReclaimPolicy === "Retain", `${pv && id(pv)} is not Retain`),
    ),
  ]);

  // --- the components' contracts --------------------------------------------------------------
  // Without the script's comment lines, which may mention flags.
  const uncommented = (c) =>
    [...(c.command ?? []), ...(c.args ?? [])]
      .map((a) =>
        a
          .split("\n")
          .filter((l) => !/^\s*#/.test(l))
          .join("\n"),
      )
      .join(" ");
  const dksArgs = uncommented(dks?.spec.template.spec.containers[0] ?? {});
  const kmsArgs = argsOf(kms?.spec.template.spec.containers[0] ?? {});
  const cacheArgs = argsOf(cache?.spec.template.spec.containers[0] ?? {});
  check("dkeyserver: pinned to dkeyserverNodeName, --init only on an empty volume", [
    expect(
      JSON.stringify(
        dks?.spec.template.spec.affinity?.nodeAffinity
          ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields,
      ) ===
        JSON.stringify([
          { key: "metadata.name", operator: "In", values: [params.dkeyserverNodeName] },
        ]),
      "not pinned by node name",
    ),
    expect(
      /if \[ -z "\$\(ls -A \/var\/lib\/ehsm-dkeyserver[^)]*\)" \]; then\s+set -- --init\s+fi/.test(
        dksArgs,
      ) && dksArgs.split("--init").length === 2,
      "--init is not conditional on an empty data dir",
    ),
    expect(
      /--port=8888 /.test(dksArgs) &&
        /--data-dir=\/var\/lib\/ehsm-dkeyserver /.test(dksArgs) &&
        /--policy=\S+/.test(dksArgs),
      "dkeyserver flags differ from its contract",
    ),
    expect(dks?.spec.replicas === 1, "more than one dkeyserver on one pinned node"),
  ]);
  check(
    "dkeycache: one per node, socket /var/run/ehsm/dkeyprovision.sock, fetches from dkeyserver:8888",
    [
      expect(cacheArgs.includes("--socket=/var/run/ehsm/dkeyprovision.sock"), "socket flag"),
      expect(cacheArgs.includes("--dkeyserver=dkeyserver:8888"), "dkeyserver flag"),
      expect(
        cacheArgs.includes("--data-dir=") && cacheArgs.includes("--policy="),
        "data-dir/policy flags",
      ),
      expect(
        cache?.spec.template.spec.volumes.find((v) => v.hostPath)?.hostPath.type ===
          "DirectoryOrCreate",
        "socket dir not DirectoryOrCreate",
      ),
    ],
  );
  const kmsAff = kms?.spec.template.spec.affinity;
  check(
    "KMS: kmsReplicas, cluster mode on the node's dkeycache socket, only where a dkeycache runs, spread",
    [
      expect(
        kms?.spec.replicas === Number(params.kmsReplicas),
        `replicas ${kms?.spec.replicas}, not ${params.kmsReplicas}`,
      ),
      expect(
        /--run-mode=cluster/.test(kmsArgs) &&
          kmsArgs.includes("--dkeycache-socket=/var/run/ehsm/dkeyprovision.sock") &&
          /--policy=\S+/.test(kmsArgs),
        "cluster-mode flags",
      ),
      expect(kmsArgs.includes("--couchdb-url=http://couchdb:5984"), "not on the couchdb service"),
      expect(
        kmsAff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.some(
          (t) =>
            t.topologyKey === "kubernetes.io/hostname" &&
            matches(t.labelSelector.matchLabels, cache?.spec.template.metadata.labels),
        ),
        "no required affinity to a dkeycache pod on the same node",
      ),
      expect(
        kmsAff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.some(
          (t) =>
            t.podAffinityTerm.topologyKey === "kubernetes.io/hostname" &&
            matches(t.podAffinityTerm.labelSelector.matchLabels, kms.spec.template.metadata.labels),
        ),
        "no anti-affinity between replicas",
      ),
    ],
  );
  check(
    "Service bigdl-ehsm-kms-service: LoadBalancer on 9000 at kmsIP (loadBalancerIP and externalIPs)",
    [
      expect(kmsService?.spec.type === "LoadBalancer", "not a LoadBalancer"),
      expect(
        kmsService?.spec.ports.length === 1 && kmsService.spec.ports[0].port === 9000,
        "not port 9000",
      ),
      expect(kmsService?.spec.loadBalancerIP === params.kmsIP, "loadBalancerIP"),
      expect(
        JSON.stringify(kmsService?.spec.externalIPs) === JSON.stringify([params.kmsIP]),
        "externalIPs",
      ),
      expect(
        matches(kmsService?.spec.selector, kms?.spec.template.metadata.labels),
        "does not select the KMS pods",
      ),
    ],
  );
  const couchC = couch?.spec.template.spec.containers[0];
  const couchIni = Object.values(find("ConfigMap", "couchdb-config")?.data ?? {}).join("\n");
  check("CouchDB: single_node=true, credentials from the Secret, data on its claim", [
    expect(/^\[couchdb\]\nsingle_node = true$/m.test(couchIni), "single_node = true missing"),
    expect(
      couchC?.volumeMounts.some((m) => m.mountPath.startsWith("/opt/couchdb/etc/default.d/")),
      "config not mounted",
    ),
    ...["COUCHDB_USER", "COUCHDB_PASSWORD"].map((n) =>
      expect(
        couchC?.env.find((e) => e.name === n)?.valueFrom?.secretKeyRef?.name === "couchdb-auth",
        `${n} not from couchdb-auth`,
      ),
    ),
  ]);

  // --- the trust configuration ------------------------------------------------------------------
  const policy = find("ConfigMap", "ehsm-policy")?.data?.["policy.toml"] ?? "";
  const section = (role) => policy.split(/^\[\[/m).find((s) => s.startsWith(`${role}]]`)) ?? "";
  check("the policy ConfigMap has the three roles and every component reads it", [
    ...["dkeyserver", "dkeycache", "kms"].map((r) =>
      expect(/mrsigner = "[0-9a-f]{64}"/.test(section(r)), `no [[${r}]] with a mrsigner`),
    ),
    ...[kms, dks, cache].map((o) => {
      const c = o?.spec.template.spec.containers[0];
      const m = c?.volumeMounts.find(
        (x) =>
          o.spec.template.spec.volumes.find((v) => v.name === x.name)?.configMap?.name ===
          "ehsm-policy",
      );
      return expect(
        m && argsOf(c).includes(`--policy=${m.mountPath}/policy.toml`),
        `${o && id(o)}: does not read the mounted policy`,
      );
    }),
  ]);
  const teeComponents = [
    [kms, "kms"],
    [dks, "dkeyserver"],
    [cache, "dkeycache"],
  ];
  if (params.tee === "sim") {
    check(
      "tee=sim: every identity flag matches its policy section, no SGX resources",
      teeComponents
        .flatMap(([o, role]) => {
          const a = argsOf(o?.spec.template.spec.containers[0] ?? {});
          const enclave = section(role).match(/mrenclave = "([0-9a-f]{64})"/)?.[1];
          return [
            expect(a.includes("--tee=sim"), `${role}: no --tee=sim`),
            expect(
              enclave && a.includes(`--sim-mrenclave=${enclave}`),
              `${role}: --sim-mrenclave differs from [[${role}]]`,
            ),
            expect(
              !JSON.stringify(o?.spec.template.spec).includes("sgx.intel.com"),
              `${role}: asks for SGX resources`,
            ),
          ];
        })
        .concat([
          expect(/^allow_simulation = true$/m.test(policy), "simulation not allowed by the policy"),
        ]),
    );
  } else {
    check(
      "tee=sgx: SGX device plugin resources and --tee=gramine on every TEE component",
      teeComponents
        .flatMap(([o, role]) => {
          const c = o?.spec.template.spec.containers[0];
          return [
            expect(argsOf(c ?? {}).includes("--tee=gramine"), `${role}: no --tee=gramine`),
            ...["requests", "limits"].flatMap((k) =>
              ["sgx.intel.com/enclave", "sgx.intel.com/epc"].map((res) =>
                expect(c?.resources?.[k]?.[res] !== undefined, `${role}: no ${k} ${res}`),
              ),
            ),
          ];
        })
        .concat([
          expect(!/allow_simulation\s*=\s*true/.test(policy), "the policy allows simulation"),
        ]),
    );
  }

  // --- secrets ------------------------------------------------------------------------------------
  const b64 = (s) => Buffer.from(s).toString("base64");
  const outsideSecret = objects
    .filter((o) => o.kind !== "Secret")
    .map((o) => [o, JSON.stringify(o)]);
  // Private material and where it may appear: [what, base64 of it or a PEM key, its Secret].
  const pemBody = (pem) =>
    pem
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .join("");
  const privates = [
    ["the TLS key", pemBody(params.tlsKey), "bigdl-ehsm-kms-tls"],
    ["the PCCS TLS key", params.pccsTlsKey ? pemBody(params.pccsTlsKey) : "", "ehsm-pccs-tls"],
    ["the sim platform secret", params.tee === "sim" ? params.simSecret : "", "ehsm-sim-platform"],
    ["the PCCS API key", params.pccsUpstreamURL ? b64(params.apiKey) : "", "ehsm-pccs-api-key"],
  ].filter(([, body]) => body);
  check("the CouchDB password and every private key appear in their own Secrets only", [
    ...objects.flatMap((o) => {
      const s = JSON.stringify(o);
      return privates.map(([what, body, secret]) =>
        expect(
          (o.kind === "Secret" && o.metadata.name === secret) ||
            (!s.includes(body.slice(0, 40)) && !s.includes(b64(body).slice(0, 40))),
          `${id(o)} contains ${what}`,
        ),
      );
    }),
    expect(
      find("Secret", "couchdb-auth")?.data?.password === b64(params.couchdbPassword),
      "couchdb-auth holds another password",
    ),
    expect(
      find("Secret", "bigdl-ehsm-kms-tls")?.type === "kubernetes.io/tls" &&
        find("Secret", "bigdl-ehsm-kms-tls")?.data?.["tls.key"] === b64(params.tlsKey),
      "the TLS Secret holds another key",
    ),
    ...outsideSecret.map(([o, s]) =>
      expect(
        !s.includes(params.couchdbPassword) && !s.includes(b64(params.couchdbPassword)),
        `${id(o)} contains the password`,
      ),
    ),
    ...podSpecs.flatMap(([o, s]) =>
      s.containers.flatMap((c) =>
        (c.env ?? [])
          .filter((e) => /PASSWORD/.test(e.name))
          .map((e) =>
            expect(
              e.valueFrom?.secretKeyRef && e.value === undefined,
              `${id(o)}/${c.name}: ${e.name} is not a secretKeyRef`,
            ),
          ),
      ),
    ),
  ]);

  // --- disruption and network policies ------------------------------------------------------------
  const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget");
  check(
    "a PodDisruptionBudget covers the KMS, CouchDB and dkeyserver",
    [kms, couch, dks].map((o) =>
      expect(
        pdbs.some(
          (p) =>
            matches(p.spec.selector.matchLabels, o?.spec.template.metadata.labels) &&
            (o !== kms || Number(params.kmsReplicas) < 2 || p.spec.minAvailable === 1),
        ),
        `${o && id(o)}: no (suitable) budget`,
      ),
    ),
  );
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  const podLabels = (o) => JSON.stringify(o?.spec.template.metadata.labels);
  check(
    "NetworkPolicies: default deny; only dkeycache and dkeyserver -> dkeyserver:8888; only KMS -> couchdb:5984",
    [
      expect(
        policies.some(
          (p) =>
            Object.keys(p.spec.podSelector).length === 0 ||
            Object.keys(p.spec.podSelector.matchLabels ?? {}).length === 0,
        ) &&
          policies.some((p) => !p.spec.ingress?.length && p.spec.policyTypes.includes("Ingress")),
        "no default-deny ingress policy",
      ),
      expect(
        JSON.stringify(allowedInto(dks?.spec.template.metadata.labels).sort()) ===
          JSON.stringify(
            [
              [podLabels(cache), 8888],
              [podLabels(dks), 8888],
            ].sort(),
          ),
        `dkeyserver admits ${JSON.stringify(allowedInto(dks?.spec.template.metadata.labels))}`,
      ),
      expect(
        JSON.stringify(allowedInto(couch?.spec.template.metadata.labels)) ===
          JSON.stringify([[podLabels(kms), 5984]]),
        `couchdb admits ${JSON.stringify(allowedInto(couch?.spec.template.metadata.labels))}`,
      ),
      expect(
        allowedInto(cache?.spec.template.metadata.labels).length === 0,
        "dkeycache admits network traffic",
      ),
    ],
  );
}
