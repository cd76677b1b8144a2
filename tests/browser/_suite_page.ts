// The page script of the Chromium tests, bundled by esbuild. It runs the
// conformance suite on the IndexedDB, memory and Web Storage adapters
// (localStorage and sessionStorage), checks the IndexedDB and Web Storage
// facts the suite cannot see, and writes and reads the data of the restart
// test. Everything it returns is plain JSON.

import { deleteDB, openDB } from "idb";
import {
  clockFixture,
  type ConformanceOptions,
  type ConformanceResult,
  createFakeClock,
  type KvFixtureFactory,
  runConformance,
} from "../../conformance/mod.ts";
import { createIndexedDbKv } from "../../adapters/indexeddb.ts";
import { createLocalStorageKv } from "../../adapters/local_storage.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import { KvError } from "../../errors.ts";
import { clearNamespace, LARGE_SKIP } from "../../targets/local_storage.ts";
import type { KvNamespace } from "../../types.ts";

let sequence = 0;

/** A fresh namespace per case in a Web Storage area, its items removed afterwards. */
function webStorage(storage: Storage): KvFixtureFactory {
  return async () => {
    const namespace = `kvkit-conformance-${++sequence}`;
    const fixture = await clockFixture((now) => createLocalStorageKv(storage, { namespace, now }));
    return {
      ...fixture,
      close: async () => {
        await fixture.close?.();
        clearNamespace(storage, namespace);
      },
    };
  };
}

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
  "local-storage": webStorage(localStorage),
  "session-storage": webStorage(sessionStorage),
};

/** Declared skips, as the registry declares them for the Deno targets. */
const targetOptions: Record<string, ConformanceOptions> = {
  "local-storage": { skip: { large: LARGE_SKIP } },
  "session-storage": { skip: { large: LARGE_SKIP } },
};

function runSuite(target: string): Promise<ConformanceResult[]> {
  const factory = factories[target];
  if (factory === undefined) throw new Error(`unknown target ${target}`);
  return runConformance(factory, targetOptions[target]);
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

const MiB = 1024 * 1024;

/** The names of a namespace's items in a storage area. */
function itemNames(storage: Storage, namespace: string): string[] {
  const start = `kvkit:${JSON.stringify(namespace)}:`;
  const names: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const name = storage.key(i)!;
    if (name.startsWith(start)) names.push(name);
  }
  return names;
}

const storageChecks: Record<string, () => Promise<void>> = {
  "past the quota, a put rejects with KvError 500 carrying the QuotaExceededError and keeps the old record":
    async () => {
      const namespace = "kvkit-check-quota";
      try {
        await using kv = createLocalStorageKv(localStorage, { namespace });
        await kv.put("k", "old", { metadata: "kept" });
        // Bytes take one UTF-16 code unit each: 4 MiB of the ~5 Mi-unit quota.
        await kv.put("big", new Uint8Array(4 * MiB).fill(0xe9));
        const big = itemNames(localStorage, namespace).find((n) =>
          n.includes(":v:") && n.endsWith(":big")
        );
        check(localStorage.getItem(big!)?.length === 4 * MiB, "a byte is stored as one code unit");
        let error: unknown;
        await kv.put("k", "x".repeat(2 * MiB)).catch((caught) => error = caught);
        check(error instanceof KvError, `rejected with ${error}`);
        check(
          error.status === 500 && error.message === "KV PUT failed: 500 Internal Server Error",
          error.message,
        );
        check(error.cause instanceof DOMException, `the cause is ${error.cause}`);
        check(error.cause.name === "QuotaExceededError", `the cause is ${error.cause.name}`);
        const { value, metadata } = await kv.getWithMetadata("k");
        check(value === "old" && metadata === "kept", `read ${value}, ${metadata}`);
        check(itemNames(localStorage, namespace).length === 4, "no value item is left behind");
      } finally {
        clearNamespace(localStorage, namespace);
      }
    },
  "sessionStorage and localStorage are separate areas; the same namespace name shares nothing":
    async () => {
      const namespace = "kvkit-check-areas";
      try {
        await using local = createLocalStorageKv(localStorage, { namespace });
        await using session = createLocalStorageKv(sessionStorage, { namespace });
        await local.put("k", "local");
        await session.put("k", "session", { metadata: 1 });
        check(await local.get("k") === "local", "localStorage kept its own value");
        const { keys } = await session.list();
        check(JSON.stringify(keys) === '[{"name":"k","metadata":1}]', JSON.stringify(keys));
      } finally {
        clearNamespace(localStorage, namespace);
        clearNamespace(sessionStorage, namespace);
      }
    },
};

/** Runs the IndexedDB checks, or with `"web-storage"` the Web Storage ones. */
async function runChecks(which: "indexeddb" | "web-storage" = "indexeddb"): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, run] of Object.entries(which === "indexeddb" ? checks : storageChecks)) {
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

// Two tabs on one namespace: one writes, the other reads.

async function storageWrite(namespace: string, key: string, value: string): Promise<void> {
  await using kv = createLocalStorageKv(localStorage, { namespace });
  await kv.put(key, value, { metadata: { by: "writer" } });
}

/** What a namespace lists and holds, through a handle opened once per tab. */
const readers = new Map<string, KvNamespace>();
async function storageRead(namespace: string): Promise<{ keys: unknown[]; values: unknown[] }> {
  let kv = readers.get(namespace);
  if (kv === undefined) {
    readers.set(namespace, kv = createLocalStorageKv(localStorage, { namespace }));
  }
  const { keys } = await kv.list();
  const values = await Promise.all(keys.map((k) => kv.get(k.name)));
  return { keys, values };
}

function storageClear(namespace: string): void {
  clearNamespace(localStorage, namespace);
}

/** What the page publishes for the tests to call. */
export interface SuitePage {
  runSuite: typeof runSuite;
  runChecks: typeof runChecks;
  writeData: typeof writeData;
  readData: typeof readData;
  storageWrite: typeof storageWrite;
  storageRead: typeof storageRead;
  storageClear: typeof storageClear;
}

const page: SuitePage = {
  runSuite,
  runChecks,
  writeData,
  readData,
  storageWrite,
  storageRead,
  storageClear,
};
(globalThis as unknown as { kvkitSuite: SuitePage }).kvkitSuite = page;
