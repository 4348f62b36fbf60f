// The stand-in API server's toy controller: workloads report ready at once (or never), own pods
// (and a ReplicaSet for a Deployment); StatefulSets make the claims of their templates.
import { createHash } from "node:crypto";
import { WORKLOADS, byKind, keyOf, newObject, notify, put, remove, store } from "./objects.mjs";

const shortHash = (s) => createHash("sha256").update(s).digest("hex").slice(0, 5);

function child(r, owner, name, body) {
  const key = keyOf(r, owner.metadata.namespace, name);
  if (store.has(key)) return store.get(key);
  const obj = newObject(
    r,
    { metadata: { name, labels: { ...body.labels } }, ...body.rest },
    owner.metadata.namespace,
  );
  if (body.owned !== false) {
    obj.metadata.ownerReferences = [
      {
        apiVersion: owner.apiVersion,
        kind: owner.kind,
        name: owner.metadata.name,
        uid: owner.metadata.uid,
        controller: true,
      },
    ];
  }
  put(r, obj, "CREATE");
  return obj;
}

function makePods(owner, names, ready, nodeOf = () => undefined) {
  const pods = byKind.get("v1/Pod");
  const labels = owner.spec.template?.metadata?.labels ?? {};
  const want = new Set(names);
  for (const o of [...store.values()]) {
    if (
      o.kind === "Pod" &&
      o.metadata.ownerReferences?.[0]?.uid === owner.metadata.uid &&
      !want.has(o.metadata.name)
    )
      remove(pods, o);
  }
  names.forEach((name, i) => {
    const pod = child(pods, owner, name, {
      labels,
      rest: { spec: { ...owner.spec.template.spec, nodeName: nodeOf(i) } },
    });
    pod.status = {
      phase: ready ? "Running" : "Pending",
      conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
    };
  });
}

// Brings a workload's status and dependents up to date; `neverReady` names ("kind/name") the
// workloads that never become ready.
export function reconcile(r, obj, neverReady) {
  if (!WORKLOADS.includes(r.kind)) return;
  const name = obj.metadata.name;
  const ready = !neverReady.has(`${r.kind.toLowerCase()}/${name}`);
  const gen = obj.metadata.generation;
  const nodes = [...store.values()].filter((o) => o.kind === "Node").map((o) => o.metadata.name);
  const n = r.kind === "DaemonSet" ? nodes.length : (obj.spec.replicas ?? 1);
  const up = ready ? n : 0;
  if (r.kind === "Deployment") {
    const rsName = `${name}-${shortHash(JSON.stringify(obj.spec.template))}`;
    const rs = child(byKind.get("apps/v1/ReplicaSet"), obj, rsName, {
      labels: obj.spec.template.metadata?.labels,
      rest: { spec: { replicas: n, selector: obj.spec.selector, template: obj.spec.template } },
    });
    rs.status = { replicas: n, readyReplicas: up, availableReplicas: up };
    makePods(
      rs,
      Array.from({ length: n }, (_, i) => `${rsName}-${shortHash(rsName + i)}`),
      ready,
    );
    obj.status = {
      observedGeneration: gen,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: up,
      availableReplicas: up,
      conditions: [
        { type: "Available", status: ready ? "True" : "False" },
        {
          type: "Progressing",
          status: "True",
          reason: ready ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
        },
      ],
    };
  } else if (r.kind === "StatefulSet") {
    for (let i = 0; i < n; i++) {
      for (const t of obj.spec.volumeClaimTemplates ?? []) {
        child(byKind.get("v1/PersistentVolumeClaim"), obj, `${t.metadata.name}-${name}-${i}`, {
          labels: { ...t.metadata.labels, ...obj.spec.selector.matchLabels },
          rest: { spec: t.spec },
          owned: false,
        });
      }
    }
    makePods(
      obj,
      Array.from({ length: n }, (_, i) => `${name}-${i}`),
      ready,
    );
    obj.status = {
      observedGeneration: gen,
      replicas: n,
      readyReplicas: up,
      currentReplicas: n,
      updatedReplicas: n,
      availableReplicas: up,
      currentRevision: `${name}-1`,
      updateRevision: `${name}-1`,
    };
  } else if (r.kind === "DaemonSet") {
    makePods(
      obj,
      nodes.map((node) => `${name}-${shortHash(name + node)}`),
      ready,
      (i) => nodes[i],
    );
    obj.status = {
      observedGeneration: gen,
      desiredNumberScheduled: n,
      currentNumberScheduled: n,
      numberReady: up,
      updatedNumberScheduled: n,
      numberAvailable: up,
      numberMisscheduled: 0,
    };
  }
  notify("MODIFIED", r, obj);
}
