// Builds kvkit's npm package from the files JSR publishes, into npm/, and
// packs it there (npm/kvkit-kvkit-<version>.tgz).
//
//   deno task npm        (deno run -A tools/npm.ts)
//
// Everything comes from deno.json at build time: the files are those of
// `publish.include`/`exclude`; `exports` gives one package.json export per
// JSR entry point; the sources' bare imports, mapped through `imports`,
// give the optional peer dependencies, each with its pinned version as a
// caret range. The TypeScript compiler is tools/npm's own (package-lock.json,
// `npm ci`): .ts becomes ES modules (`./x.ts` imports become `./x.js`) and
// .d.ts declarations, which are then type-checked as a user's compiler
// would read them. The CLI gets a `bin` (tools/npm/kvkit_bin.js).

const root = new URL("../", import.meta.url);
const toolDir = new URL("tools/npm/", root);

/** The parts of deno.json the build reads. */
export interface DenoConfig {
  name: string;
  version: string;
  license?: string;
  exports: Record<string, string>;
  imports?: Record<string, string>;
  exclude?: string[];
  publish?: { include?: string[]; exclude?: string[] };
}

/** One optional peer dependency and the sources that import it. */
export interface Peer {
  /** The npm package. */
  name: string;
  /** Its peer range: `^` and the version deno.json pins. */
  range: string;
  /** The published files that import it (or a subpath of it). */
  importedBy: string[];
}

/** The packages an entry point loads, from the emitted JavaScript. */
export interface EntryGraph {
  /** The entry's JavaScript file in the package. */
  file: string;
  /** npm packages loaded as soon as the entry is imported. */
  eager: string[];
  /** npm packages loaded only by a dynamic `import()` on some path. */
  lazy: string[];
  /**
   * npm packages (and `node:` modules, for @types/node) its declarations
   * import: what a user's compiler needs to type-check it.
   */
  types: string[];
}

/** What a build made. */
export interface BuildReport {
  /** The package directory (npm/). */
  dir: string;
  /** The packed tarball's path. */
  tarball: string;
  /** The package.json written. */
  packageJson: Record<string, unknown>;
  /** The published files of deno.json, as read. */
  files: string[];
  /** The optional peers, by package name. */
  peers: Peer[];
  /** Each export's graph, by export key (`.`, `./memory`, ...). */
  entries: Record<string, EntryGraph>;
  /** The TypeScript version that compiled it. */
  typescript: string;
  /** Wall time of the build, in milliseconds. */
  ms: number;
}

/** Reads deno.json. */
export async function readConfig(): Promise<DenoConfig> {
  return JSON.parse(await Deno.readTextFile(new URL("deno.json", root))) as DenoConfig;
}

/** A glob of deno.json (`*`, `**`, `?`; a trailing `/` names a directory) as a test. */
function globTest(pattern: string): (path: string) => boolean {
  const clean = pattern.replace(/^\.\//, "");
  if (clean.endsWith("/")) return (path) => path.startsWith(clean);
  if (!/[*?[]/.test(clean)) return (path) => path === clean || path.startsWith(`${clean}/`);
  let source = "";
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i];
    if (c === "*" && clean[i + 1] === "*") {
      const slash = clean[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const regex = new RegExp(`^${source}$`);
  return (path) => regex.test(path);
}

/** A .gitignore line as a test (deno publish leaves ignored files out). */
function gitignoreTest(line: string): (path: string) => boolean {
  const anchored = line.replace(/\/$/, "").includes("/");
  const pattern = line.replace(/^\//, "");
  const test = globTest(pattern);
  if (anchored) return test;
  // No slash but a trailing one: a name at any depth.
  return (path) => {
    const parts = path.split("/");
    return parts.some((_, i) => test(parts.slice(i).join("/")));
  };
}

async function* walk(dir: URL, prefix = ""): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) {
      if (entry.name === ".git" || entry.name === "node_modules") continue;
      yield* walk(new URL(`${entry.name}/`, dir), `${path}/`);
    } else if (entry.isFile) {
      yield path;
    }
  }
}

/**
 * The files `deno publish` publishes: `publish.include` minus
 * `publish.exclude`, the top-level `exclude` and .gitignore, sorted.
 */
export async function publishedFiles(config: DenoConfig): Promise<string[]> {
  const include = (config.publish?.include ?? ["**"]).map(globTest);
  const gitignore = await Deno.readTextFile(new URL(".gitignore", root)).catch(() => "");
  const exclude = [
    ...(config.publish?.exclude ?? []).map(globTest),
    ...(config.exclude ?? []).map(globTest),
    ...gitignore.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"))
      .map(gitignoreTest),
  ];
  const files: string[] = [];
  for await (const path of walk(root)) {
    if (include.some((t) => t(path)) && !exclude.some((t) => t(path))) files.push(path);
  }
  return files.sort();
}

async function run(command: string, args: string[], cwd: URL, quiet = false): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(command, {
    args,
    cwd: cwd.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) {
    throw new Error(`${command} ${args.join(" ")} failed (${code}):\n${out}${err}`);
  }
  if (!quiet && err.trim() !== "") console.error(err.trimEnd());
  return out;
}

/** Installs tools/npm's pinned TypeScript with `npm ci`, unless it is there. */
async function ensureCompiler(): Promise<void> {
  const lock = JSON.parse(await Deno.readTextFile(new URL("package-lock.json", toolDir)));
  const wanted = lock.packages["node_modules/typescript"].version as string;
  const installed = await Deno.readTextFile(
    new URL("node_modules/typescript/package.json", toolDir),
  ).then((text) => JSON.parse(text).version as string, () => undefined);
  if (installed === wanted) return;
  await run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], toolDir);
}

