// The files of the fresh npm projects that npm_test.ts installs kvkit's
// tarball into: what a user of the npm package would write. Plain
// JavaScript (and one TypeScript file, for tsc), kept as text here so
// that nothing in the repository imports them: they resolve only
// `@kvkit/kvkit` from their own node_modules.

/** A project's files, by name. */
export type ProjectFiles = Record<string, string>;

/** A test runner the conformance project is written for. */
export type Runner = "node:test" | "vitest" | "bun:test";

/** Why the Miniflare target runs without its fake clock under Bun. */
export const BUN_MINIFLARE_CLOCK =
  "under Bun, import 'undici' is Bun's own fetch, which drops the cf field that Miniflare's " +
  "fake-time control requests carry";

const TARGETS = String.raw`
import { clockFixture, testKv } from "@kvkit/kvkit/conformance";
import { createMemoryKv } from "@kvkit/kvkit/memory";
import { openDenoKv } from "@kvkit/kvkit/deno-kv";
import { createIndexedDbKv } from "@kvkit/kvkit/indexeddb";
// fake-indexeddb/auto installs the IndexedDB globals (IDBKeyRange, …) that
// idb needs; each case gets a fresh factory.
import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";

const targets = [
  ["memory", () => clockFixture((now) => createMemoryKv({ now }))],
  ["deno-kv:memory", () => clockFixture((now) => openDenoKv(":memory:", { now }))],
  [
    "indexeddb:fake",
    () => clockFixture((now) => createIndexedDbKv({ indexedDB: new IDBFactory(), now })),
  ],
];
`;

/** The test file of each runner's project. */
export const TEST_FILES: Record<Runner, string> = {
  "node:test": "node.test.js",
  "vitest": "vitest.test.js",
  "bun:test": "bun.test.js",
};

/** The conformance suite on memory, Deno KV (@deno/kv) and fake-indexeddb, for one runner. */
export function conformanceProject(runner: Runner): ProjectFiles {
  if (runner === "bun:test") {
    return {
      [TEST_FILES[runner]]: String.raw`import { describe, it } from "bun:test";
import { openMiniflareKv } from "@kvkit/kvkit/miniflare";
${TARGETS}
// Miniflare runs under Bun, but not its fake clock: ${BUN_MINIFLARE_CLOCK}.
const miniflare = async () => {
  const kv = await openMiniflareKv();
  return { kv, close: () => kv.close() };
};

for (const [name, factory] of targets) {
  describe(name, () => testKv(it, "", factory));
}
describe("miniflare", () => {
  testKv(it, "", miniflare, { skip: { clock: ${JSON.stringify(BUN_MINIFLARE_CLOCK)} } });
});
`,
    };
  }
  const files: ProjectFiles = {
    [TEST_FILES[runner]]: `import { describe, it } from "${
      runner === "vitest" ? "vitest" : "node:test"
    }";
${TARGETS}
for (const [name, factory] of targets) {
  describe(name, () => testKv(it, "", factory));
}
`,
  };
  if (runner === "vitest") {
    files["vitest.config.js"] = `export default {
  test: { include: [${JSON.stringify(TEST_FILES.vitest)}], testTimeout: 120_000 },
};
`;
  }
  return files;
}

/**
 * A resolve hook that logs every module Node resolves, and a script that
 * imports the modules named on its command line.
 */
export const loadProject: ProjectFiles = {
  "hooks.mjs": String.raw`import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.KVKIT_RESOLVE_LOG, result.url + "\n");
  return result;
}
`,
  "register.mjs": String.raw`import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
`,
  "load.mjs": String.raw`// Imports each module named on the command line; prints one JSON line
// per module: its export names, or the error's code and message.
for (const specifier of process.argv.slice(2)) {
  try {
    const module = await import(specifier);
    console.log(JSON.stringify({ specifier, exports: Object.keys(module).sort() }));
  } catch (error) {
    console.log(JSON.stringify({ specifier, code: error.code, message: error.message }));
  }
}
`,
};

