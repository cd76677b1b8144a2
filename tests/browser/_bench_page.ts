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
  /** Operations per contender per round. */
  ops: number;
  /** Rounds. */
  rounds: number;
  /** Value size in bytes. */
  valueBytes: number;
}

/**
 * Median milliseconds per operation of each contender; for the two bulk
 * contenders, per 100 keys.
 */
export type BenchResult = Record<string, number>;

/** Operations a contender runs before the next contender takes a turn. */
const BLOCK = 25;

const encoder = new TextEncoder();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
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
  const { ops, rounds, valueBytes } = options;
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
  const keys = Array.from(
    { length: ops },
    (_, i) => `bench:${String(i).padStart(6, "0")}`,
  );
  const bulkKeys = keys.slice(0, 100);
  const value = new Uint8Array(valueBytes).fill(120); // "x" repeated
  const record = { v: value.slice().buffer };

  // Each contender runs its operations one after another, as an app does.
  const contenders: Record<string, (key: string) => Promise<unknown>> = {
    // What the adapter does to its two stores, done by hand with idb.
    "raw idb put": async (key) => {
      const id = encoder.encode(key).buffer;
      const tx = raw.transaction(["records", "keys"], "readwrite");
      await Promise.all([
        tx.objectStore("records").put(record, id),
        tx.objectStore("keys").put({}, id),
        tx.done,
      ]);
    },
    // The least an app can do: one store, no listing.
    "raw idb put, one store": async (key) => {
      await rawOne.put("records", record, encoder.encode(key).buffer);
    },
    // The alternative: one write, with [key, expiration, metadata] indexed
    // so that a key cursor on the index lists without loading values.
    "raw idb put, one store + list index": async (key) => {
      const id = encoder.encode(key).buffer;
      await rawIndex.put("indexed", { ...record, i: [id, 0, ""] }, id);
    },
    "kvkit put": (key) => kv.put(key, value),
    "idb-keyval set": (key) => keyvalSet(key, value, keyval),
    "raw idb get": (key) => raw.get("records", encoder.encode(key).buffer),
    "kvkit get": (key) => kv.get(key, "arrayBuffer"),
    "idb-keyval get": (key) => keyvalGet(key, keyval),
  };
  const samples: Record<string, number[]> = {};
  for (const name of Object.keys(contenders)) samples[name] = [];
  samples["kvkit 100 single gets"] = [];
  samples["kvkit bulk get of 100 keys"] = [];

  // Contenders take turns in blocks of BLOCK operations, so that a busy
  // moment of the machine slows them all alike; a contender's result is
  // the median of its blocks. A warm-up pass fills every store first.
  for (const [, run] of Object.entries(contenders)) {
    for (const key of keys) await run(key);
  }
  const entries = Object.entries(contenders);
  let turn = 0;
  for (let round = 0; round < rounds; round++) {
    for (let from = 0; from < keys.length; from += BLOCK) {
      const block = keys.slice(from, from + BLOCK);
      // Who goes first rotates, so that no contender always follows the
      // same one (a put's commit can still be flushing when a get starts).
      turn = (turn + 1) % entries.length;
      const order = [...entries.slice(turn), ...entries.slice(0, turn)];
      for (const [name, run] of order) {
        const start = performance.now();
        for (const key of block) await run(key);
        samples[name].push((performance.now() - start) / block.length);
      }
    }
    let start = performance.now();
    for (const key of bulkKeys) await kv.get(key);
    samples["kvkit 100 single gets"].push(performance.now() - start);
    start = performance.now();
    const bulk = await kv.get(bulkKeys);
    samples["kvkit bulk get of 100 keys"].push(performance.now() - start);
    if (bulk.size !== 100) throw new Error("the bulk get missed keys");
  }
  // idb-keyval never closes its connection, so the databases stay; the
  // benchmark's profile is thrown away.
  await kv.close();
  for (const db of [raw, rawOne, rawIndex]) db.close();
  const result: BenchResult = {};
  for (const [name, values] of Object.entries(samples)) {
    result[name] = median(values);
  }
  return result;
}

/** What the page publishes for the benchmark script to call. */
export interface BenchPage {
  runBench: typeof runBench;
  userAgent: string;
}

const page: BenchPage = { runBench, userAgent: navigator.userAgent };
(globalThis as unknown as { kvkitBench: BenchPage }).kvkitBench = page;

declare const navigator: { userAgent: string };