/** The npm package that a bare specifier names (`@a/b/c` is `@a/b`). */
function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

function isBare(specifier: string): boolean {
  return !/^(\.{1,2}\/|\/|node:|[a-z][a-z0-9+.-]*:)/i.test(specifier);
}

/** A bare import mapped through deno.json's imports, as npm name and peer range. */
function peerOf(
  config: DenoConfig,
  specifier: string,
  file: string,
): { name: string; range: string } {
  const name = packageOf(specifier);
  const imports = config.imports ?? {};
  const target = imports[specifier] ?? imports[name] ?? imports[`${name}/`];
  if (target === undefined) {
    throw new Error(`${file} imports "${specifier}", which deno.json's imports do not map`);
  }
  const match = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(\/.*)?$/.exec(target);
  if (match === null) {
    throw new Error(
      `${file} imports "${specifier}", mapped to ${target}: only npm: packages exist on npm`,
    );
  }
  const [, npmName, version] = match;
  if (npmName !== name) {
    throw new Error(
      `${file} imports "${specifier}", an alias of npm:${npmName}: Node would look for "${name}"`,
    );
  }
  const range = version === undefined
    ? "*"
    : /^\d+\.\d+\.\d+(-[\w.]+)?$/.test(version)
    ? `^${version}`
    : version;
  return { name, range };
}

