// The core graph is runtime-free: mod.ts reaches no adapter, no npm
// package and no runtime-specific global.

const root = new URL("./", import.meta.url);

Deno.test("mod.ts loads no adapter, no npm package and no runtime global", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
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
  // An npm or remote import would show up here as a non-local module.
  if (files.length !== local.length) throw new Error(`non-local modules: ${files}`);
  if (local.some((f) => f.startsWith("adapters/") || f.startsWith("conformance/"))) {
    throw new Error(`mod.ts reaches ${local}`);
  }
  for (const file of local) {
    const source = await Deno.readTextFile(new URL(file, root));
    // Comments and JSDoc examples may name globals; code may not.
    const code = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    for (const global of ["Deno.", "indexedDB", "process.", "Bun.", "require("]) {
      if (code.includes(global)) throw new Error(`${file} touches ${global}`);
    }
  }
  if (local.length < 5) throw new Error(`expected the core modules, got ${local}`);
});