/** Type-only imports of the given entry points (`.`, `./memory`, ...), as a module. */
function entryImports(keys: string[]): string {
  const specifier = (key: string) => key === "." ? "@kvkit/kvkit" : `@kvkit/kvkit/${key.slice(2)}`;
  return [
    ...keys.map((key, i) => `import type * as entry${i} from "${specifier(key)}";`),
    `export type Entries = [${keys.map((_, i) => `typeof entry${i}`).join(", ")}];`,
    "",
  ].join("\n");
}

/**
 * The type test of types_test.ts, against the npm package and
 * @cloudflare/workers-types: kvkit's KvNamespace and Cloudflare's
 * KVNamespace are assignable both ways, wrong uses do not compile, and
 * every entry point in `workerEntries` type-checks when imported. The
 * entries in `nodeEntries` (their declarations import `node:` modules or
 * peers) are checked with @types/node instead, in check_node.ts.
 */
export function typesProject(workerEntries: string[], nodeEntries: string[]): ProjectFiles {
  const tsconfig = (file: string, moduleResolution: string, module: string, types: string) =>
    JSON.stringify(
      {
        compilerOptions: {
          target: "es2022",
          module,
          moduleResolution,
          // kvkit's handles are AsyncDisposable (await using).
          lib: ["es2023", "esnext.disposable"],
          types: [types],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: [file],
      },
      null,
      2,
    );
  return {
    "tsconfig.json": tsconfig("check.ts", "nodenext", "nodenext", "@cloudflare/workers-types"),
    "tsconfig.bundler.json": tsconfig("check.ts", "bundler", "es2022", "@cloudflare/workers-types"),
    "tsconfig.node.json": tsconfig("check_node.ts", "nodenext", "nodenext", "node"),
    "check_node.ts": entryImports(nodeEntries),
    "check.ts": String.raw`// kvkit's npm types next to Cloudflare's global KVNamespace.
import type { KvNamespace } from "@kvkit/kvkit";
import { KvError } from "@kvkit/kvkit";
import { createMemoryKv } from "@kvkit/kvkit/memory";
import { createWorkersKv, type KvBinding } from "@kvkit/kvkit/workers";
import {
  clockFixture,
  type ConformanceResult,
  runConformance,
} from "@kvkit/kvkit/conformance";
${entryImports(workerEntries)}
function acceptsKvkit(kv: KvNamespace): KvNamespace {
  return kv;
}
function acceptsCloudflare(kv: KVNamespace): KVNamespace {
  return kv;
}

// A real binding type is a kvkit namespace...
export function bindingIsKvkit(binding: KVNamespace): KvNamespace {
  return acceptsKvkit(binding);
}
// ...and every kvkit adapter is a binding.
export function memoryIsBinding(): KVNamespace {
  return acceptsCloudflare(createMemoryKv());
}
export function wrappedIsBinding(env: { KV: KVNamespace }): KVNamespace {
  const binding: KvBinding = env.KV;
  return acceptsCloudflare(createWorkersKv(binding));
}

export async function suite(): Promise<ConformanceResult[]> {
  return await runConformance(() => clockFixture((now) => createMemoryKv({ now })));
}

export async function typedUses(kv: KvNamespace): Promise<void> {
  const text: string | null = await kv.get("k");
  const json: { a: number } | null = await kv.get<{ a: number }>("k", "json");
  const bytes: ArrayBuffer | null = await kv.get("k", "arrayBuffer");
  const stream: ReadableStream | null = await kv.get("k", { type: "stream" });
  const bulk: Map<string, string | null> = await kv.get(["a", "b"]);
  const bulkJson: Map<string, number | null> = await kv.get<number>(["a"], "json");
  const meta = await kv.getWithMetadata<{ v: number }>("k");
  const version: number | undefined = meta.metadata?.v;
  const page = await kv.list<{ v: number }>({ prefix: "p", limit: 10 });
  const cursor: string | undefined = page.list_complete ? undefined : page.cursor;
  await kv.put("k", new Uint8Array(1), { expirationTtl: 60, metadata: { v: 1 } });
  const status: number = new KvError("GET", 500, "x").status;
  void [text, json, bytes, stream, bulk, bulkJson, version, cursor, status];

  // @ts-expect-error: bulk get has no arrayBuffer form
  await kv.get(["a"], "arrayBuffer");
  // @ts-expect-error: not a value type
  await kv.get("k", "blob");
  // @ts-expect-error: objects are not values
  await kv.put("k", { a: 1 });
  // @ts-expect-error: the TTL is a number of seconds
  await kv.put("k", "v", { expirationTtl: "60" });
  // @ts-expect-error: a complete page has no cursor
  if (page.list_complete) page.cursor;
  // @ts-expect-error: text is a string, not a number
  const wrong: number | null = await kv.get("k");
  void wrong;
}
`,
  };
}

/**
 * A Worker importing kvkit's conformance suite, memory adapter and
 * Workers wrapper, bundled by esbuild as wrangler bundles a Worker, and a
 * Node script that runs it under workerd (Miniflare) and prints the
 * reports as JSON.
 */
export const workerProject: ProjectFiles = {
  "worker.js": String
    .raw`import { cases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
import { createMemoryKv } from "@kvkit/kvkit/memory";
import { createWorkersKv } from "@kvkit/kvkit/workers";

/** Miniflare's fake clock needs its internal control requests, which a Worker cannot send. */
const CLOCK_SKIP = "the Workers binding has no fake clock from inside a Worker";

export default {
  async fetch(request, env) {
    const target = new URL(request.url).searchParams.get("target");
    let namespace = 0;
    const report = target === "memory"
      ? await runConformance(() => clockFixture((now) => createMemoryKv({ now })))
      : target === "workers"
      // One binding per case, so each starts on an empty namespace.
      ? await runConformance(() => ({ kv: createWorkersKv(env["KV_" + namespace++]) }), {
        skip: { clock: CLOCK_SKIP },
      })
      : undefined;
    if (report === undefined) return new Response("unknown target", { status: 400 });
    return Response.json({ userAgent: navigator.userAgent, cases: cases.length, report });
  },
};
`,
  "run.mjs": String.raw`import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { cases } from "@kvkit/kvkit/conformance";

// wrangler's esbuild settings for a Worker without nodejs_compat.
const bundle = await build({
  entryPoints: ["worker.js"],
  bundle: true,
  write: false,
  metafile: true,
  format: "esm",
  target: "es2022",
  platform: "neutral",
  conditions: ["workerd", "worker", "browser"],
  mainFields: ["module", "main"],
  logLevel: "warning",
});
const script = bundle.outputFiles[0].text;
const kvNamespaces = {};
for (let i = 0; i < cases.length; i++) kvNamespaces["KV_" + i] = "npm-" + i;
const mf = new Miniflare({ modules: true, script, compatibilityDate: "2026-04-01", kvNamespaces });
try {
  const out = { bytes: script.length, inputs: Object.keys(bundle.metafile.inputs) };
  for (const target of ["memory", "workers"]) {
    const response = await mf.dispatchFetch("http://kvkit.test/run?target=" + target);
    const text = await response.text();
    if (!response.ok) throw new Error(target + ": " + response.status + " " + text);
    out[target] = JSON.parse(text);
  }
  console.log(JSON.stringify(out));
} finally {
  await mf.dispose();
}
`,
};

/** A dump with a text value, metadata, and bytes that are not UTF-8 (base64). */
export const CLI_DUMP = '[{"key":"a","value":"1","metadata":{"m":1}},' +
  '{"key":"b","value":"two"},{"key":"bin","value":"/wA=","base64":true}]';