/** A relative specifier resolved against the file that names it. */
function resolveRelative(from: string, specifier: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

type Imports = Record<string, { static: string[]; dynamic: string[] }>;

/** The npm packages a file reaches eagerly and lazily, following relative imports. */
function graphOf(imports: Imports, file: string): { eager: string[]; lazy: string[] } {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  const seen = new Map<string, boolean>();
  const visit = (name: string, isLazy: boolean) => {
    if (seen.get(name) === false || (seen.get(name) === true && isLazy)) return;
    seen.set(name, isLazy);
    const found = imports[name];
    if (found === undefined) throw new Error(`${file}: no emitted file ${name}`);
    for (const [specifiers, dynamic] of [[found.static, false], [found.dynamic, true]] as const) {
      for (const specifier of specifiers) {
        const next = isLazy || dynamic;
        if (isBare(specifier)) (next ? lazy : eager).add(packageOf(specifier));
        else if (/^\.{1,2}\//.test(specifier)) visit(resolveRelative(name, specifier), next);
      }
    }
  };
  visit(file, false);
  for (const name of eager) lazy.delete(name);
  return { eager: [...eager].sort(), lazy: [...lazy].sort() };
}

/** The first sentence of the README's first paragraph, without Markdown. */
async function description(): Promise<string | undefined> {
  const readme = await Deno.readTextFile(new URL("README.md", root)).catch(() => "");
  const paragraph = readme.split(/\n\s*\n/).find((p) => p.trim() !== "" && !p.startsWith("#"));
  if (paragraph === undefined) return undefined;
  const text = paragraph.replace(/\s+/g, " ").replace(/`/g, "").trim();
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

function jsOf(tsPath: string): string {
  return tsPath.replace(/^\.\//, "").replace(/\.ts$/, ".js");
}

/**
 * Builds npm/ and packs it.
 *
 * @returns What was built: the tarball, package.json, peers and graphs.
 */
export async function build(): Promise<BuildReport> {
  const started = performance.now();
  const config = await readConfig();
  const files = await publishedFiles(config);
  for (const [key, path] of Object.entries(config.exports)) {
    if (!files.includes(path.replace(/^\.\//, ""))) {
      throw new Error(`export "${key}" (${path}) is not among the published files`);
    }
  }
  await ensureCompiler();

  // A staging copy of the published sources, as ES modules (package.json
  // "type": "module"). Bare imports resolve from the repository's
  // node_modules (Deno's, from deno.json's imports).
  const staging = new URL(".cache/npm-src/", root);
  const out = new URL("npm/", root);
  await Deno.remove(staging, { recursive: true }).catch(() => {});
  await Deno.remove(out, { recursive: true }).catch(() => {});
  const sources = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  for (const file of files) {
    const copyTo = sources.includes(file) ? staging : out;
    const to = new URL(file, copyTo);
    await Deno.mkdir(new URL(".", to), { recursive: true });
    await Deno.copyFile(new URL(file, root), to);
  }
  await Deno.writeTextFile(new URL("package.json", staging), '{ "type": "module" }\n');

  const job = new URL("job.json", staging);
  const reportFile = new URL("report.json", staging);
  await Deno.writeTextFile(
    job,
    JSON.stringify({
      srcDir: staging.pathname,
      outDir: out.pathname,
      files: sources,
      report: reportFile.pathname,
    }),
  );
  await run("node", [new URL("compile.mjs", toolDir).pathname, job.pathname], toolDir);
  const compiled = JSON.parse(await Deno.readTextFile(reportFile)) as {
    typescript: string;
    emitted: string[];
    imports: Imports;
    emitErrors: string[];
    declarationErrors: string[];
  };
  if (compiled.emitErrors.length > 0 || compiled.declarationErrors.length > 0) {
    throw new Error(
      `the npm build's TypeScript ${compiled.typescript} reports:\n` +
        [...compiled.emitErrors, ...compiled.declarationErrors].join("\n"),
    );
  }

  // Optional peers: every bare import of the sources, through deno.json.
  const peers = new Map<string, Peer>();
  for (const file of sources) {
    const { static: s, dynamic: d } = compiled.imports[file];
    for (const specifier of [...s, ...d].filter(isBare)) {
      const { name, range } = peerOf(config, specifier, file);
      const peer = peers.get(name) ?? { name, range, importedBy: [] };
      if (!peer.importedBy.includes(file)) peer.importedBy.push(file);
      peers.set(name, peer);
    }
  }
  const peerList = [...peers.values()].sort((a, b) => a.name.localeCompare(b.name));

  const entries: Record<string, EntryGraph> = {};
  const exportsField: Record<string, { types: string; default: string }> = {};
  for (const [key, path] of Object.entries(config.exports)) {
    const js = jsOf(path);
    const dts = js.replace(/\.js$/, ".d.ts");
    exportsField[key] = { types: `./${dts}`, default: `./${js}` };
    const types = new Set<string>();
    const visitTypes = (name: string, seen: Set<string>) => {
      if (seen.has(name)) return;
      seen.add(name);
      const found = compiled.imports[name];
      if (found === undefined) return;
      for (const specifier of found.static) {
        if (specifier.startsWith("node:")) types.add(specifier);
        else if (isBare(specifier)) types.add(packageOf(specifier));
        else if (/^\.{1,2}\//.test(specifier)) visitTypes(resolveRelative(name, specifier), seen);
      }
    };
    visitTypes(dts, new Set());
    entries[key] = { file: js, ...graphOf(compiled.imports, js), types: [...types].sort() };
  }

  const packageJson: Record<string, unknown> = {
    name: config.name,
    version: config.version,
    description: await description(),
    license: config.license,
    type: "module",
    engines: { node: ">=20" },
    exports: exportsField,
    ...(exportsField["."] === undefined
      ? {}
      : { main: exportsField["."].default, types: exportsField["."].types }),
  };
  if (config.exports["./cli"] !== undefined) {
    // The shim imports the CLI module from bin/.
    const shim = (await Deno.readTextFile(new URL("kvkit_bin.js", toolDir)))
      .replace('"../cli.js"', JSON.stringify(`../${jsOf(config.exports["./cli"])}`));
    await Deno.mkdir(new URL("bin/", out), { recursive: true });
    await Deno.writeTextFile(new URL("bin/kvkit.js", out), shim, { mode: 0o755 });
    packageJson.bin = { kvkit: "./bin/kvkit.js" };
  }
  packageJson.peerDependencies = Object.fromEntries(peerList.map((p) => [p.name, p.range]));
  packageJson.peerDependenciesMeta = Object.fromEntries(
    peerList.map((p) => [p.name, { optional: true }]),
  );
  await Deno.writeTextFile(
    new URL("package.json", out),
    `${JSON.stringify(packageJson, null, 2)}\n`,
  );
  await Deno.writeTextFile(new URL(".npmignore", out), "*.tgz\n");

  const packed = JSON.parse(
    await run("npm", ["pack", "--json", "--loglevel=error"], out, true),
  ) as { filename: string }[];
  return {
    dir: out.pathname,
    tarball: new URL(packed[0].filename, out).pathname,
    packageJson,
    files,
    peers: peerList,
    entries,
    typescript: compiled.typescript,
    ms: performance.now() - started,
  };
}

if (import.meta.main) {
  const report = await build();
  const pad = Math.max(...Object.keys(report.entries).map((k) => k.length));
  console.log(`${report.tarball} (TypeScript ${report.typescript})`);
  for (const [key, graph] of Object.entries(report.entries)) {
    const loads = [
      ...graph.eager.map((p) => `${p} (static)`),
      ...graph.lazy.map((p) => `${p} (lazy)`),
    ];
    console.log(
      `  ${key.padEnd(pad)}  ${loads.length === 0 ? "no npm packages" : loads.join(", ")}`,
    );
  }
  console.log(
    `optional peers: ${report.peers.map((p) => `${p.name}@${p.range}`).join(", ")}`,
  );
  console.log(`built in ${(report.ms / 1000).toFixed(1)} s`);
}
