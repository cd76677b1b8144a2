// The core graph is runtime-free: mod.ts and the driver kit (the engine)
// reach no adapter, no npm package and no runtime-specific global.

const root = new URL("./", import.meta.url);

/** The local files an entry point loads, from `deno info --json`. */
async function graph(entry: string): Promise<{ files: string[]; local: string[] }> {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (code !== 0) throw new Error("deno info failed");
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string; kind?: string }[];
  };
  const files = info.modules.map((m) => m.specifier);
  const local = files.filter((f) => f.startsWith(root.href)).map((f) => f.slice(root.href.length));
  return { files, local };
}

for (
  const [entry, core] of [
    ["mod.ts", ["errors.ts", "limits.ts", "mod.ts", "types.ts"]],
    ["driver.ts", [
      "driver.ts",
      "engine.ts",
      "expiry.ts",
      "keys.ts",
      "kv_driver.ts",
      "_validate.ts",
    ]],
  ] as const
) {
  Deno.test(`${entry} loads no adapter, no npm package and no runtime global`, async () => {
    const { files, local } = await graph(entry);
    // An npm or remote import would show up here as a non-local module.
    if (files.length !== local.length) throw new Error(`non-local modules: ${files}`);
    if (local.some((f) => f.includes("/"))) throw new Error(`${entry} reaches ${local}`);
    for (const file of local) {
      const source = await Deno.readTextFile(new URL(file, root));
      // Comments and JSDoc examples may name globals; code may not.
      const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
      for (const global of ["Deno.", "indexedDB", "process.", "Bun.", "require("]) {
        if (code.includes(global)) throw new Error(`${file} touches ${global}`);
      }
    }
    const missing = core.filter((file) => !local.includes(file));
    if (missing.length > 0) throw new Error(`expected the core modules, missing ${missing}`);
  });
}

/** A cycle in the static imports (code and type) of local modules, if any. */
async function findCycle(entry: string): Promise<string[] | undefined> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: root.pathname,
    stdout: "piped",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: {
      specifier: string;
      dependencies?: {
        isDynamic?: boolean;
        code?: { specifier?: string };
        type?: { specifier?: string };
      }[];
    }[];
  };
  const edges = new Map<string, string[]>();
  for (const module of info.modules) {
    if (!module.specifier.startsWith(root.href)) continue;
    const targets: string[] = [];
    for (const dep of module.dependencies ?? []) {
      if (dep.isDynamic) continue;
      for (const to of [dep.code?.specifier, dep.type?.specifier]) {
        if (to?.startsWith(root.href)) targets.push(to);
      }
    }
    edges.set(module.specifier, targets);
  }
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle.map((f) => f.slice(root.href.length));
  }
  return undefined;
}

Deno.test("no entry point's import graph has a circle", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as {
    exports: Record<string, string>;
  };
  const entries = [...Object.values(config.exports), "targets/mod.ts"];
  for (const entry of entries) {
    const cycle = await findCycle(entry);
    if (cycle !== undefined) throw new Error(`${entry}: ${cycle.join(" -> ")}`);
  }
});
