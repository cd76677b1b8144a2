// kvkit's npm package, as npm users get it: `deno task npm` builds the
// tarball from the files JSR publishes, and fresh projects in temporary
// directories (nothing of the repository but the tarball) install it from
// it with npm and use it: the conformance suite under node:test, vitest
// and bun test, type checks with tsc next to @cloudflare/workers-types, a
// Worker bundled by esbuild and run by workerd, and the `kvkit` CLI.
//
// The projects install from the npm registry (through the npm cache in
// .cache/npm-cache). Without a reachable registry the tests skip with the
// reason; under KVKIT_REQUIRE_SERVERS=1 (CI) they fail instead.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { cases } from "../../conformance/cases.ts";
import { build, type BuildReport, publishedFiles, readConfig } from "../../tools/npm.ts";
import {
  BUN_MINIFLARE_CLOCK,
  CLI_DUMP,
  conformanceProject,
  loadProject,
  type ProjectFiles,
  TEST_FILES,
  typesProject,
  workerProject,
} from "./_projects.ts";

const root = new URL("../../", import.meta.url);
const npmCache = new URL(".cache/npm-cache/", root).pathname;
const required = Deno.env.get("KVKIT_REQUIRE_SERVERS") === "1";
const keep = Deno.env.get("KVKIT_NPM_KEEP") === "1";
const started = performance.now();

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {},
): Promise<Output> {
  const child = new Deno.Command(command, {
    args,
    cwd: options.cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: "0", ...options.env },
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

function must(output: Output, what: string): Output {
  if (output.code !== 0) {
    throw new Error(`${what} exited ${output.code}:\n${output.stdout}\n${output.stderr}`);
  }
  return output;
}

/** Why the npm registry cannot be used, or undefined when it can. */
async function registryProblem(): Promise<string | undefined> {
  try {
    const { code, stderr } = await new Deno.Command("npm", {
      args: ["ping", "--loglevel=error", "--fetch-retries=0"],
      stdout: "null",
      stderr: "piped",
      signal: AbortSignal.timeout(30_000),
    }).output();
    if (code === 0) return undefined;
    // npm's FetchError line names the registry and the reason.
    const lines = new TextDecoder().decode(stderr).split("\n").map((l) =>
      l.replace(/^npm error /, "")
    );
    return `npm ping failed: ${lines.find((l) => l.startsWith("FetchError")) ?? lines[0]}`;
  } catch (error) {
    return `npm ping failed: ${(error as Error).message}`;
  }
}

const problem = await registryProblem();
if (problem !== undefined) {
  if (required) throw new Error(`the npm tests are required, but ${problem}`);
  console.log(`tests/npm: skipping the npm package tests: ${problem}`);
}
const ignore = problem !== undefined;

// ---------------------------------------------------------------------------
// The pinned versions the projects install, read where they are pinned.

const config = await readConfig();

/** `name@version` as deno.json's imports pin it. */
function pinned(name: string): string {
  const target = config.imports?.[name];
  const version = target?.match(/^npm:\/?(?:@[^/@]+\/)?[^/@]+@([^/]+)/)?.[1];
  if (version === undefined) throw new Error(`deno.json's imports pin no npm:${name}`);
  return `${name}@${version}`;
}

/** `name@version` as a package.json of the repository pins it. */
async function pinnedIn(file: string, name: string): Promise<string> {
  const json = JSON.parse(await Deno.readTextFile(new URL(file, root)));
  const version = json.devDependencies?.[name] ?? json.dependencies?.[name];
  if (version === undefined) throw new Error(`${file} pins no ${name}`);
  return `${name}@${version}`;
}

const VITEST = await pinnedIn("tests/vitest/package.json", "vitest");
const BUN = await pinnedIn("tests/bun/package.json", "bun");
const TYPESCRIPT = await pinnedIn("tools/npm/package.json", "typescript");
const TYPES_NODE = await pinnedIn("tools/npm/package.json", "@types/node");
const WORKERS_TYPES = pinned("@cloudflare/workers-types");
const ADAPTER_PEERS = [pinned("@deno/kv"), pinned("idb"), pinned("fake-indexeddb")];

// ---------------------------------------------------------------------------
// The build, once, and the projects, installed in parallel after it.

let built: Promise<BuildReport> | undefined;
function npmBuild(): Promise<BuildReport> {
  return built ??= build();
}

const temporary: string[] = [];
const installs = new Map<string, Promise<string>>();
const timings: string[] = [];

/** A project: the packages it installs besides the tarball, and its files. */
type ProjectName = "bare" | "node" | "bun" | "types" | "worker";
const definitions: Record<
  ProjectName,
  (report: BuildReport) => { dependencies: string[]; files: ProjectFiles }
> = {
  // Nothing but kvkit: which entry points load without their peers.
  bare: () => ({ dependencies: [], files: loadProject }),
  node: () => ({
    dependencies: [...ADAPTER_PEERS, VITEST],
    files: { ...conformanceProject("node:test"), ...conformanceProject("vitest"), ...loadProject },
  }),
  bun: () => ({
    dependencies: [BUN, ...ADAPTER_PEERS, pinned("miniflare")],
    files: conformanceProject("bun:test"),
  }),
  // The entry points whose declarations import nothing else are checked
  // next to @cloudflare/workers-types; the others with @types/node and
  // the peers their declarations import.
  types: (report) => {
    const entries = Object.entries(report.entries);
    const clean = entries.filter(([, g]) => g.types.length === 0).map(([k]) => k);
    const other = entries.filter(([, g]) => g.types.length > 0).map(([k]) => k);
    const peers = new Set(
      entries.flatMap(([, g]) => g.types).filter((t) => !t.startsWith("node:")),
    );
    return {
      dependencies: [TYPESCRIPT, WORKERS_TYPES, TYPES_NODE, ...[...peers].sort().map(pinned)],
      files: typesProject(clean, other),
    };
  },
  worker: () => ({ dependencies: [pinned("esbuild"), pinned("miniflare")], files: workerProject }),
};

/**
 * A fresh project in a temporary directory: package.json, the tarball
 * (copied in) and the project's dependencies installed with npm, and its
 * files. Made once per run.
 */
function project(name: ProjectName): Promise<string> {
  let made = installs.get(name);
  if (made === undefined) {
    made = (async () => {
      const report = await npmBuild();
      const { dependencies, files } = definitions[name](report);
      const dir = await Deno.makeTempDir({ prefix: `kvkit-npm-${name}-` });
      temporary.push(dir);
      const file = report.tarball.split("/").pop()!;
      await Deno.copyFile(report.tarball, `${dir}/${file}`);
      await Deno.writeTextFile(
        `${dir}/package.json`,
        JSON.stringify({ name: `kvkit-npm-${name}`, private: true, type: "module" }),
      );
      for (const [path, text] of Object.entries(files)) {
        await Deno.writeTextFile(`${dir}/${path}`, text);
      }
      const at = performance.now();
      must(
        await exec("npm", [
          "install",
          "--no-audit",
          "--no-fund",
          "--loglevel=error",
          "--prefer-offline",
          `--cache=${npmCache}`,
          `./${file}`,
          ...dependencies,
        ], { cwd: dir }),
        `npm install in the ${name} project`,
      );
      timings.push(`npm install (${name}): ${((performance.now() - at) / 1000).toFixed(1)} s`);
      return dir;
    })();
    // Awaited by its tests; marked handled so that an early failure is
    // reported there, not as an unhandled rejection.
    made.catch(() => {});
    installs.set(name, made);
  }
  return made;
}

const caseCount = cases.length;
const clockCount = cases.filter((c) => (c.tags ?? []).includes("clock")).length;

// ---------------------------------------------------------------------------

Deno.test("the npm package's files are deno publish's: publish.include minus exclude", async () => {
  const { stdout, stderr } = must(
    await exec(Deno.execPath(), ["publish", "--dry-run", "--allow-dirty", "--no-check"], {
      cwd: root.pathname,
    }),
    "deno publish --dry-run",
  );
  // deno publish lists the files on standard error.
  const jsr = [...`${stdout}${stderr}`.matchAll(/^\s+(file:\/\/\S+)/gm)]
    .map(([, url]) => url.slice(root.href.length)).sort();
  assert(jsr.length > 0, `no files in deno publish's output:\n${stdout}`);
  assertEquals(await publishedFiles(config), jsr);
  assert(!jsr.some((f) => /_test\.ts$|\/_[^/]*_test_[^/]*\.ts$/.test(f)), "tests are published");
});

Deno.test({
  name: "deno task npm packs one export per deno.json export, JavaScript and declarations",
  ignore,
  async fn() {
    const report = await npmBuild();
    // The projects install while the checks below run.
    for (const name of Object.keys(definitions) as ProjectName[]) project(name);
    timings.push(`build (TypeScript ${report.typescript}): ${(report.ms / 1000).toFixed(1)} s`);
    const { stdout } = must(await exec("tar", ["tzf", report.tarball]), "tar");
    const packed = stdout.trim().split("\n").map((f) => f.replace(/^package\//, "")).sort();
    const pkg = report.packageJson as {
      name: string;
      version: string;
      exports: Record<string, { types: string; default: string }>;
      bin?: Record<string, string>;
    };
    assertEquals([pkg.name, pkg.version], [config.name, config.version]);
    assertEquals(Object.keys(pkg.exports), Object.keys(config.exports));
    for (const [key, source] of Object.entries(config.exports)) {
      const base = source.replace(/^\.\//, "").replace(/\.ts$/, "");
      assertEquals(pkg.exports[key], { types: `./${base}.d.ts`, default: `./${base}.js` }, key);
      assert(packed.includes(`${base}.js`) && packed.includes(`${base}.d.ts`), `${key} packed`);
    }
    // Every published source becomes .js and .d.ts; nothing else is .js.
    const sources = report.files.filter((f) => f.endsWith(".ts"));
    for (const file of sources) {
      const base = file.replace(/\.ts$/, "");
      assert(packed.includes(`${base}.js`) && packed.includes(`${base}.d.ts`), file);
    }
    const others = report.files.filter((f) => !f.endsWith(".ts"));
    const expected = [
      ...sources.flatMap((f) => [f.replace(/\.ts$/, ".js"), f.replace(/\.ts$/, ".d.ts")]),
      ...others,
      "package.json",
      ...(pkg.bin === undefined ? [] : Object.values(pkg.bin).map((b) => b.replace(/^\.\//, ""))),
    ].sort();
    assertEquals(packed, [...new Set(expected)].sort());
    // No TypeScript-only specifier is left for Node to trip on.
    const dir = report.dir;
    for (const file of packed.filter((f) => f.endsWith(".js") || f.endsWith(".d.ts"))) {
      const text = await Deno.readTextFile(`${dir}/${file}`);
      const bad = text.match(/(?:from\s*|import\s*\(\s*)["'](\.{1,2}\/[^"']+\.ts)["']/);
      assert(bad === null, `${file} still imports ${bad?.[1]}`);
    }
  },
});

Deno.test({
  name: "every npm package the sources import is an optional peer at deno.json's pinned version",
  ignore,
  async fn() {
    const report = await npmBuild();
    const pkg = report.packageJson as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
      dependencies?: unknown;
    };
    assertEquals(pkg.dependencies, undefined);
    // Deno's own module graph of every entry point names the same packages.
    const graph = new Set<string>();
    for (const entry of Object.values(config.exports)) {
      const { stdout } = must(
        await exec(Deno.execPath(), ["info", "--json", entry], { cwd: root.pathname }),
        `deno info ${entry}`,
      );
      const info = JSON.parse(stdout) as { modules: { kind?: string; npmPackage?: string }[] };
      for (const { kind, npmPackage } of info.modules) {
        if (kind === "npm" && npmPackage !== undefined) {
          graph.add(npmPackage.slice(0, npmPackage.lastIndexOf("@")));
        }
      }
    }
    const direct = [...graph].sort();
    assertEquals(Object.keys(pkg.peerDependencies).sort(), direct);
    for (const name of direct) {
      const version = pinned(name).slice(name.length + 1);
      assertEquals(pkg.peerDependencies[name], `^${version}`, name);
      assertEquals(pkg.peerDependenciesMeta[name], { optional: true }, name);
    }
    // The core and the memory adapter load no npm package, not even lazily.
    for (const key of [".", "./memory"]) {
      const entry = report.entries[key];
      assertEquals([entry.eager, entry.lazy, entry.types], [[], [], []], key);
    }
  },
});

Deno.test({
  name: "with only the tarball installed, each entry point loads unless a peer is static",
  ignore,
  async fn() {
    const report = await npmBuild();
    const dir = await project("bare");
    const keys = Object.keys(report.entries);
    const specifiers = keys.map((k) => k === "." ? "@kvkit/kvkit" : `@kvkit/kvkit/${k.slice(2)}`);
    const { stdout } = must(await exec("node", ["load.mjs", ...specifiers], { cwd: dir }), "load");
    const results = stdout.trim().split("\n").map((line) => JSON.parse(line));
    for (const [i, key] of keys.entries()) {
      const { eager } = report.entries[key];
      const result = results[i] as { exports?: string[]; code?: string; message?: string };
      if (eager.length === 0) {
        assert(result.exports !== undefined && result.exports.length > 0, JSON.stringify(result));
      } else {
        // The error names the missing peer: install it to use this entry.
        assertEquals(result.code, "ERR_MODULE_NOT_FOUND", key);
        assert(eager.some((p) => result.message!.includes(`'${p}'`)), result.message);
      }
    }
  },
});

Deno.test({
  name: "importing @kvkit/kvkit and @kvkit/kvkit/memory resolves no module outside kvkit",
  ignore,
  async fn() {
    const dir = await project("node");
    const log = `${dir}/resolved.log`;
    const load = async (specifiers: string[]) => {
      await Deno.writeTextFile(log, "");
      must(
        await exec("node", ["--import", "./register.mjs", "load.mjs", ...specifiers], {
          cwd: dir,
          env: { KVKIT_RESOLVE_LOG: log },
        }),
        "load",
      );
      return (await Deno.readTextFile(log)).trim().split("\n");
    };
    const core = await load(["@kvkit/kvkit", "@kvkit/kvkit/memory"]);
    const kvkit = `file://${dir}/node_modules/@kvkit/kvkit/`;
    assert(core.includes(`${kvkit}adapters/memory.js`), `the hook saw: ${core}`);
    const outside = core.filter((url) => !url.startsWith(kvkit) && !url.endsWith("/load.mjs"));
    assertEquals(outside, []);
    // The hook does see a peer when one loads: the Deno KV adapter's, on first use.
    const denoKv = await load(["@kvkit/kvkit/deno-kv"]);
    assert(!denoKv.some((url) => url.includes("/node_modules/@deno/kv/")), "@deno/kv is lazy");
    const idb = await load(["@kvkit/kvkit/indexeddb"]);
    assert(idb.some((url) => url.includes("/node_modules/idb/")), "idb loads with its adapter");
  },
});

/** The TAP summary counts of node --test. */
function tapCounts(tap: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [, name, n] of tap.matchAll(/^# (tests|pass|fail|skipped|todo|cancelled) (\d+)$/gm)) {
    counts[name] = Number(n);
  }
  return counts;
}

/** The failing tests' names in a node:test TAP report. */
function tapFailures(tap: string): string[] {
  return [...tap.matchAll(/^\s*not ok \d+ - (.*)$/gm)].map(([, name]) => name).slice(0, 20);
}

Deno.test({
  name: "in a Node project, node:test runs the suite on memory, @deno/kv and fake-indexeddb",
  ignore,
  async fn() {
    const dir = await project("node");
    const at = performance.now();
    const { code, stdout, stderr } = await exec("node", [
      "--test",
      "--test-reporter=tap",
      TEST_FILES["node:test"],
    ], { cwd: dir });
    timings.push(`node --test: ${((performance.now() - at) / 1000).toFixed(1)} s`);
    const counts = tapCounts(stdout);
    const expected = { tests: 3 * caseCount, pass: 3 * caseCount, fail: 0 };
    assert(
      code === 0 && counts.tests === expected.tests && counts.pass === expected.pass &&
        counts.fail === 0,
      `expected ${JSON.stringify(expected)}, got ${JSON.stringify(counts)} (exit ${code}):\n` +
        `${tapFailures(stdout).join("\n")}\n${stderr.slice(-2000)}`,
    );
  },
});

Deno.test({
  name: "in a Node project, vitest runs the suite on memory, @deno/kv and fake-indexeddb",
  ignore,
  async fn() {
    const dir = await project("node");
    const at = performance.now();
    const { code, stderr } = await exec("npx", [
      "--no-install",
      "vitest",
      "run",
      "--reporter=json",
      "--outputFile=vitest.json",
    ], { cwd: dir });
    timings.push(`vitest run: ${((performance.now() - at) / 1000).toFixed(1)} s`);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/vitest.json`)) as {
      numTotalTests: number;
      numPassedTests: number;
      numFailedTests: number;
      testResults: { assertionResults: { fullName: string; status: string }[] }[];
    };
    const failed = report.testResults.flatMap((r) => r.assertionResults)
      .filter((r) => r.status !== "passed").map((r) => r.fullName).slice(0, 20);
    assert(
      code === 0 && report.numPassedTests === 3 * caseCount && report.numFailedTests === 0,
      `vitest: ${report.numPassedTests}/${report.numTotalTests} passed, expected ${3 * caseCount}` +
        ` (exit ${code}):\n${failed.join("\n")}\n${stderr.slice(-2000)}`,
    );
  },
});

Deno.test({
  name: "in a Bun project, bun test runs the suite on memory, @deno/kv, fake-indexeddb, Miniflare",
  ignore,
  async fn() {
    const dir = await project("bun");
    const at = performance.now();
    const { code, stdout, stderr } = await exec(`${dir}/node_modules/.bin/bun`, [
      "test",
      "--timeout",
      "120000",
    ], { cwd: dir });
    timings.push(`bun test: ${((performance.now() - at) / 1000).toFixed(1)} s`);
    const count = (name: string) =>
      Number(stderr.match(new RegExp(`^\\s*(\\d+) ${name}$`, "m"))?.[1]);
    const pass = 3 * caseCount + caseCount - clockCount;
    const failures = stderr.split("\n").filter((l) => l.startsWith("(fail)")).slice(0, 20);
    assert(
      code === 0 && count("pass") === pass && count("skip") === clockCount && count("fail") === 0,
      `bun test: ${count("pass")} pass, ${count("skip")} skip, ${count("fail")} fail; expected ` +
        `${pass} pass, ${clockCount} skip (exit ${code}):\n${failures.join("\n")}\n` +
        `${stderr.slice(-1500)}${stdout.slice(-500)}`,
    );
    // The skip is printed with its reason.
    assert(stdout.includes(BUN_MINIFLARE_CLOCK), "the Miniflare clock skip is printed");
  },
});

Deno.test({
  name: "in a TypeScript project, tsc checks kvkit's types against @cloudflare/workers-types",
  ignore,
  async fn() {
    const dir = await project("types");
    for (const tsconfig of ["tsconfig.json", "tsconfig.bundler.json", "tsconfig.node.json"]) {
      const { code, stdout, stderr } = await exec("npx", ["--no-install", "tsc", "-p", tsconfig], {
        cwd: dir,
      });
      assert(code === 0, `tsc -p ${tsconfig} failed:\n${stdout}${stderr}`);
    }
    // The check can fail: a wrong use is reported.
    await Deno.writeTextFile(
      `${dir}/check.ts`,
      "export const broken: number = createMemoryKv();\n",
      { append: true },
    );
    const { code, stdout } = await exec("npx", ["--no-install", "tsc", "-p", "tsconfig.json"], {
      cwd: dir,
    });
    assert(
      code !== 0 && /check\.ts\(\d+,\d+\): error TS2322/.test(stdout),
      `tsc accepted a wrong use:\n${stdout}`,
    );
  },
});

Deno.test({
  name: "a Worker importing kvkit, bundled by esbuild, passes the suite under workerd",
  ignore,
  async fn() {
    const dir = await project("worker");
    const at = performance.now();
    const { stdout } = must(await exec("node", ["run.mjs"], { cwd: dir }), "run.mjs");
    timings.push(
      `workerd (bundle + two suites): ${((performance.now() - at) / 1000).toFixed(1)} s`,
    );
    const out = JSON.parse(stdout) as {
      bytes: number;
      inputs: string[];
      [target: string]: unknown;
    };
    // The bundle holds the Worker and kvkit's modules, no other package.
    const foreign = out.inputs.filter((f) =>
      f !== "worker.js" && !f.startsWith("node_modules/@kvkit/kvkit/")
    );
    assertEquals(foreign, []);
    for (const [target, skips] of [["memory", 0], ["workers", clockCount]] as const) {
      const { userAgent, cases: total, report } = out[target] as {
        userAgent: string;
        cases: number;
        report: { id: string; status: string; error?: string }[];
      };
      assertEquals([userAgent, total, report.length], ["Cloudflare-Workers", caseCount, caseCount]);
      const failed = report.filter((r) => r.status === "fail");
      assertEquals(failed.map((r) => `${r.id}: ${r.error}`), [], target);
      assertEquals(report.filter((r) => r.status === "skip").length, skips, target);
    }
  },
});

Deno.test({
  name: "npx kvkit runs the CLI under Node: help, import, export, copy, conformance",
  ignore,
  async fn() {
    const dir = await project("node");
    const kvkit = (args: string[], stdin?: string) =>
      exec("npx", ["--no-install", "kvkit", ...args], { cwd: dir, stdin });
    const help = must(await kvkit(["--help"]), "kvkit --help");
    assert(help.stdout.startsWith("usage: kvkit"), help.stdout);
    assertEquals((await kvkit([])).code, 2);
    assertEquals((await kvkit(["nonsense"])).code, 2);
    // A dump from standard input, out to standard output, copied, to a file.
    must(await kvkit(["import", "deno-kv:./a.db"], CLI_DUMP), "import from stdin");
    const exported = must(await kvkit(["export", "deno-kv:./a.db"]), "export to stdout");
    assertEquals(JSON.parse(exported.stdout), JSON.parse(CLI_DUMP));
    must(await kvkit(["copy", "deno-kv:./a.db", "deno-kv:./b.db#copy"]), "copy");
    must(await kvkit(["export", "deno-kv:./b.db#copy", "out.json"]), "export to a file");
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/out.json`)), JSON.parse(CLI_DUMP));
    // Bad input: a data error, and nothing written.
    const bad = await kvkit(
      ["import", "deno-kv:./a.db"],
      '[{"key":"x","value":"%","base64":true}]',
    );
    assertEquals(bad.code, 1);
    assert(bad.stderr.includes("not valid base64"), bad.stderr);
    const missing = await kvkit(["export", "deno-kv:./missing.db"]);
    assertEquals(missing.code, 1);
    const matrix = must(
      await kvkit(["conformance", "--adapter", "memory,deno-kv:memory", "--area", "ordering"]),
      "kvkit conformance",
    );
    assert(/ordering\s+✓/.test(matrix.stdout), matrix.stdout);
  },
});

Deno.test({
  name: "npm package tests: remove the projects and report the wall time",
  ignore,
  async fn() {
    if (!keep) {
      for (const dir of temporary) await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    timings.push(`total: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    console.log(timings.map((t) => `  ${t}`).join("\n"));
    if (keep) console.log(`  kept: ${temporary.join(" ")}`);
  },
});
