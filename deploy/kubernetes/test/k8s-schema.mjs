// Offline validation of Kubernetes objects, shared by the manifest checks and the stand-in API
// server: the kubernetes-models validators (types, required fields, enums) plus a check for
// unknown fields, which those precompiled validators cannot do. The field lists come from the
// package's own type declarations (.d.ts), so both checks describe the same API version.
import { createRequire } from "node:module";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

// Loads the schemas from a node_modules folder that holds kubernetes-models.
export function loadSchemas(nodeModules) {
  const require = createRequire(path.join(nodeModules, "noop.js"));
  const files = new Map(); // .d.ts path -> parsed declarations

  function parseFile(file) {
    if (files.has(file)) return files.get(file);
    const text = readFileSync(file, "utf8");
    const imports = new Map(); // imported name -> .d.ts path
    for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
      const target = m[2].startsWith(".")
        ? path.resolve(path.dirname(file), m[2] + ".d.ts")
        : path.join(nodeModules, m[2] + ".d.ts");
      for (const name of m[1].split(",")) imports.set(name.trim(), target);
    }
    const aliases = new Map(); // exported alias -> local name
    for (const m of text.matchAll(/^export \{ ([^}]+) \};$/gm)) {
      for (const part of m[1].split(",")) {
        const [local, alias] = part.trim().split(/\s+as\s+/);
        aliases.set(alias ?? local, local);
      }
    }
    const interfaces = new Map(); // interface name -> Map(field -> type text)
    const lines = text.split("\n");
    for (let i = 0; i < lines.length; i++) {
      const head = lines[i].match(/^export interface (\w+)(?: extends [\w, <>]+)? \{$/);
      if (!head) continue;
      const fields = new Map();
      for (i++; i < lines.length && lines[i] !== "}"; i++) {
        const f = lines[i].match(/^ {4}"([^"]+)"\??: (.*)$/);
        if (!f) continue;
        let type = f[2];
        if (type === "{") {
          // a map: `{ [key: string]: T; }` over three lines
          const v = lines[++i].match(/^\s+\[key: string\]: (.*);$/);
          type = `{map:${v ? v[1] : "any"}}`;
          i++;
        } else {
          type = type.replace(/;$/, "");
        }
        fields.set(f[1], type);
      }
      interfaces.set(head[1], fields);
    }
    const parsed = { imports, aliases, interfaces };
    files.set(file, parsed);
    return parsed;
  }

  // Resolves a type text seen in `file` to {fields} (an object type), {items} (array),
  // {values} (map) or null (a scalar or anything not checked further).
  function resolve(type, file) {
    let m;
    if ((m = type.match(/^Array<(.*)>$/))) return { items: () => resolve(m[1], file) };
    if ((m = type.match(/^\{map:(.*)\}$/))) return { values: () => resolve(m[1], file) };
    if (!/^I[A-Za-z0-9]+$/.test(type)) return null;
    const target = parseFile(file).imports.get(type) ?? file;
    if (!existsSync(target)) return null;
    const decl = parseFile(target);
    const local = decl.aliases.get(type) ?? type;
    const fields = decl.interfaces.get(local);
    return fields ? { fields, file: target } : null; // type aliases (Quantity, ...) are scalars
  }

  function unknownFields(value, type, at, out) {
    if (!type || value === null || typeof value !== "object") return;
    if (type.items) {
      if (Array.isArray(value))
        value.forEach((v, i) => unknownFields(v, type.items(), `${at}[${i}]`, out));
      return;
    }
    if (Array.isArray(value)) return; // a type error, which the model validator reports
    if (type.values) {
      for (const [k, v] of Object.entries(value))
        unknownFields(v, type.values(), `${at}.${k}`, out);
      return;
    }
    for (const [k, v] of Object.entries(value)) {
      const where = at ? `${at}.${k}` : k;
      if (!type.fields.has(k)) out.push(`unknown field "${where}"`);
      else unknownFields(v, resolve(type.fields.get(k), type.file), where, out);
    }
  }

  // Returns the problems of one object (an empty list when it is valid).
  function validate(obj) {
    if (!obj || typeof obj !== "object" || Array.isArray(obj)) return ["not an object"];
    const { apiVersion, kind } = obj;
    if (
      typeof apiVersion !== "string" ||
      !/^([a-z0-9.-]+\/)?v[0-9a-z]+$/.test(apiVersion) ||
      typeof kind !== "string" ||
      !/^[A-Z][A-Za-z0-9]*$/.test(kind)
    ) {
      return [`no valid apiVersion/kind`];
    }
    const dts = path.join(nodeModules, "kubernetes-models", apiVersion, `${kind}.d.ts`);
    if (!existsSync(dts)) return [`unknown kind ${apiVersion} ${kind}`];
    const problems = [];
    const Model = require(`kubernetes-models/${apiVersion}/${kind}`)[kind];
    try {
      new Model(obj).validate();
    } catch (e) {
      problems.push(
        ...String(e.message)
          .split(/,\s*(?=data)/)
          .map((s) => s.replace(/^data\/?/, "")),
      );
    }
    const top = parseFile(dts).interfaces.get(`I${kind}`);
    unknownFields(obj, { fields: top, file: dts }, "", problems);
    return problems;
  }

  return { validate };
}
