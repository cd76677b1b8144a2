/**
 * The kvkit command line.
 *
 * - `conformance` runs the conformance suite against every adapter that
 *   runs here and prints an area × adapter matrix. It exits non-zero on
 *   any failure. `--json` prints the full report instead, `--adapter`
 *   and `--area` narrow the run.
 * - `export`, `import` and `copy` move a namespace between stores, in the
 *   JSON format of `wrangler kv bulk put`:
 *   `[{ key, value, expiration?, metadata?, base64? }]`. Progress goes to
 *   stderr.
 *
 * Stores are named `deno-kv:<path>` (a Deno KV file; `--namespace` picks
 * a kvkit namespace inside it) or `miniflare:<dir>` (a persisted Miniflare
 * KV directory).
 *
 * ```sh
 * deno run -A jsr:@kvkit/kvkit/cli conformance
 * deno run -A jsr:@kvkit/kvkit/cli export deno-kv:./data.db > dump.json
 * deno run -A jsr:@kvkit/kvkit/cli import miniflare:./.mf-kv < dump.json
 * deno run -A jsr:@kvkit/kvkit/cli copy deno-kv:./a.db deno-kv:./b.db
 * ```
 *
 * @module
 */

import { areas } from "./conformance/case.ts";
import {
  type ConformanceResult,
  type ConformanceTarget,
  runConformance,
} from "./conformance/runner.ts";
import type { KvNamespace, KvNamespaceHandle } from "./types.ts";
import { registry } from "./targets/mod.ts";

declare const Deno: {
  args: string[];
  exit(code: number): never;
  stdout: { write(bytes: Uint8Array): Promise<number> };
  stdin: { readable: ReadableStream<Uint8Array> };
};

/** What the conformance command runs: each adapter's targets, loaded on demand. */
interface TargetSource {
  name: string;
  load: () => Promise<ConformanceTarget[]>;
}

const REGISTRY_SOURCES: TargetSource[] = registry.map((entry) => ({
  name: entry.name,
  load: () => entry.targets(),
}));

const encoder = new TextEncoder();
const print = (text: string) => Deno.stdout.write(encoder.encode(text + "\n"));
const progress = (text: string) => console.error(text);

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

function cell(results: ConformanceResult[]): string {
  if (results.length === 0) return "–";
  const pass = results.filter((r) => r.status === "pass").length;
  const fail = results.filter((r) => r.status === "fail").length;
  const skip = results.filter((r) => r.status === "skip").length;
  const ms = results.reduce((sum, r) => sum + r.ms, 0);
  const time = ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
  const mark = fail > 0 ? `✗ ${pass}/${pass + fail}` : `✓ ${pass}`;
  return `${mark}${skip > 0 ? ` (${skip} skip)` : ""} ${time}`;
}

/** The area × adapter matrix, then every failure and skip. */
function formatMatrix(
  reports: Map<string, ConformanceResult[]>,
): string {
  const names = [...reports.keys()];
  const rows = [["area", ...names]];
  for (const area of areas) {
    rows.push([
      area,
      ...names.map((n) => cell(reports.get(n)!.filter((r) => r.area === area))),
    ]);
  }
  rows.push(["total", ...names.map((n) => cell(reports.get(n)!))]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => [...row[i]].length)));
  const lines = rows.map((row) => row.map((text, i) => pad(text, widths[i])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  for (const [name, results] of reports) {
    for (const r of results) {
      if (r.status === "fail") {
        lines.push(`\nFAIL ${name} ${r.id}: ${r.name}\n  ${r.error}`);
      }
    }
  }
  for (const [name, results] of reports) {
    for (const r of results) {
      if (r.status === "skip") lines.push(`skip ${name} ${r.id}: ${r.reason}`);
    }
  }
  return lines.join("\n");
}

/** The arguments that are not `--flag value` pairs or `--flag`s. */
function positional(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (!args[i].startsWith("--")) out.push(args[i]);
    else if (!args[i].includes("=") && VALUE_FLAGS.has(args[i])) i++;
  }
  return out;
}

