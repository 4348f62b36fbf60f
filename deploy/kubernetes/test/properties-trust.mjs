// Properties of what the components trust: the one simulated platform secret of tee=sim, the
// PCCS every quote-verifying component is given, and the in-cluster ehsm-pccs (see
// check-rendered.mjs).
import { NS } from "./rendered-context.mjs";

const PCCS_IN_CLUSTER_URL = `https://pccs.${NS}.svc:8081`;

export function checkTrust(ctx) {
  const { check, find, id, expect, podSpecs, argsOf, matches, allowedInto, kms, dks, cache } =
    ctx;
  const { pccs, params, objects } = ctx;
  const components = [kms, dks, cache];
  const main = (o) => o?.spec.template.spec.containers[0];
  // The folder where `o`'s main container mounts the volume that `source(volume)` selects.
  const mountOf = (o, source) => {
    const v = o?.spec.template.spec.volumes?.find(source);
    const m = main(o)?.volumeMounts?.find((x) => x.name === v?.name);
    return m && { path: m.mountPath, readOnly: m.readOnly === true };
  };
  const flagValues = (o, flag) =>
    [...argsOf(main(o) ?? {}).matchAll(new RegExp(`${flag}=(\\S+)`, "g"))].map((x) => x[1]);
  const usesSimSecret = (s) =>
    (s.volumes ?? []).some((v) => v.secret?.secretName === "ehsm-sim-platform");

  // --- the simulated platform secret ----------------------------------------------------------
  if (params.tee === "sim") {
    check(
      "tee=sim: KMS, dkeyserver and dkeycache read one platform secret, from Secret ehsm-sim-platform (read-only)",
      [
        expect(
          find("Secret", "ehsm-sim-platform")?.data?.["platform.secret"] === params.simSecret,
          "Secret ehsm-sim-platform does not hold the simPlatformSecretFile",
        ),
        ...components.flatMap((o) => {
          const m = mountOf(o, (v) => v.secret?.secretName === "ehsm-sim-platform");
          const given = flagValues(o, "--platform-secret");
          return [
            expect(m?.readOnly, `${o && id(o)}: does not mount ehsm-sim-platform read-only`),
            expect(
              given.length === 1 && m && given[0] === `${m.path}/platform.secret`,
              `${o && id(o)}: --platform-secret ${given.join(",") || "missing"} is not the mounted Secret`,
            ),
          ];
        }),
      ],
    );
  } else {
    check("tee=sgx: no simulated platform secret anywhere", [
      expect(!find("Secret", "ehsm-sim-platform"), "Secret ehsm-sim-platform is rendered"),
      ...podSpecs.flatMap(([o, s]) => [
        expect(!usesSimSecret(s), `${id(o)}: mounts ehsm-sim-platform`),
        expect(!flagValues(o, "--platform-secret").length, `${id(o)}: passes --platform-secret`),
      ]),
    ]);
  }

  // --- the PCCS of every quote-verifying component --------------------------------------------
  const inCluster = params.tee === "sgx" && !params.pccsURL;
  const url = params.pccsURL || (inCluster ? PCCS_IN_CLUSTER_URL : "");
  const caMap = find("ConfigMap", "ehsm-pccs-ca");
  const withCa = inCluster || Boolean(params.pccsCA);
  check(
    withCa
      ? "ConfigMap ehsm-pccs-ca holds the PCCS CA (pccsCAFile, or ehsm-pccs's certificate)"
      : "no PCCS CA without pccsCAFile or the in-cluster ehsm-pccs",
    [
      withCa
        ? expect(
            inCluster || caMap?.data?.["ca.crt"] === params.pccsCA,
            "ehsm-pccs-ca does not hold pccsCAFile",
          )
        : expect(!caMap, "ConfigMap ehsm-pccs-ca is rendered"),
    ],
  );
  check(
    url
      ? `KMS, dkeyserver and dkeycache verify quotes with --pccs-url=${url}`
      : "no --pccs-url without pccsURL in tee=sim",
    components.flatMap((o) => {
      const given = flagValues(o, "--pccs-url");
      const ca = flagValues(o, "--pccs-ca-file");
      const m = mountOf(o, (v) => v.configMap?.name === "ehsm-pccs-ca");
      return url
        ? [
            expect(given.length === 1 && given[0] === url, `${o && id(o)}: --pccs-url ${given}`),
            withCa
              ? expect(
                  m?.readOnly && ca.length === 1 && ca[0] === `${m.path}/ca.crt`,
                  `${o && id(o)}: --pccs-ca-file is not the mounted ehsm-pccs-ca`,
                )
              : expect(!ca.length, `${o && id(o)}: passes --pccs-ca-file`),
          ]
        : [expect(!given.length && !ca.length, `${o && id(o)}: passes a PCCS`)];
    }),
  );

  // --- the in-cluster ehsm-pccs ---------------------------------------------------------------
  const pccsObjects = objects.filter(
    (o) => o.metadata?.labels?.["app.kubernetes.io/name"] === "ehsm-pccs",
  );
  if (!inCluster) {
    check(
      "no in-cluster ehsm-pccs unless tee=sgx without pccsURL",
      pccsObjects.map((o) => `${id(o)} is rendered`),
    );
    return;
  }
  const c = main(pccs);
  const args = argsOf(c ?? {});
  const tlsMount = mountOf(pccs, (v) => v.secret?.secretName === "ehsm-pccs-tls");
  const keyMount = mountOf(pccs, (v) => v.secret?.secretName === "ehsm-pccs-api-key");
  const tls = find("Secret", "ehsm-pccs-tls");
  const decode = (b) => Buffer.from(b ?? "", "base64").toString();
  const service = find("Service", "pccs");
  check(
    "ehsm-pccs: one replica of <imageRegistry>/ehsm-pccs, its flags, its TLS pair from ehsm-pccs-tls",
    [
      expect(pccs?.spec.replicas === 1, "not exactly one replica"),
      expect(
        c?.image === `${params.imageRegistry}/ehsm-pccs:${params.imageTag}`,
        `image ${c?.image}`,
      ),
      expect(
        /--port=8081( |$)/.test(args) && /--data-dir=\/var\/lib\/ehsm-pccs( |$)/.test(args),
        "port/data-dir flags",
      ),
      expect(
        tlsMount?.readOnly &&
          args.includes(`--tls-cert=${tlsMount.path}/tls.crt`) &&
          args.includes(`--tls-key=${tlsMount.path}/tls.key`),
        "TLS flags are not the mounted ehsm-pccs-tls",
      ),
      expect(
        tls?.type === "kubernetes.io/tls" && decode(tls.data?.["tls.key"]) === params.pccsTlsKey,
        "ehsm-pccs-tls holds another key",
      ),
      expect(
        caMap?.data?.["ca.crt"] === decode(tls?.data?.["tls.crt"]),
        "the components' CA (ehsm-pccs-ca) is not ehsm-pccs's certificate",
      ),
      expect(
        params.pccsUpstreamURL
          ? args.includes(`--upstream=${params.pccsUpstreamURL}`) &&
              keyMount?.readOnly &&
              args.includes(`--api-key-file=${keyMount.path}/api-key`) &&
              decode(find("Secret", "ehsm-pccs-api-key")?.data?.["api-key"]) === params.apiKey
          : !args.includes("--upstream") && !args.includes("--api-key-file"),
        "upstream flags differ from pccsUpstreamURL/pccsApiKeyFile",
      ),
      expect(
        ["startupProbe", "livenessProbe", "readinessProbe"].every(
          (k) =>
            c?.[k]?.httpGet?.scheme === "HTTPS" &&
            c.ports.find((p) => p.name === c[k].httpGet.port)?.containerPort === 8081,
        ),
        "probes are not HTTPS on 8081",
      ),
    ],
  );
  const t = pccs?.spec.volumeClaimTemplates?.find(
    (x) => x.metadata.name === c?.volumeMounts.find((m) => m.mountPath === "/var/lib/ehsm-pccs")?.name,
  );
  const pv = t && find("PersistentVolume", t.spec.volumeName);
  const otherPaths = objects
    .filter((o) => o.kind === "PersistentVolume" && o !== pv)
    .map((o) => o.spec.nfs?.path);
  check("ehsm-pccs: its state on its own NFS volume ehsm-pccs-pv-nfs (<nfsPath>/pccs, Retain)", [
    expect(pv?.metadata.name === "ehsm-pccs-pv-nfs", "data dir not on ehsm-pccs-pv-nfs"),
    expect(
      pv?.spec.nfs?.server === params.nfsServerIP && pv?.spec.nfs?.path === `${params.nfsPath}/pccs`,
      "not on <nfsServerIP>:<nfsPath>/pccs",
    ),
    expect(!otherPaths.includes(pv?.spec.nfs?.path), "shares its folder with another volume"),
    expect(pv?.spec.persistentVolumeReclaimPolicy === "Retain", "not Retain"),
    expect(
      pv?.spec.claimRef?.name === "pccs-persistent-storage-ehsm-pccs-0",
      "not reserved for its claim",
    ),
  ]);
  const podLabels = (o) => JSON.stringify(o?.spec.template.metadata.labels);
  const admitted = allowedInto(pccs?.spec.template.metadata.labels);
  check("Service pccs on 8081, and only KMS, dkeyserver and dkeycache -> ehsm-pccs:8081", [
    expect(
      service?.spec.ports.length === 1 && service.spec.ports[0].port === 8081,
      "Service pccs does not serve 8081",
    ),
    expect(matches(service?.spec.selector, pccs?.spec.template.metadata.labels), "selector"),
    expect(
      JSON.stringify(admitted.slice().sort()) ===
        JSON.stringify(components.map((o) => [podLabels(o), 8081]).sort()),
      `ehsm-pccs admits ${JSON.stringify(admitted)}`,
    ),
  ]);
}
