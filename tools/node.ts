// Runs the Node test files (tests/node/*_test.ts) under Node's own test
// runner: esbuild turns each into an ES module in .cache/node/, with npm
// packages left to Node's resolution from node_modules/.
//
//   deno run -A tools/node.ts [filter]

import * as esbuild from "esbuild";

const root = new URL("../", import.meta.url);
const outDir = new URL(".cache/node/", root);
const filter = Deno.args[0] ?? "";

const entries: string[] = [];
for await (const entry of Deno.readDir(new URL("tests/node/", root))) {
  if (
    entry.isFile && entry.name.endsWith("_test.ts") &&
    entry.name.includes(filter)
  ) {
    entries.push(new URL(`tests/node/${entry.name}`, root).pathname);
  }
}
entries.sort();
if (entries.length === 0) {
  console.error(
    `tools/node.ts: no tests/node/*_test.ts matches "${filter}"`,
  );
  Deno.exit(1);
}

await Deno.remove(outDir, { recursive: true }).catch(() => {});
await esbuild.build({
  entryPoints: entries,
  outdir: outDir.pathname,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
await esbuild.stop();

const files = entries.map((e) =>
  new URL(e.split("/").pop()!.replace(/\.ts$/, ".mjs"), outDir).pathname
);
const node = new Deno.Command("node", {
  args: ["--enable-source-maps", "--test", "--test-concurrency=1", ...files],
  cwd: root.pathname,
  env: { KVKIT_DENO: Deno.execPath() },
  stdout: "inherit",
  stderr: "inherit",
});
const { code } = await node.output();
Deno.exit(code);
