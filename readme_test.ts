// Docs that run: every TypeScript block of the README (and of the examples'
// READMEs) type-checks against the package's own sources. A block that is
// a fragment says so on its first line and is fenced `ts ignore`.
//
// The blocks import `jsr:@kvkit/kvkit/…` (and `@kvkit/kvkit/…`, as npm
// users write it): an import map points those at the sources. The
// conformance templates import `./my_kv.ts`, your adapter: here it is the
// memory adapter. `jsr:@std/testing/bdd` is unreachable here, and its
// describe/it have node:test's call shape, which stands in for it.

const root = new URL("./", import.meta.url);

Deno.test("every TypeScript block in the READMEs type-checks against the sources", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    imports: Record<string, string>;
    exports: Record<string, string>;
  };
  const dir = await Deno.makeTempDir({ prefix: "kvkit-readme-" });
  try {
    const imports: Record<string, string> = { ...config.imports };
    for (const [key, path] of Object.entries(config.exports)) {
      const sub = key === "." ? "" : key.slice(1);
      const target = new URL(path, root).href;
      imports[`jsr:@kvkit/kvkit${sub}`] = target;
      imports[`@kvkit/kvkit${sub}`] = target;
    }
    await Deno.writeTextFile(`${dir}/bdd.ts`, 'export { describe, it } from "node:test";\n');
    await Deno.writeTextFile(
      `${dir}/my_kv.ts`,
      `export { createMemoryKv as createMyKv } from "${
        new URL("adapters/memory.ts", root).href
      }";\n`,
    );
    imports["jsr:@std/testing/bdd"] = `file://${dir}/bdd.ts`;
    imports[new URL("my_kv.ts", root).href] = `file://${dir}/my_kv.ts`;
    await Deno.writeTextFile(`${dir}/map.json`, JSON.stringify({ imports }));
    const readmes = ["README.md"];
    for await (const entry of Deno.readDir(new URL("examples/", root))) {
      if (entry.isDirectory) readmes.push(`examples/${entry.name}/README.md`);
    }
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--doc-only", "--import-map", `${dir}/map.json`, ...readmes],
      cwd: root.pathname,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
