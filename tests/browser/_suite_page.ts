// The page script of the Chromium tests, bundled by esbuild. It runs the
// conformance suite on the IndexedDB and memory adapters, checks the
// IndexedDB facts the suite cannot see, and writes and reads the data of
// the restart test. Everything it returns is plain JSON.

import { deleteDB, openDB } from "idb";
import {
  clockFixture,
  type ConformanceResult,
  createFakeClock,
  type KvFixtureFactory,
  runConformance,
} from "../../conformance/mod.ts";
import { createIndexedDbKv } from "../../adapters/indexeddb.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import type { KvNamespace } from "../../types.ts";

let sequence = 0;

const factories: Record<string, KvFixtureFactory> = {
  // A fresh database per case, deleted afterwards.
  indexeddb: async () => {
    const name = `kvkit-conformance-${++sequence}`;
    const fixture = await clockFixture((now) => createIndexedDbKv({ name, now }));
    return {
      ...fixture,
      close: async () => {
        await fixture.close?.();
        await deleteDB(name);
      },
    };
  },
  memory: () => clockFixture((now) => createMemoryKv({ now })),
};

function runSuite(target: string): Promise<ConformanceResult[]> {
  const factory = factories[target];
  if (factory === undefined) throw new Error(`unknown target ${target}`);
  return runConformance(factory);
}

/** One browser-only check and its outcome. */
export interface CheckResult {
  name: string;
  error?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

const checks: Record<string, () => Promise<void>> = {
  "keys are stored as UTF-8 ArrayBuffers, so U+FFFF sorts before astral characters": async () => {
    const name = "kvkit-check-order";
    {
      await using kv = createIndexedDbKv({ name });
      for (const key of ["\u{1F600}", "\uFFFF", "a"]) await kv.put(key, key);
      const { keys } = await kv.list();
      check(
        keys.map((k) => k.name).join() === "a,\uFFFF,\u{1F600}",
        `listed ${JSON.stringify(keys)}`,
      );
    }
    const db = await openDB(name);
    const ids = await db.getAllKeys("keys");
    db.close();
    await deleteDB(name);
    check(
      ids.every((id) => id instanceof ArrayBuffer),
      "keys are ArrayBuffers",
    );
    const names = ids.map((id) => decoder.decode(id as ArrayBuffer));
    check(
      names.join() === "a,\uFFFF,\u{1F600}",
      `stored ${JSON.stringify(names)}`,
    );
  },
  "a view is stored as its own bytes, not its whole backing buffer": async () => {
    const name = "kvkit-check-view";
    {
      await using kv = createIndexedDbKv({ name });
      await kv.put("k", new Uint8Array(1 << 20).subarray(8, 13));
    }
    const db = await openDB(name);
    const stored = await db.get("records", encoder.encode("k").buffer);
    db.close();
    await deleteDB(name);
    check(stored.v.byteLength === 5, `stored ${stored.v.byteLength} bytes`);
  },
  "deleteDatabase() is not blocked by an open namespace, which then reopens": async () => {
    const name = "kvkit-check-blocking";
    await using kv = createIndexedDbKv({ name });
    await kv.put("k", "v");
    await deleteDB(name, {
      blocked: () => {
        throw new Error("deleteDatabase was blocked");
      },
    });
    check(await kv.get("k") === null, "the deleted data is gone");
    await kv.put("k", "again");
    check(await kv.get("k") === "again", "the namespace reopened");
    await kv.close();
    await deleteDB(name);
  },
};

async function runChecks(): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, run] of Object.entries(checks)) {
    try {
      // A blocked deleteDB would otherwise wait forever.
      await Promise.race([
        run(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("timed out after 10 s")), 10_000)
        ),
      ]);
      results.push({ name });
    } catch (error) {
      results.push({ name, error: String(error) });
    }
  }
  return results;
}

// The restart test: one dataset, written before and read after a restart.

const PERSIST_DB = "kvkit-persist";

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

async function writeDataset(kv: KvNamespace, nowMs: number): Promise<void> {
  const expiration = Math.floor(nowMs / 1000) + 3600;
  await kv.put("text", "héllo wörld 😀");
  await kv.put("json", JSON.stringify({ a: [1, 2, 3] }), {
    metadata: { type: "json" },
  });
  await kv.put("binary", bytes(256, 0));
  await kv.put("large", bytes(3 * 1024 * 1024, 7), {
    metadata: { size: "3 MiB" },
  });
  await kv.put("empty", "");
  await kv.put("\uFFFF", "bmp", { expiration });
  await kv.put("\u{1F600}", "astral", { metadata: { emoji: true } });
  await kv.put("k".repeat(512), "longest key");
  await kv.put("soon", "gone after a minute", { expirationTtl: 60 });
  for (let i = 0; i < 30; i++) {
    await kv.put(`item:${String(i).padStart(2, "0")}`, `v${i}`, {
      metadata: { i },
    });
  }
  await kv.delete("item:13");
}

/** Everything a namespace holds, read through its API. */
export interface Snapshot {
  pages: unknown[];
  values: [string, string, unknown][];
}

function hex(buffer: ArrayBuffer): string {
  // A digest would do, but hex of small values keeps failures readable.
  const view = new Uint8Array(buffer);
  if (view.byteLength > 512) {
    let sum = 0;
    for (let i = 0; i < view.byteLength; i++) sum = (sum * 31 + view[i]) >>> 0;
    return `${view.byteLength} bytes, checksum ${sum}`;
  }
  return Array.from(view, (b) => b.toString(16).padStart(2, "0")).join("");
}

async function snapshot(kv: KvNamespace): Promise<Snapshot> {
  const pages: unknown[] = [];
  const names: string[] = [];
  let cursor: string | undefined;
  while (true) {
    const page = await kv.list({ limit: 7, cursor });
    pages.push(page);
    names.push(...page.keys.map((k) => k.name));
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  const values: [string, string, unknown][] = [];
  for (const name of [...names, "item:13", "missing"]) {
    const { value, metadata } = await kv.getWithMetadata(name, "arrayBuffer");
    values.push([name, value === null ? "null" : hex(value), metadata]);
  }
  return { pages, values };
}

async function writeData(startMs: number): Promise<Snapshot> {
  const clock = createFakeClock(startMs);
  await deleteDB(PERSIST_DB);
  await using kv = createIndexedDbKv({ name: PERSIST_DB, now: clock.now });
  await writeDataset(kv, clock.now());
  return await snapshot(kv);
}

async function readData(
  startMs: number,
): Promise<{ restarted: Snapshot; later: Snapshot }> {
  const clock = createFakeClock(startMs);
  await using kv = createIndexedDbKv({ name: PERSIST_DB, now: clock.now });
  const restarted = await snapshot(kv);
  clock.advance(120_000);
  const later = await snapshot(kv);
  return { restarted, later };
}

/** What the page publishes for the tests to call. */
export interface SuitePage {
  runSuite: typeof runSuite;
  runChecks: typeof runChecks;
  writeData: typeof writeData;
  readData: typeof readData;
}

const page: SuitePage = { runSuite, runChecks, writeData, readData };
(globalThis as unknown as { kvkitSuite: SuitePage }).kvkitSuite = page;
