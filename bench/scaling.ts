// How get, put and a 1000-key list page scale with the number of keys: the
// memory adapter at 1k, 10k, 100k and 1M keys, and the Deno KV adapter on
// a file at 1k, 10k and 100k. All stores of one adapter are held at once
// and measured in alternating rounds (_paired.ts), so each figure is a
// ratio to the 1k store in the same rounds: median and min–max. Keys are
// distinct, values distinct 100-character strings, access in random order.
// Nothing should grow faster than O(log n); a raw Map's get, measured the
// same way, shows what the CPU's caches add as a store grows.
//
//   deno run -A bench/scaling.ts [--memory=1000,10000,100000,1000000]
//     [--deno-kv=1000,10000,100000] [--dir=/dev/shm]
//
// The Deno KV files go in --dir (tmpfs by default where there is one), so
// that a put's fsync, whose cost does not depend on the store's size,
// does not drown the figure.

import { createMemoryKv } from "../adapters/memory.ts";
import { openDenoKv } from "../adapters/deno_kv.ts";
import { cursorScope, encodeCursor } from "../_cursor.ts";
import { compareKeys } from "../keys.ts";
import type { KvNamespaceHandle } from "../types.ts";
import {
  type Contender,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printRows,
  shuffled,
} from "./_paired.ts";

function sizes(flag: string, fallback: string): number[] {
  const arg = Deno.args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  return (arg ?? fallback).split(",").filter((s) => s !== "").map(Number);
}

const memorySizes = sizes("memory", "1000,10000,100000,1000000");
const denoKvSizes = sizes("deno-kv", "1000,10000,100000");
const dir = Deno.args.find((a) => a.startsWith("--dir="))?.slice(6) ??
  (await Deno.stat("/dev/shm").then(() => "/dev/shm", () => Deno.makeTempDirSync()));

interface Store {
  n: number;
  kv: KvNamespaceHandle;
  keys: string[];
  order: Uint32Array;
  cursors: string[];
}

/** Fills a store with n keys; cursors start pages at random keys. */
async function fill(n: number, kv: KvNamespaceHandle, parallel: number): Promise<Store> {
  const keys = makeKeys(n);
  const values = makeValues(n, 100);
  for (let i = 0; i < n; i += parallel) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + parallel); j++) batch.push(kv.put(keys[j], values[j]));
    await Promise.all(batch);
  }
  const sorted = [...keys].sort(compareKeys);
  const order = shuffled(n);
  const scope = cursorScope(namespaceOf(kv), "user:");
  const cursors = Array.from(
    { length: 512 },
    (_, i) => encodeCursor(scope, sorted[order[i % n] % Math.max(1, n - 1000)]),
  );
  return { n, kv, keys, order, cursors };
}

const namespaces = new WeakMap<KvNamespaceHandle, string>();
const namespaceOf = (kv: KvNamespaceHandle) => namespaces.get(kv) ?? "";

async function scale(label: string, stores: Store[], batch: number): Promise<PairedRow[]> {
  const fresh = makeValues(4096, 100, Math.random);
  const at = (store: Store, i: number) => store.keys[store.order[i % store.n]];
  const rows: PairedRow[] = [];
  const group = (what: string, op: (store: Store, i: number) => unknown) =>
    paired(
      `${label} ${what}`,
      stores.map((store): Contender => ({ name: `${store.n} keys`, op: (i) => op(store, i) })),
      { batch, rounds: 15 },
    );
  rows.push(...await group("get", (store, i) => store.kv.get(at(store, i))));
  rows.push(...await group("put", (store, i) => store.kv.put(at(store, i), fresh[i % 4096])));
  rows.push(
    ...await paired(
      `${label} list page of 1000`,
      stores.map((store): Contender => ({
        name: `${store.n} keys`,
        op: (i) => store.kv.list({ prefix: "user:", limit: 1000, cursor: store.cursors[i % 512] }),
      })),
      { batch: Math.max(2, batch / 100), rounds: 15 },
    ),
  );
  return rows;
}

const rows: PairedRow[] = [];
if (memorySizes.length > 0) {
  const stores = [];
  for (const n of memorySizes) stores.push(await fill(n, createMemoryKv(), 1));
  rows.push(...await scale("memory", stores, 2000));
  // The floor's own growth: a Map's get slows too once it outgrows the
  // CPU's caches.
  const maps = stores.map((store) => {
    const map = new Map<string, string>();
    const values = makeValues(store.n, 100);
    store.keys.forEach((key, i) => map.set(key, values[i]));
    return { store, map };
  });
  rows.push(
    ...await paired(
      "raw Map get",
      maps.map(({ store, map }): Contender => ({
        name: `${store.n} keys`,
        op: (i) => Promise.resolve(map.get(store.keys[store.order[i % store.n]]) ?? null),
      })),
      { batch: 2000, rounds: 15 },
    ),
  );
  for (const store of stores) await store.kv.close();
}
if (denoKvSizes.length > 0) {
  const stores = [];
  const paths: string[] = [];
  for (const n of denoKvSizes) {
    const path = `${dir}/kvkit-scaling-${n}-${Date.now()}.db`;
    paths.push(path);
    const kv = await openDenoKv(path, { namespace: "bench" });
    namespaces.set(kv, "bench");
    stores.push(await fill(n, kv, 64));
  }
  try {
    rows.push(...await scale("deno-kv file", stores, 100));
  } finally {
    for (const store of stores) await store.kv.close();
    for (const path of paths) {
      for (const suffix of ["", "-shm", "-wal"]) await Deno.remove(path + suffix).catch(() => {});
    }
  }
}
printRows(rows);
if (Deno.args.includes("--json")) console.log(JSON.stringify(rows));
