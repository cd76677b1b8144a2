// The page script of the Chromium benchmark, bundled by esbuild. It times
// kvkit's IndexedDB adapter against raw `idb` calls on the same store shape
// and against idb-keyval, in one page, with the contenders taking turns so
// that a slow moment of the machine hits them all alike.

import { deleteDB, type IDBPDatabase, openDB } from "idb";
import { createStore, get as keyvalGet, set as keyvalSet, type UseStore } from "idb-keyval";
import { createIndexedDbKv } from "../../adapters/indexeddb.ts";
import type { KvNamespaceHandle } from "../../types.ts";

/** Benchmark parameters. */
export interface BenchOptions {
  /** Keys in every store, each with a distinct value. */
  keys: number;
  /** Timed operations per contender per round, on keys in random order. */
  ops: number;
  /** Rounds. */
  rounds: number;
  /** Value size in bytes. */
  valueBytes: number;
}

/** One comparison: the round-by-round ratio of two contenders' times. */
export interface BenchRow {
  /** What is compared. */
  comparison: string;
  /** The contender measured, and its baseline. */
  contender: string;
  baseline: string;
  /** Median, smallest and largest ratio over the rounds. */
  median: number;
  min: number;
  max: number;
}

/** Rows, and each contender's median milliseconds per operation (bulk: per call). */
export interface BenchResult {
  rows: BenchRow[];
  msPerOp: Record<string, number>;
}

/** Operations a contender runs before the next contender takes a turn. */
const BLOCK = 25;

/** [comparison, contender, baseline]: each a ratio of round times. */
const COMPARISONS: [string, string, string][] = [
  ["put vs idb-keyval set", "kvkit put", "idb-keyval set"],
  ["get vs idb-keyval get", "kvkit get", "idb-keyval get"],
  ["put vs raw idb, same two stores", "kvkit put", "raw idb put"],
  ["get vs raw idb get", "kvkit get", "raw idb get"],
  ["put vs a one-store raw put", "kvkit put", "raw idb put, one store"],
  [
    "put vs one store + a list index",
    "kvkit put",
    "raw idb put, one store + list index",
  ],
  ["bulk get of 100 vs 100 single gets", "kvkit bulk get of 100", "kvkit 100 single gets"],
];

const encoder = new TextEncoder();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A seeded generator (mulberry32), so every run uses the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The adapter's store shape, for the raw contenders. */
function openRawDb(name: string): Promise<IDBPDatabase> {
  return openDB(name, 1, {
    upgrade(db) {
      db.createObjectStore("records");
      db.createObjectStore("keys").createIndex("expiration", "e");
      // The alternative layout: one store, listed through a compound index.
      db.createObjectStore("indexed").createIndex("list", "i");
    },
  });
}

