// Checks a rendered deployment (the output of install-bigdl-ehsm-kms.sh --dry-run): every
// object against the Kubernetes schemas (k8s-schema.mjs), then the properties the deployment
// promises (README, "Deploy on Kubernetes").
//
//   node check-rendered.mjs --node-modules DIR --params JSON [--mutations] FILE
//
// --params holds the parameters the file was rendered with (and `tlsKey`, the PEM private key
// it embeds). Prints "ok - ..." or "not ok - ..." per property; exits 1 when any fails.
// it embeds). Prints "ok - ..." or "not ok - ..." per property; exits 1 when any fails.
// --mutations instead breaks a fresh copy of the objects in each of several known ways
// (MUTATIONS) and checks that every breakage is caught.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { loadSchemas } from "./k8s-schema.mjs";

const argv = process.argv.slice(2);
const opt = (name) => argv[argv.indexOf(name) + 1];
const nodeModules = opt("--node-modules");
const params = JSON.parse(opt("--params"));
const file = argv[argv.length - 1];
const YAML = createRequire(path.join(nodeModules, "noop.js"))("yaml");

const NS = "bigdl-ehsm-kms";
const PART_OF = "app.kubernetes.io/part-of";
const SOCKET_DIR = "/var/run/ehsm";
const text = readFileSync(file, "utf8");
const docs = YAML.parseAllDocuments(text);
const parse = () => docs.map((d) => d.toJS()).filter(Boolean);
const schemas = loadSchemas(nodeModules);

// Ways to break a render that the checks must catch.
const MUTATIONS = {
  "unknown-field": (f) => {
    f("Deployment", "bigdl-ehsm-kms-deployment").spec.template.spec.containers[0].foo = 1;
  },
  "writable-root": (f) => {
    delete f("DaemonSet", "dkeycache").spec.template.spec.containers[0].securityContext
      .readOnlyRootFilesystem;
  },
  "no-readiness": (f) => {
    delete f("StatefulSet", "couchdb").spec.template.spec.containers[0].readinessProbe;
  },
  "no-limits": (f) => {
    delete f("Deployment", "bigdl-ehsm-kms-deployment").spec.template.spec.initContainers[0]
      .resources.limits;
  },
  "password-in-env": (f) => {
    f("Deployment", "bigdl-ehsm-kms-deployment").spec.template.spec.containers[0].env[1] = {
      name: "EHSM_COUCHDB_PASSWORD",
      value: params.couchdbPassword,
    };
  },
  "dkey-hostpath": (f) => {
    const s = f("StatefulSet", "dkeyserver");
    s.spec.template.spec.volumes.push({
      name: "dkey-persistent-storage",
      hostPath: { path: "/var/lib/ehsm" },
    });
    delete s.spec.volumeClaimTemplates;
  },
  "always-init": (f) => {
    f("StatefulSet", "dkeyserver").spec.template.spec.containers[0].args = [
      "exec /usr/local/bin/ehsm-dkeyserver --init --port=8888 --health-port=8889 --data-dir=/var/lib/ehsm-dkeyserver --policy=/etc/ehsm/policy/policy.toml",
    ];
  },
  "open-couchdb": (f) => {
    f("NetworkPolicy", "couchdb-ingress").spec.ingress[0].from.push({
      ipBlock: { cidr: "0.0.0.0/0" },
    });
  },
  "root-container": (f) => {
    f("StatefulSet", "dkeyserver").spec.template.spec.containers[0].securityContext.runAsUser = 0;
  },
  "no-pdb": (f) => {
    f("PodDisruptionBudget", "couchdb-pdb").spec.selector.matchLabels["app.kubernetes.io/name"] =
      "other";
  },
};