const VALUE_FLAGS = new Set(["--adapter", "--area", "--namespace"]);

function option(args: string[], flag: string): string | undefined {
  const index = args.indexOf(flag);
  if (index >= 0) return args[index + 1];
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

async function conformance(args: string[], sources: TargetSource[]): Promise<number> {
  const only = option(args, "--adapter")?.split(",");
  const onlyAreas = option(args, "--area")?.split(",");
  const reports = new Map<string, ConformanceResult[]>();
  for (const source of sources) {
    if (
      only && source.name !== "targets" &&
      !only.some((o) => o === source.name || o.startsWith(`${source.name}:`))
    ) {
      continue;
    }
    let targets: ConformanceTarget[];
    try {
      targets = await source.load();
    } catch (error) {
      progress(
        `${source.name}: cannot load: ${error instanceof Error ? error.message : error}`,
      );
      reports.set(source.name, [{
        id: "load",
        area: "get",
        name: "load the adapter",
        status: "fail",
        ms: 0,
        error: String(error),
      }]);
      continue;
    }
    for (const target of targets) {
      if (only && !only.includes(source.name) && !only.includes(target.name)) {
        await target.dispose?.();
        continue;
      }
      progress(`conformance: ${target.name} ...`);
      try {
        const options = target.options ?? {};
        const report = await runConformance(target.factory, {
          ...options,
          filter: (c) =>
            (onlyAreas === undefined || onlyAreas.includes(c.area)) &&
            (options.filter?.(c) ?? true),
          onResult: (r) => {
            if (r.status === "fail") progress(`  FAIL ${r.id}: ${r.error}`);
          },
        });
        reports.set(target.name, report);
      } finally {
        await target.dispose?.();
      }
    }
  }
  const all = [...reports.values()].flat();
  if (args.includes("--json")) {
    await print(JSON.stringify(Object.fromEntries(reports), null, 2));
  } else {
    await print(formatMatrix(reports));
    const failed = all.filter((r) => r.status === "fail").length;
    await print(
      `\n${all.length - failed} of ${all.length} results fine (${
        all.filter((r) => r.status === "skip").length
      } skipped), ${failed} failed, across ${reports.size} adapters.`,
    );
  }
  return all.some((r) => r.status === "fail") || all.length === 0 ? 1 : 0;
}

/** One entry of `wrangler kv bulk put` JSON. */
interface BulkEntry {
  key: string;
  value: string;
  expiration?: number;
  expiration_ttl?: number;
  metadata?: unknown;
  base64?: boolean;
}

const STORES = registry.flatMap((entry) => entry.store === undefined ? [] : [entry.store]);

async function openStore(
  spec: string,
  args: string[],
): Promise<KvNamespaceHandle> {
  const colon = spec.indexOf(":");
  const scheme = colon < 0 ? spec : spec.slice(0, colon);
  const store = STORES.find((s) => s.scheme === scheme);
  if (store === undefined) {
    throw new TypeError(
      `unknown store "${spec}": use ${STORES.map((s) => s.syntax).join(" or ")}`,
    );
  }
  const opened = await store.open(colon < 0 ? "" : spec.slice(colon + 1), {
    namespace: option(args, "--namespace"),
    mode: "write",
  });
  return opened.kv;
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Every live entry of a namespace, in key order. */
async function* entries(kv: KvNamespace): AsyncGenerator<BulkEntry> {
  let cursor: string | undefined;
  while (true) {
    const page = await kv.list({ cursor });
    for (const key of page.keys) {
      const value = await kv.get(key.name, "arrayBuffer");
      if (value === null) continue; // expired or deleted since the listing
      const bytes = new Uint8Array(value);
      const entry: BulkEntry = { key: key.name, value: "" };
      try {
        entry.value = strict.decode(bytes);
      } catch {
        entry.value = toBase64(bytes);
        entry.base64 = true;
      }
      if (key.expiration !== undefined) entry.expiration = key.expiration;
      if (key.metadata !== undefined) entry.metadata = key.metadata;
      yield entry;
    }
    if (page.list_complete) return;
    cursor = page.cursor;
  }
}

async function writeEntries(
  kv: KvNamespace,
  source: AsyncIterable<BulkEntry> | BulkEntry[],
) {
  let written = 0;
  let skipped = 0;
  const now = Math.floor(Date.now() / 1000);
  for await (const entry of source) {
    if (entry.expiration !== undefined && entry.expiration < now + 60) {
      skipped++; // Workers KV refuses expirations under 60 s away.
      continue;
    }
    await kv.put(
      entry.key,
      entry.base64 ? fromBase64(entry.value) : entry.value,
      {
        expiration: entry.expiration,
        expirationTtl: entry.expiration_ttl,
        metadata: entry.metadata,
      },
    );
    if (++written % 1000 === 0) progress(`  ${written} keys written`);
  }
  progress(
    `${written} keys written${skipped ? `, ${skipped} skipped as about to expire` : ""}`,
  );
}

async function exportStore(store: string, args: string[]): Promise<number> {
  await using kv = await openStore(store, args);
  const out: BulkEntry[] = [];
  for await (const entry of entries(kv)) {
    out.push(entry);
    if (out.length % 1000 === 0) progress(`  ${out.length} keys read`);
  }
  progress(`${out.length} keys exported`);
  await print(JSON.stringify(out, null, 2));
  return 0;
}

async function importStore(store: string, args: string[]): Promise<number> {
  const text = await new Response(Deno.stdin.readable).text();
  const data = JSON.parse(text) as BulkEntry[];
  if (!Array.isArray(data)) {
    throw new TypeError("import expects a JSON array on stdin");
  }
  await using kv = await openStore(store, args);
  await writeEntries(kv, data);
  return 0;
}

async function copyStore(from: string, to: string, args: string[]): Promise<number> {
  await using source = await openStore(from, args);
  await using target = await openStore(to, args);
  await writeEntries(target, entries(source));
  return 0;
}

const USAGE = `usage: kvkit <command>
  conformance [--json] [--adapter a,b] [--area a,b]
  export <store> [--namespace name]   (JSON to stdout)
  import <store> [--namespace name]   (JSON from stdin)
  copy <from-store> <to-store> [--namespace name]
stores:
${STORES.map((s) => `  ${s.syntax.padEnd(24)} ${s.summary}`).join("\n")}
adapters: ${registry.map((e) => e.name).join(", ")}`;

/** Options for {@linkcode main}. */
export interface MainOptions {
  /**
   * The targets the `conformance` command runs, instead of kvkit's own
   * adapters: a way to get the matrix for your own adapters.
   */
  targets?: ConformanceTarget[];
}

/**
 * Runs the CLI with the given arguments and returns the exit code.
 *
 * @param args The command line, without the program name.
 * @param options Targets to run the conformance command on.
 * @returns 0 on success, 1 on a conformance failure, 2 on bad usage.
 *
 * @example The matrix for your own adapter
 * ```ts
 * import { main } from "@kvkit/kvkit/cli";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const code = await main(["conformance", "--area", "ordering"], {
 *   targets: [{ name: "mine", factory: () => ({ kv: createMemoryKv() }) }],
 * });
 * if (code !== 0) throw new Error("my adapter does not conform");
 * ```
 */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const [command, ...rest] = args;
  const stores = positional(rest);
  switch (command) {
    case "conformance":
      return await conformance(
        rest,
        options.targets === undefined
          ? REGISTRY_SOURCES
          : [{ name: "targets", load: () => Promise.resolve(options.targets!) }],
      );
    case "export":
      return stores.length === 1 ? await exportStore(stores[0], rest) : usage();
    case "import":
      return stores.length === 1 ? await importStore(stores[0], rest) : usage();
    case "copy":
      return stores.length === 2 ? await copyStore(stores[0], stores[1], rest) : usage();
    default:
      return usage();
  }
}

function usage(): number {
  console.error(USAGE);
  return 2;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
