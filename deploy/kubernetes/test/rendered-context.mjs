// What the property checks of check-rendered.mjs share: the rendered objects, lookups, and the
// workloads by name.
export const NS = "bigdl-ehsm-kms";
export const PART_OF = "app.kubernetes.io/part-of";
export const SOCKET_DIR = "/var/run/ehsm";

// `results` collects {name, problems}; `params` are the parameters of the render.
export function makeContext(objects, { params, schemas, docs, results }) {
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
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
    matches: (selector, labels) =>
      Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v),
    kmsService: find("Service", "bigdl-ehsm-kms-service"),
    kms: find("Deployment", "bigdl-ehsm-kms-deployment"),
    couch: find("StatefulSet", "couchdb"),
    dks: find("StatefulSet", "dkeyserver"),
    cache: find("DaemonSet", "dkeycache"),
  };
}