// Runs every check on `objects`; returns [{name, problems}].
function checkAll(objects) {
  const results = [];
  const check = (name, problems) => results.push({ name, problems: problems.filter(Boolean) });
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const id = (o) => `${o.kind}/${o.metadata?.name}`;
  const expect = (cond, msg) => (cond ? null : msg);
  const podSpecs = objects
    .filter((o) => o.spec?.template?.spec)
    .map((o) => [o, o.spec.template.spec]);
  const containersOf = (spec) => [
    ...(spec.initContainers ?? []).map((c) => [c, true]),
    ...spec.containers.map((c) => [c, false]),
  ];
  const argsOf = (c) => [...(c.command ?? []), ...(c.args ?? [])].join(" ");
  const matches = (selector, labels) =>
    Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

  // --- schemas --------------------------------------------------------------------------------
  const served = new Set(["v1", "apps/v1", "policy/v1", "networking.k8s.io/v1"]);
  check(
    "the file is YAML",
    docs.flatMap((d) => d.errors.map((e) => e.message)),
  );
  check(
    "every object is valid against the Kubernetes schemas (no unknown fields)",
    objects.flatMap((o) => [
      expect(
        served.has(o.apiVersion),
        `${id(o)}: apiVersion ${o.apiVersion} is not a current stable one`,
      ),
      ...schemas.validate(o).map((p) => `${id(o)}: ${p}`),
    ]),
  );

  // --- names and labels -------------------------------------------------------------------------
  const kmsService = find("Service", "bigdl-ehsm-kms-service");
  const kms = find("Deployment", "bigdl-ehsm-kms-deployment");
  const couch = find("StatefulSet", "couchdb");
  const dks = find("StatefulSet", "dkeyserver");
  const cache = find("DaemonSet", "dkeycache");
  check("the objects have the seed's names", [
    expect(find("Namespace", NS), "no Namespace " + NS),
    expect(kmsService, "no Service bigdl-ehsm-kms-service"),
    expect(
      find("Service", "couchdb")?.spec.ports[0].port === 5984,
      "Service couchdb does not serve 5984",
    ),
    expect(
      find("Service", "dkeyserver")?.spec.ports[0].port === 8888,
      "Service dkeyserver does not serve 8888",
    ),
    expect(kms, "no Deployment bigdl-ehsm-kms-deployment"),
    expect(couch, "no StatefulSet couchdb"),
    expect(dks, "no StatefulSet dkeyserver"),
    expect(cache, "no DaemonSet dkeycache"),
    expect(find("PersistentVolume", "ehsm-pv-nfs"), "no PersistentVolume ehsm-pv-nfs"),
    expect(
      couch?.spec.volumeClaimTemplates?.some(
        (t) => `${t.metadata.name}-couchdb-0` === "couch-persistent-storage-couchdb-0",
      ),
      "couchdb makes no claim couch-persistent-storage-couchdb-0",
    ),
    expect(
      find("PersistentVolume", "ehsm-pv-nfs")?.spec.claimRef?.name ===
        "couch-persistent-storage-couchdb-0",
      "ehsm-pv-nfs is not reserved for couch-persistent-storage-couchdb-0",
    ),
  ]);
  check(
    "every object is labelled part-of=bigdl-ehsm-kms and namespaced ones are in " + NS,
    objects.flatMap((o) => [
      expect(o.metadata.labels?.[PART_OF] === NS, `${id(o)} lacks the label`),
      expect(
        ["Namespace", "PersistentVolume"].includes(o.kind) || o.metadata.namespace === NS,
        `${id(o)} is not in ${NS}`,
      ),
      ...(o.spec?.volumeClaimTemplates ?? []).map((t) =>
        expect(
          t.metadata.labels?.[PART_OF] === NS,
          `${id(o)}: claim template ${t.metadata.name} lacks the label (uninstall finds claims by it)`,
        ),
      ),
    ]),
  );
  check(
    "images are <imageRegistry>/ehsm-*:<imageTag> (and couchdbImage)",
    podSpecs.flatMap(([o, s]) =>
      containersOf(s).map(([c]) =>
        expect(
          c.image === params.couchdbImage ||
            new RegExp(
              `^${params.imageRegistry.replace(/[.]/g, "\\.")}/ehsm-(kms|dkeyserver|dkeycache):${params.imageTag.replace(/[.]/g, "\\.")}$`,
            ).test(c.image),
          `${id(o)}/${c.name}: image ${c.image}`,
        ),
      ),
    ),
  );

  // --- pod and container security -------------------------------------------------------------
  // The one container that runs as root: it only hands the node's socket folder to the ehsm user.
  const isSocketDirInit = (o, c, init) => o === cache && init && c.name === "socket-dir";
  check(
    "pods: no service account token, runAsNonRoot, seccomp RuntimeDefault, no host namespaces",
    podSpecs.flatMap(([o, s]) => [
      expect(
        s.automountServiceAccountToken === false,
        `${id(o)}: automountServiceAccountToken is not false`,
      ),
      expect(s.securityContext?.runAsNonRoot === true, `${id(o)}: pod runAsNonRoot is not true`),
      expect(
        s.securityContext?.seccompProfile?.type === "RuntimeDefault",
        `${id(o)}: no RuntimeDefault seccomp profile`,
      ),
      expect(!s.hostNetwork && !s.hostPID && !s.hostIPC, `${id(o)}: uses a host namespace`),
    ]),
  );
  check(
    "containers: allowPrivilegeEscalation false and read-only root set explicitly, all capabilities dropped, non-root",
    podSpecs.flatMap(([o, s]) =>
      containersOf(s).flatMap(([c, init]) => {
        const sc = c.securityContext ?? {};
        const where = `${id(o)}/${c.name}`;
        const common = [
          expect(
            sc.allowPrivilegeEscalation === false,
            `${where}: allowPrivilegeEscalation is not false`,
          ),
          expect(
            sc.readOnlyRootFilesystem === true,
            `${where}: readOnlyRootFilesystem is not true`,
          ),
          expect(sc.privileged !== true, `${where}: privileged`),
          expect(sc.capabilities?.drop?.includes("ALL"), `${where}: capabilities not dropped`),
        ];
        if (isSocketDirInit(o, c, init)) {
          return [
            ...common,
            expect(
              JSON.stringify(sc.capabilities?.add?.slice().sort()) === '["CHOWN","FOWNER"]',
              `${where}: adds more than CHOWN, FOWNER`,
            ),
            expect(
              /^chown \d+:\d+ \/var\/run\/ehsm && chmod 0750 \/var\/run\/ehsm$/.test(
                c.command?.[2] ?? "",
              ),
              `${where}: does more than chown/chmod`,
            ),
          ];
        }
        return [
          ...common,
          expect(sc.runAsNonRoot === true, `${where}: runAsNonRoot is not set to true`),
          expect(!sc.capabilities?.add?.length, `${where}: adds capabilities`),
          expect(sc.runAsUser === undefined || sc.runAsUser > 0, `${where}: runs as root`),
        ];
      }),
    ),
  );
  check(
    "every container (init ones too) has cpu and memory requests and limits",
    podSpecs.flatMap(([o, s]) =>
      containersOf(s).flatMap(([c]) =>
        ["requests", "limits"].flatMap((k) =>
          ["cpu", "memory"].map((r) =>
            expect(c.resources?.[k]?.[r] !== undefined, `${id(o)}/${c.name}: no ${k}.${r}`),
          ),
        ),
      ),
    ),
  );

  // --- probes -----------------------------------------------------------------------------------
  const probe = (c, kind) => c[kind]?.httpGet;
  check(
    "every container has startup, liveness and readiness probes on the health endpoints",
    podSpecs.flatMap(([o, s]) =>
      s.containers.flatMap((c) => {
        const where = `${id(o)}/${c.name}`;
        const want = o === couch ? ["/_up", "/_up", "/_up"] : ["/healthz", "/healthz", "/readyz"];
        return ["startupProbe", "livenessProbe", "readinessProbe"].map((k, i) =>
          expect(probe(c, k)?.path === want[i], `${where}: ${k} is not an HTTP GET of ${want[i]}`),
        );
      }),
    ),
  );
  check("the KMS probes use HTTPS on 9000; dkeyserver and dkeycache their health port", [
    ...["startupProbe", "livenessProbe", "readinessProbe"].map((k) => {
      const c = kms?.spec.template.spec.containers[0];
      const port = c?.ports.find((p) => p.name === probe(c, k)?.port)?.containerPort;
      return expect(
        probe(c, k)?.scheme === "HTTPS" && port === 9000,
        `kms ${k} is not HTTPS on 9000`,
      );
    }),
    ...[dks, cache].map((o) => {
      const c = o?.spec.template.spec.containers[0];
      const port = c?.ports.find((p) => p.name === probe(c, "readinessProbe")?.port)?.containerPort;
      return expect(
        port && argsOf(c).includes(`--health-port=${port}`),
        `${o && id(o)}: probes do not use --health-port`,
      );
    }),
  ]);

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
  check(
    params.pccsURL
      ? "pccsURL is passed to KMS, dkeyserver and dkeycache"
      : "no --pccs-url without pccsURL",
    teeComponents.map(([o, role]) => {
      const a = argsOf(o?.spec.template.spec.containers[0] ?? {});
      return params.pccsURL
        ? expect(
            a.includes(`--pccs-url=${params.pccsURL}`),
            `${role}: no --pccs-url=${params.pccsURL}`,
          )
        : expect(!a.includes("--pccs-url"), `${role}: passes --pccs-url`);
    }),
  );

  // --- secrets ------------------------------------------------------------------------------------
  const b64 = (s) => Buffer.from(s).toString("base64");
  const keyBody = params.tlsKey
    .split("\n")
    .filter((l) => l && !l.startsWith("-----"))
    .join("");
  const outsideSecret = objects
    .filter((o) => o.kind !== "Secret")
    .map((o) => [o, JSON.stringify(o)]);
  check("the CouchDB password and the TLS key appear in their Secrets only", [
    expect(
      find("Secret", "couchdb-auth")?.data?.password === b64(params.couchdbPassword),
      "couchdb-auth holds another password",
    ),
    expect(
      find("Secret", "bigdl-ehsm-kms-tls")?.type === "kubernetes.io/tls" &&
        find("Secret", "bigdl-ehsm-kms-tls")?.data?.["tls.key"] === b64(params.tlsKey),
      "the TLS Secret holds another key",
    ),
    ...outsideSecret.flatMap(([o, s]) => [
      expect(
        !s.includes(params.couchdbPassword) && !s.includes(b64(params.couchdbPassword)),
        `${id(o)} contains the password`,
      ),
      expect(
        !s.includes(keyBody.slice(0, 40)) && !s.includes(b64(params.tlsKey).slice(0, 40)),
        `${id(o)} contains the TLS key`,
      ),
    ]),
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
  // What may reach pods with these labels: the union of the ingress rules of every policy that
  // selects them, as [from-labels or "any", port] pairs.
  const allowedInto = (labels) =>
    policies
      .filter((p) => matches(p.spec.podSelector.matchLabels, labels))
      .flatMap((p) =>
        (p.spec.ingress ?? []).flatMap((rule) =>
          (rule.ports ?? [{ port: "any" }]).flatMap((port) =>
            (rule.from ?? [{ any: true }]).map((f) => [
              f.any || f.ipBlock ? "any" : JSON.stringify(f.podSelector?.matchLabels),
              port.port,
            ]),
          ),
        ),
      );
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

  return results;
}

if (argv.includes("--mutations")) {
  let missed = 0;
  for (const [name, mutate] of Object.entries(MUTATIONS)) {
    const objects = parse();
    mutate((kind, n) => objects.find((o) => o.kind === kind && o.metadata?.name === n));
    const caught = checkAll(objects).filter((r) => r.problems.length);
    if (caught.length) console.log(`ok - breakage "${name}" is caught: ${caught[0].problems[0]}`);
    else {
      missed++;
      console.log(`not ok - breakage "${name}" passes every check`);
    }
  }
  console.log(`${Object.keys(MUTATIONS).length - missed} passed, ${missed} failed`);
  process.exit(missed ? 1 : 0);
}

const results = checkAll(parse());
for (const { name, problems } of results) {
  console.log(`${problems.length ? "not ok" : "ok"} - ${name}`);
  for (const p of problems) console.log(`    ${p}`);
}
const failed = results.filter((r) => r.problems.length).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
