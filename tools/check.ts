// The one gate, `deno task check`: formatting, lint, type check, the
// registry index, doc lint of every entry point, the doc tests of every
// published module, and a publish dry run. Entry points and published
// files come from deno.json, so no list of them is kept here.
//
//   deno run -A tools/check.ts

const root = new URL("../", import.meta.url);
const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
  exports: Record<string, string>;
};

async function run(label: string, args: string[]): Promise<void> {
  const start = performance.now();
  const { code } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: root.pathname,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  if (code !== 0) {
    console.error(`check: ${label} failed (${seconds}s)`);
    Deno.exit(code);
  }
  console.error(`check: ${label} ok (${seconds}s)`);
}

/** Published modules that may hold doc examples: no tests, no private files. */
async function publicModules(): Promise<string[]> {
  const out: string[] = [];
  for (const dir of ["", "adapters/", "conformance/"]) {
    for await (const entry of Deno.readDir(new URL(dir || "./", root))) {
      const name = entry.name;
      if (!entry.isFile || !name.endsWith(".ts") || name.startsWith("_")) continue;
      if (name.endsWith("_test.ts")) continue;
      out.push(dir + name);
    }
  }
  return out.sort();
}

const entries = Object.values(config.exports).map((path) => path.replace(/^\.\//, ""));

await run("fmt", ["fmt", "--check"]);
await run("lint", ["lint"]);
await run("type check", ["check", "."]);
await run("registry", ["run", "-A", "tools/registry.ts", "--check"]);
await run("doc lint", ["doc", "--lint", ...entries]);
await run("doc tests", ["test", "-A", "--doc", ...await publicModules()]);
await run("publish dry run", ["publish", "--dry-run", "--allow-dirty"]);