async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { keys: n, ops, rounds, valueBytes } = options;
  // Every contender that writes has a database of its own.
  const names = [
    "kvkit-bench",
    "kvkit-bench-raw",
    "kvkit-bench-raw-one",
    "kvkit-bench-raw-index",
    "kvkit-bench-keyval",
  ];
  for (const name of names) await deleteDB(name);
  const kv: KvNamespaceHandle = createIndexedDbKv({ name: names[0] });
  const raw = await openRawDb(names[1]);
  const rawOne = await openRawDb(names[2]);
  const rawIndex = await openRawDb(names[3]);
  const keyval: UseStore = createStore(names[4], "store");
  const rand = random(7);
  const keys = Array.from(
    { length: n },
    (_, i) => `bench:${String(i).padStart(7, "0")}:${Math.floor(rand() * 1e6)}`,
  );
  // Distinct values: a store never sees the same bytes twice in a row.
  const makeValue = () => {
    const bytes = new Uint8Array(valueBytes);
    for (let i = 0; i < valueBytes; i++) bytes[i] = 32 + Math.floor(rand() * 95);
    return bytes;
  };
  const values = Array.from({ length: n }, makeValue);
  const fresh = Array.from({ length: Math.min(n, 4096) }, makeValue);
  let written = 0;
  const nextValue = () => fresh[written++ % fresh.length];

  // Each contender runs its operations one after another, as an app does.
  const writers: Record<string, (key: string, value: Uint8Array) => Promise<unknown>> = {
    // What the adapter does to its two stores, done by hand with idb.
    "raw idb put": async (key, value) => {
      const id = encoder.encode(key).buffer;
      const tx = raw.transaction(["records", "keys"], "readwrite");
      await Promise.all([
        tx.objectStore("records").put({ v: value.slice().buffer }, id),
        tx.objectStore("keys").put({}, id),
        tx.done,
      ]);
    },
    // The least an app can do: one store, no listing.
    "raw idb put, one store": (key, value) =>
      rawOne.put("records", { v: value.slice().buffer }, encoder.encode(key).buffer),
    // The alternative: one write, with [key, expiration, metadata] indexed
    // so that a key cursor on the index lists without loading values.
    "raw idb put, one store + list index": (key, value) => {
      const id = encoder.encode(key).buffer;
      return rawIndex.put("indexed", { v: value.slice().buffer, i: [id, 0, ""] }, id);
    },
    "kvkit put": (key, value) => kv.put(key, value),
    "idb-keyval set": (key, value) => keyvalSet(key, value, keyval),
  };
  const readers: Record<string, (key: string) => Promise<unknown>> = {
    "raw idb get": (key) => raw.get("records", encoder.encode(key).buffer),
    "kvkit get": (key) => kv.get(key, "arrayBuffer"),
    "idb-keyval get": (key) => keyvalGet(key, keyval),
  };
  for (const write of Object.values(writers)) {
    for (let i = 0; i < n; i++) await write(keys[i], values[i]);
  }
  const contenders: [string, (key: string) => Promise<unknown>][] = [
    ...Object.entries(writers).map(([name, write]) =>
      [name, (key: string) => write(key, nextValue())] as [
        string,
        (key: string) => Promise<unknown>,
      ]
    ),
    ...Object.entries(readers),
  ];
  const times: Record<string, number[]> = {};
  for (const [name] of contenders) times[name] = [];
  times["kvkit 100 single gets"] = [];
  times["kvkit bulk get of 100"] = [];

  // Every round draws keys in random order; contenders take turns in
  // blocks of BLOCK operations on the same keys, so that a busy moment of
  // the machine slows them all alike, and who goes first rotates (a put's
  // commit can still be flushing when a get starts). A round's ratio is
  // the contender's total over its baseline's, in that round.
  let turn = 0;
  for (let round = -1; round < rounds; round++) {
    const drawn = Array.from({ length: ops }, () => keys[Math.floor(rand() * n)]);
    const total: Record<string, number> = {};
    for (const [name] of contenders) total[name] = 0;
    for (let from = 0; from < ops; from += BLOCK) {
      const block = drawn.slice(from, from + BLOCK);
      turn = (turn + 1) % contenders.length;
      const order = [...contenders.slice(turn), ...contenders.slice(0, turn)];
      for (const [name, run] of order) {
        const start = performance.now();
        for (const key of block) await run(key);
        total[name] += performance.now() - start;
      }
    }
    const hundred = drawn.slice(0, 100);
    let start = performance.now();
    for (const key of hundred) await kv.get(key);
    const singles = performance.now() - start;
    start = performance.now();
    const bulk = await kv.get(hundred);
    const bulkMs = performance.now() - start;
    if (bulk.size !== new Set(hundred).size) throw new Error("the bulk get missed keys");
    if (round < 0) continue; // the warm-up round
    for (const [name] of contenders) times[name].push(total[name] / ops);
    times["kvkit 100 single gets"].push(singles);
    times["kvkit bulk get of 100"].push(bulkMs);
  }
  // idb-keyval never closes its connection, so the databases stay; the
  // benchmark's profile is thrown away.
  await kv.close();
  for (const db of [raw, rawOne, rawIndex]) db.close();
  const rows = COMPARISONS.map(([comparison, contender, baseline]) => {
    const ratios = times[contender].map((ms, round) => ms / times[baseline][round]);
    return {
      comparison,
      contender,
      baseline,
      median: median(ratios),
      min: Math.min(...ratios),
      max: Math.max(...ratios),
    };
  });
  const msPerOp: Record<string, number> = {};
  for (const [name, values] of Object.entries(times)) msPerOp[name] = median(values);
  return { rows, msPerOp };
}

/** What the page publishes for the benchmark script to call. */
export interface BenchPage {
  runBench: typeof runBench;
  userAgent: string;
}

const page: BenchPage = { runBench, userAgent: navigator.userAgent };
(globalThis as unknown as { kvkitBench: BenchPage }).kvkitBench = page;

declare const navigator: { userAgent: string };
