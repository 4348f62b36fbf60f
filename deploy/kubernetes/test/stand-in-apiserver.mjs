// A stand-in for kube-apiserver, so that tests can run the real kubectl and the install and
// uninstall scripts without a cluster. In memory, plain HTTP on 127.0.0.1 only.
//
//   node stand-in-apiserver.mjs --node-modules DIR [--port N] [--nodes a,b] [--log FILE]
//                               [--never-ready kind/name,...] [--sgx-enclaves N]
//
// --sgx-enclaves N: the nodes offer N sgx.intel.com/enclave, as with the SGX device plugin.
//
// Prints "stand-in-apiserver listening on port N". What it does:
// - discovery (/api, /apis, resource lists with short names and the "all" category) and small
//   OpenAPI v3 documents whose PATCH operations declare `fieldValidation`, so that kubectl
//   leaves validation to the server, which validates like a real one: unknown fields (under
//   fieldValidation=Strict), wrong types and missing required fields are refused (k8s-schema.mjs);
// - create, get, list (label and field selectors), watch, update, patch, delete;
// - a toy controller: workloads report ready at once (except --never-ready ones), own pods
//   (and a ReplicaSet for a Deployment), StatefulSets make the claims of their templates (kept
//   when the StatefulSet goes, as a real cluster does), owners' deletion removes dependents and
//   a namespace's deletion everything in it.
// - GET /stand-in/objects lists what it holds; each change is logged as
//   "CREATE|UPDATE|DELETE apiVersion kind namespace name" to --log.
// Not done: admission, defaulting, finalizers, strategic merge of arbitrary patches (a patch
// carrying kubectl's last-applied configuration replaces the object's configuration with it,
// which is what client-side apply means; other patches are JSON merge patches). Its OpenAPI
// documents carry no schemas, so kubectl computes patches from its built-in types; for a
// PodDisruptionBudget that gives a no-op patch on every apply ("configured"), which changes
// nothing here.
import http from "node:http";
import { loadSchemas } from "./k8s-schema.mjs";
import { reconcile } from "./stand-in/controller.mjs";
import {
  RESOURCES,
  apiVersionOf,
  byKind,
  byPath,
  currentRevision,
  fieldMatcher,
  keyOf,
  labelMatcher,
  logTo,
  newObject,
  put,
  remove,
  store,
  watchers,
} from "./stand-in/objects.mjs";

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .reduce(
      (acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc),
      [],
    ),
);
if (!args["node-modules"]) {
  console.error(
    "usage: stand-in-apiserver.mjs --node-modules DIR [--port N] [--nodes a,b] [--log FILE]",
  );
  process.exit(2);
}
const schemas = loadSchemas(args["node-modules"]);
const neverReady = new Set((args["never-ready"] ?? "").split(",").filter(Boolean));
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
logTo(args.log);

// --- HTTP -------------------------------------------------------------------------------------

function send(res, code, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function status(res, code, reason, message) {
  send(res, code, {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    code,
  });
}

function discovery(path) {
  if (path === "/version")
    return { major: "1", minor: "32", gitVersion: "v1.32.0-stand-in", platform: "linux/amd64" };
  if (path === "/api")
    return {
      kind: "APIVersions",
      versions: ["v1"],
      serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1" }],
    };
  if (path === "/apis") {
    const groups = [
      ...new Set(RESOURCES.filter((r) => r.group).map((r) => `${r.group}/${r.version}`)),
    ];
    return {
      kind: "APIGroupList",
      apiVersion: "v1",
      groups: groups.map((gv) => {
        const [name, version] = gv.split("/");
        return {
          name,
          versions: [{ groupVersion: gv, version }],
          preferredVersion: { groupVersion: gv, version },
        };
      }),
    };
  }
  const m = path.match(/^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/);
  if (!m) return null;
  const [group, version] = m[1] ? ["", m[1]] : [m[2], m[3]];
  const list = RESOURCES.filter((r) => r.group === group && r.version === version);
  if (!list.length) return null;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group ? `${group}/${version}` : version,
    resources: list.map((r) => ({
      name: r.plural,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
      shortNames: r.shortNames,
      categories: r.categories,
    })),
  };
}

