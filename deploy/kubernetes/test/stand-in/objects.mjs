// The stand-in API server's objects: the resources it serves, the in-memory store, selectors,
// watches and garbage collection (see stand-in-apiserver.mjs).
import { appendFileSync } from "node:fs";
import { randomUUID } from "node:crypto";

export const WORKLOADS = ["Deployment", "StatefulSet", "DaemonSet"];

// group, version, plural, kind, namespaced, short names, categories
export const RESOURCES = [
  ["", "v1", "namespaces", "Namespace", false, ["ns"]],
  ["", "v1", "nodes", "Node", false, ["no"]],
  ["", "v1", "persistentvolumes", "PersistentVolume", false, ["pv"]],
  ["", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["pvc"]],
  ["", "v1", "configmaps", "ConfigMap", true, ["cm"]],
  ["", "v1", "secrets", "Secret", true, []],
  ["", "v1", "services", "Service", true, ["svc"], ["all"]],
  ["", "v1", "pods", "Pod", true, ["po"], ["all"]],
  ["", "v1", "serviceaccounts", "ServiceAccount", true, ["sa"]],
  ["", "v1", "events", "Event", true, ["ev"]],
  ["apps", "v1", "deployments", "Deployment", true, ["deploy"], ["all"]],
  ["apps", "v1", "statefulsets", "StatefulSet", true, ["sts"], ["all"]],
  ["apps", "v1", "daemonsets", "DaemonSet", true, ["ds"], ["all"]],
  ["apps", "v1", "replicasets", "ReplicaSet", true, ["rs"], ["all"]],
  ["networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, ["netpol"]],
  ["policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["pdb"]],
].map(([group, version, plural, kind, namespaced, shortNames, categories = []]) => ({
  group,
  version,
  plural,
  kind,
  namespaced,
  shortNames,
  categories,
}));
export const byPath = new Map(RESOURCES.map((r) => [`${r.group}/${r.version}/${r.plural}`, r]));
export const byKind = new Map(
  RESOURCES.map((r) => [`${r.group ? r.group + "/" : ""}${r.version}/${r.kind}`, r]),
);
export const apiVersionOf = (r) => (r.group ? `${r.group}/${r.version}` : r.version);

export const store = new Map(); // "plural/namespace/name" -> object
let revision = 1;
export const currentRevision = () => revision;
let logFile = null;

// Each change is appended to FILE as "CREATE|UPDATE|DELETE apiVersion kind namespace name".
export function logTo(file) {
  logFile = file;
}

function log(line) {
  if (logFile) appendFileSync(logFile, line + "\n");
}
export const watchers = new Set();
export const keyOf = (r, ns, name) => `${r.group}/${r.plural}/${r.namespaced ? ns : ""}/${name}`;

export function labelMatcher(selector) {
  if (!selector) return () => true;
  const terms = selector
    .match(/([^,(]+(\([^)]*\))?)/g)
    .map((t) => t.trim())
    .filter(Boolean);
  const tests = terms.map((t) => {
    let m;
    if ((m = t.match(/^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/))) {
      const set = m[3].split(",").map((s) => s.trim());
      return (l) => (m[2] === "in") === (m[1] in l && set.includes(l[m[1]]));
    }
    if ((m = t.match(/^([^!=]+)(==|=|!=)(.*)$/))) {
      return (l) =>
        m[2] === "!=" ? l[m[1].trim()] !== m[3].trim() : l[m[1].trim()] === m[3].trim();
    }
    if (t.startsWith("!")) return (l) => !(t.slice(1) in l);
    return (l) => t in l;
  });
  return (obj) => tests.every((test) => test(obj.metadata.labels ?? {}));
}

export function fieldMatcher(selector) {
  if (!selector) return () => true;
  const tests = selector.split(",").map((t) => {
    const m = t.match(/^([^!=]+)(==|=|!=)(.*)$/);
    if (!m) return () => true;
    const get = (o) => m[1].split(".").reduce((v, k) => v?.[k], o);
    return (o) => (m[2] === "!=" ? get(o) !== m[3] : get(o) === m[3]);
  });
  return (obj) => tests.every((t) => t(obj));
}

export function notify(type, r, obj) {
  for (const w of watchers) {
    if (w.r !== r || (w.ns && obj.metadata.namespace !== w.ns) || !w.match(obj)) continue;
    w.res.write(JSON.stringify({ type, object: obj }) + "\n");
  }
}

export function put(r, obj, verb) {
  obj.metadata.resourceVersion = String(++revision);
  store.set(keyOf(r, obj.metadata.namespace, obj.metadata.name), obj);
  log(`${verb} ${apiVersionOf(r)} ${r.kind} ${obj.metadata.namespace ?? "-"} ${obj.metadata.name}`);
  notify(verb === "CREATE" ? "ADDED" : "MODIFIED", r, obj);
}

export function remove(r, obj) {
  store.delete(keyOf(r, obj.metadata.namespace, obj.metadata.name));
  log(`DELETE ${apiVersionOf(r)} ${r.kind} ${obj.metadata.namespace ?? "-"} ${obj.metadata.name}`);
  notify("DELETED", r, obj);
  // Garbage collection: dependents of a deleted owner, everything in a deleted namespace.
  for (const [key, o] of [...store]) {
    const owned = (o.metadata.ownerReferences ?? []).some((ref) => ref.uid === obj.metadata.uid);
    const inside = r.kind === "Namespace" && o.metadata.namespace === obj.metadata.name;
    if ((owned || inside) && store.has(key)) remove(byKind.get(`${o.apiVersion}/${o.kind}`), o);
  }
}

export function newObject(r, body, ns) {
  const obj = structuredClone(body);
  obj.apiVersion = apiVersionOf(r);
  obj.kind = r.kind;
  obj.metadata = {
    ...obj.metadata,
    uid: randomUUID(),
    creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
  };
  if (r.namespaced) obj.metadata.namespace = ns;
  if (WORKLOADS.includes(r.kind)) obj.metadata.generation = 1;
  return obj;
}
