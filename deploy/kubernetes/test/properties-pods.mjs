// Properties of every pod and of the objects as a whole: schemas, names, labels, images,
// security contexts, resources, probes and host paths (see check-rendered.mjs).
import { NS, PART_OF, SOCKET_DIR } from "./rendered-context.mjs";

export function checkPods(ctx) {
  const {
    check,
    find,
    id,
    expect,
    podSpecs,
    containersOf,
    argsOf,
    kms,
    kmsService,
    couch,
    dks,
    cache,
    params,
    schemas,
    docs,
    objects,
  } = ctx;
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
              `^${params.imageRegistry.replace(/[.]/g, "\\.")}/ehsm-(kms|dkeyserver|dkeycache|pccs):${params.imageTag.replace(/[.]/g, "\\.")}$`,
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
}