// OpenAPI v3: only what kubectl looks for to hand validation to the server.
function openapi(path) {
  const gvs = [
    ...new Set(
      RESOURCES.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)),
    ),
  ];
  if (path === "/openapi/v3") {
    return {
      paths: Object.fromEntries(
        gvs.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}?hash=stand-in` }]),
      ),
    };
  }
  const gv = path.replace(/^\/openapi\/v3\//, "");
  if (!gvs.includes(gv)) return null;
  const paths = {};
  for (const r of RESOURCES.filter(
    (x) => (x.group ? `apis/${x.group}/${x.version}` : `api/${x.version}`) === gv,
  )) {
    const p = `/${gv}${r.namespaced ? "/namespaces/{namespace}" : ""}/${r.plural}/{name}`;
    paths[p] = {
      patch: {
        "x-kubernetes-group-version-kind": { group: r.group, version: r.version, kind: r.kind },
        parameters: [
          { name: "fieldValidation", in: "query", schema: { type: "string", uniqueItems: true } },
        ],
        responses: { 200: { description: "OK" } },
      },
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas: {} },
  };
}

function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith("$")) continue; // strategic merge directives
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// The object a PATCH makes. kubectl's client-side apply sends the new configuration in its
// last-applied annotation; the result is that configuration on top of the server's fields.
function patched(live, patch, contentType) {
  const applied = patch?.metadata?.annotations?.[LAST_APPLIED];
  if (contentType.startsWith("application/strategic-merge-patch+json") && applied) {
    const config = JSON.parse(applied);
    const meta = {
      ...config.metadata,
      annotations: { ...config.metadata?.annotations, [LAST_APPLIED]: applied },
    };
    for (const k of ["uid", "creationTimestamp", "generation", "namespace", "ownerReferences"]) {
      if (live.metadata[k] !== undefined) meta[k] = live.metadata[k];
    }
    return { ...config, metadata: meta, ...(live.status ? { status: live.status } : {}) };
  }
  return mergePatch(live, patch);
}

function invalid(res, r, obj, q) {
  const problems = schemas.validate(obj);
  const unknown = problems.filter((p) => p.startsWith("unknown field"));
  const other = problems.filter((p) => !p.startsWith("unknown field"));
  if (other.length) {
    status(
      res,
      422,
      "Invalid",
      `${r.kind} "${obj.metadata?.name}" is invalid: ${other.join("; ")}`,
    );
    return true;
  }
  if (unknown.length && q.get("fieldValidation") === "Strict") {
    status(
      res,
      400,
      "BadRequest",
      `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: strict decoding error: ${unknown.join(", ")}`,
    );
    return true;
  }
  return false;
}

function handle(req, res, body) {
  const url = new URL(req.url, "http://stand-in");
  const path = url.pathname.replace(/\/$/, "");
  const q = url.searchParams;
  if (path === "/stand-in/objects") {
    return send(
      res,
      200,
      [...store.values()].map((o) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.metadata.namespace ?? null,
        name: o.metadata.name,
        labels: o.metadata.labels ?? {},
      })),
    );
  }
  const d = req.method === "GET" && discovery(path);
  if (d) return send(res, 200, d);
  if (path.startsWith("/openapi/")) {
    const doc = openapi(path);
    return doc ? send(res, 200, doc) : status(res, 404, "NotFound", "not served by the stand-in");
  }
  const m = path.match(
    /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(\/.+)?$/,
  );
  if (!m) return status(res, 404, "NotFound", "the server could not find the requested resource");
  const [group, version] = m[1] ? ["", m[1]] : [m[2], m[3]];
  const [ns, plural, name, sub] = [m[4], m[5], m[6], m[7]];
  const r = byPath.get(`${group}/${version}/${plural}`);
  if (!r || sub)
    return status(
      res,
      404,
      "NotFound",
      `the server could not find the requested resource (${plural})`,
    );
  const dryRun = q.has("dryRun");
  const nsMissing = () =>
    r.namespaced && ns && !store.has(keyOf(byKind.get("v1/Namespace"), undefined, ns));

  if (req.method === "GET" && !name) {
    const match = (o) =>
      labelMatcher(q.get("labelSelector"))(o) && fieldMatcher(q.get("fieldSelector"))(o);
    const items = [...store.values()].filter(
      (o) =>
        o.kind === r.kind &&
        apiVersionOf(r) === o.apiVersion &&
        (!ns || o.metadata.namespace === ns) &&
        match(o),
    );
    if (q.get("watch") === "true" || q.get("watch") === "1") {
      res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
      res.flushHeaders(); // the client waits for the headers before it reads any event
      const w = { r, ns, match, res };
      watchers.add(w);
      const done = () => watchers.delete(w);
      res.on("close", done);
      const limit = Math.min(Number(q.get("timeoutSeconds") || 60), 300);
      setTimeout(() => {
        done();
        res.end();
      }, limit * 1000).unref();
      return;
    }
    return send(res, 200, {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r),
      metadata: { resourceVersion: String(currentRevision()) },
      items,
    });
  }
  const key = keyOf(r, ns, name);
  if (req.method === "GET") {
    return store.has(key)
      ? send(res, 200, store.get(key))
      : status(res, 404, "NotFound", `${plural} "${name}" not found`);
  }
  let input;
  try {
    input = body.length ? JSON.parse(body) : {};
  } catch {
    return status(res, 415, "UnsupportedMediaType", "the stand-in accepts JSON bodies only");
  }
  if (req.method === "POST" && !name) {
    const objName = input.metadata?.name;
    if (nsMissing()) return status(res, 404, "NotFound", `namespaces "${ns}" not found`);
    if (store.has(keyOf(r, ns, objName)))
      return status(res, 409, "AlreadyExists", `${plural} "${objName}" already exists`);
    const obj = newObject(r, input, ns);
    if (invalid(res, r, obj, q)) return;
    if (!dryRun) {
      put(r, obj, "CREATE");
      reconcile(r, obj, neverReady);
    }
    return send(res, 201, obj);
  }
  if (!store.has(key)) return status(res, 404, "NotFound", `${plural} "${name}" not found`);
  const live = store.get(key);
  if (req.method === "PATCH" || req.method === "PUT") {
    const next =
      req.method === "PUT"
        ? { ...input, metadata: { ...input.metadata, uid: live.metadata.uid } }
        : patched(live, input, req.headers["content-type"] ?? "");
    next.apiVersion = apiVersionOf(r);
    next.kind = r.kind;
    if (invalid(res, r, next, q)) return;
    if (JSON.stringify(next.spec) !== JSON.stringify(live.spec) && live.metadata.generation) {
      next.metadata.generation = live.metadata.generation + 1;
    }
    // A real server leaves an object whose update changes nothing as it is (same
    // resourceVersion); kubectl may still send such patches (see below).
    const same =
      JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: 0 } }) ===
      JSON.stringify({ ...live, metadata: { ...live.metadata, resourceVersion: 0 } });
    if (same) return send(res, 200, live);
    if (!dryRun) {
      put(r, next, "UPDATE");
      reconcile(r, next, neverReady);
    }
    return send(res, 200, next);
  }
  if (req.method === "DELETE") {
    if (!dryRun) remove(r, live);
    return send(res, 200, live);
  }
  return status(res, 405, "MethodNotAllowed", req.method);
}

for (const n of (args.nodes ?? "").split(",").filter(Boolean)) {
  const node = byKind.get("v1/Node");
  store.set(
    keyOf(node, undefined, n),
    newObject(node, {
      metadata: { name: n, labels: { "kubernetes.io/hostname": n } },
      status: {
        conditions: [{ type: "Ready", status: "True" }],
        ...(args["sgx-enclaves"]
          ? { allocatable: { "sgx.intel.com/enclave": args["sgx-enclaves"] } }
          : {}),
      },
    }),
  );
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  req.on("data", (c) => {
    size += c.length;
    if (size > 4 << 20)
      req.destroy(); // bounded: manifests are small
    else chunks.push(c);
  });
  req.on("end", () => {
    try {
      handle(req, res, Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      status(res, 500, "InternalError", String(e.stack ?? e));
    }
  });
});
server.keepAliveTimeout = 1000;
server.listen(Number(args.port ?? 0), "127.0.0.1", () => {
  console.log(`stand-in-apiserver listening on port ${server.address().port}`);
});
const stop = () => {
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500); // open watches would hold close() up
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
