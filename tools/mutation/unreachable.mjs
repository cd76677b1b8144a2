// A Stryker ignore plugin ("kvkit-unreachable"): leaves unmutated the
// functions that no call through the memory adapter's namespace can reach,
// as listed under "unreachable" in equivalent.json beside this file, each
// with its reason. Stryker reports their mutants as Ignored, with that
// reason. It runs inside Stryker, under Node.

import { readFileSync } from "node:fs";
import { relative } from "node:path";

const listed = JSON.parse(
  readFileSync(new URL("./equivalent.json", import.meta.url), "utf8"),
).unreachable;

/** The name an entry uses for a node: `name`, or `Class.name` for a method. */
function nameOf(path) {
  const node = path.node;
  if (node.type === "FunctionDeclaration" && node.id) return node.id.name;
  if (node.type === "VariableDeclarator" && node.id.type === "Identifier") {
    return node.id.name;
  }
  if (node.type === "ClassMethod" && node.key.type === "Identifier") {
    const owner = path.parentPath?.parentPath?.node;
    return `${owner?.id?.name ?? "?"}.${node.key.name}`;
  }
  return undefined;
}

export const strykerPlugins = [{
  kind: "Ignore",
  name: "kvkit-unreachable",
  value: {
    shouldIgnore(path) {
      const name = nameOf(path);
      if (name === undefined) return undefined;
      const filename = path.hub?.file?.opts?.filename;
      if (typeof filename !== "string") return undefined;
      const file = relative(process.cwd(), filename).replaceAll("\\", "/");
      const entry = listed.find((e) => e.file === file && e.name === name);
      return entry && `unreachable from the memory adapter: ${entry.reason}`;
    },
  },
}];
