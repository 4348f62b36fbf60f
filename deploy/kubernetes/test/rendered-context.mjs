// What the property checks of check-rendered.mjs share: the rendered objects, lookups, and the
// workloads by name.
export const NS = "bigdl-ehsm-kms";
export const PART_OF = "app.kubernetes.io/part-of";
export const SOCKET_DIR = "/var/run/ehsm";

// `results` collects {name, problems}; `params` are the parameters of the render.
export function makeContext(objects, { params, schemas, docs, results }) {
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const matches = (selector, labels) =>
    Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  return {
    objects,
    params,
    schemas,
    docs,
    check: (name, problems) => results.push({ name, problems: problems.filter(Boolean) }),
    find,
    id: (o) => `${o.kind}/${o.metadata?.name}`,
    expect: (cond, msg) => (cond ? null : msg),
    podSpecs: objects.filter((o) => o.spec?.template?.spec).map((o) => [o, o.spec.template.spec]),
    containersOf: (spec) => [
      ...(spec.initContainers ?? []).map((c) => [c, true]),
      ...spec.containers.map((c) => [c, false]),
    ],
    argsOf: (c) => [...(c.command ?? []), ...(c.args ?? [])].join(" "),
    matches,
    // What may reach pods with these labels: the union of the ingress rules of every policy
    // that selects them, as [from-labels or "any", port] pairs.
    allowedInto: (labels) =>
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
        ),
    kmsService: find("Service", "bigdl-ehsm-kms-service"),
    kms: find("Deployment", "bigdl-ehsm-kms-deployment"),
    couch: find("StatefulSet", "couchdb"),
    dks: find("StatefulSet", "dkeyserver"),
    cache: find("DaemonSet", "dkeycache"),
    pccs: find("StatefulSet", "ehsm-pccs"),
  };
}
