// Checks a rendered deployment (the output of install-bigdl-ehsm-kms.sh --dry-run): every
// object against the Kubernetes schemas (k8s-schema.mjs), then the properties the deployment
// promises (README, "Deploy on Kubernetes").
//
//   node check-rendered.mjs --node-modules DIR --params JSON [--mutations] FILE
//
// --params holds the parameters the file was rendered with (and `tlsKey`, the PEM private key
// it embeds). Prints "ok - ..." or "not ok - ..." per property; exits 1 when any fails.
// --mutations instead breaks a fresh copy of the objects in each of several known ways
// (MUTATIONS) and checks that every breakage is caught.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { loadSchemas } from "./k8s-schema.mjs";
import { checkComponents } from "./properties-components.mjs";
import { checkPods } from "./properties-pods.mjs";
import { checkTrust } from "./properties-trust.mjs";
import { makeContext } from "./rendered-context.mjs";

const argv = process.argv.slice(2);
const opt = (name) => argv[argv.indexOf(name) + 1];
const nodeModules = opt("--node-modules");
const params = JSON.parse(opt("--params"));
const file = argv[argv.length - 1];
const YAML = createRequire(path.join(nodeModules, "noop.js"))("yaml");

const text = readFileSync(file, "utf8");
const docs = YAML.parseAllDocuments(text);
const parse = () => docs.map((d) => d.toJS()).filter(Boolean);
const schemas = loadSchemas(nodeModules);

const sim = params.tee === "sim";
const pccsInCluster = params.tee === "sgx" && !params.pccsURL;
const mainArgs = (f, kind, name) => f(kind, name).spec.template.spec.containers[0].args;

// Ways to break a render that the checks must catch: a function, or [applies to this render,
// function].
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
  // The bug of per-daemon secrets: dkeycache back on one of its own in the socket folder.
  "own-platform-secret": [
    sim,
    (f) => {
      const a = mainArgs(f, "DaemonSet", "dkeycache");
      const i = a.findIndex((x) => x.startsWith("--platform-secret="));
      a[i] = "--platform-secret=/var/run/ehsm/platform.secret";
    },
  ],
  "writable-platform-secret": [
    sim,
    (f) => {
      const c = f("Deployment", "bigdl-ehsm-kms-deployment").spec.template.spec.containers[0];
      delete c.volumeMounts.find((m) => m.name === "sim-platform").readOnly;
    },
  ],
  "no-pccs-url": [
    !sim,
    (f) => {
      const a = mainArgs(f, "DaemonSet", "dkeycache");
      a.splice(a.findIndex((x) => x.startsWith("--pccs-url=")), 1);
    },
  ],
  "open-pccs": [
    pccsInCluster,
    (f) => {
      f("NetworkPolicy", "ehsm-pccs-ingress").spec.ingress[0].from.push({
        ipBlock: { cidr: "0.0.0.0/0" },
      });
    },
  ],
  "pccs-on-couchdb-folder": [
    pccsInCluster,
    (f) => {
      f("PersistentVolume", "ehsm-pccs-pv-nfs").spec.nfs.path = `${params.nfsPath}/couchdb`;
    },
  ],
};

// Runs every check on `objects`; returns [{name, problems}].
// Runs every check on `objects`; returns [{name, problems}].
function checkAll(objects) {
  const results = [];
  const ctx = makeContext(objects, { params, schemas, docs, results });
  checkPods(ctx);
  checkComponents(ctx);
  checkTrust(ctx);
  return results;
}

if (argv.includes("--mutations")) {
  let missed = 0;
  let tried = 0;
  for (const [name, m] of Object.entries(MUTATIONS)) {
    const [applies, mutate] = typeof m === "function" ? [true, m] : m;
    if (!applies) continue;
    tried++;
    const objects = parse();
    mutate((kind, n) => objects.find((o) => o.kind === kind && o.metadata?.name === n));
    const caught = checkAll(objects).filter((r) => r.problems.length);
    if (caught.length) console.log(`ok - breakage "${name}" is caught: ${caught[0].problems[0]}`);
    else {
      missed++;
      console.log(`not ok - breakage "${name}" passes every check`);
    }
  }
  console.log(`${tried - missed} passed, ${missed} failed`);
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
