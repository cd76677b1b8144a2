// The memory adapter against unstorage's memory driver, keyv's default
// store and the floor (a raw Map, or a sorted array, doing the minimum),
// with realistic data: distinct 100-character values, distinct keys,
// random access order, at 10k and 100k keys (1M with --keys=1000000).
// Ratios are medians over alternating rounds in this one process, with
// their min–max; see _paired.ts.
//
//   deno run -A --v8-flags=--expose-gc bench/memory.ts [--keys=10000,100000] [--json]
//
// `--memory` adds bytes per key at 1M keys against a Map<string, string>
// of the same strings (slow: it builds several million-key stores).

import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import Keyv from "keyv";
import { createMemoryKv } from "../adapters/memory.ts";
import { compareKeys } from "../keys.ts";
import { KV_LIMITS } from "../limits.ts";
import { cursorScope, encodeCursor } from "../_cursor.ts";
import {
  benchArgs,
  type Contender,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printBaselineRatios,
  printRows,
  shuffled,
} from "./_paired.ts";

const args = benchArgs();
const sizes = (args.get("keys") ?? "10000,100000").split(",").map(Number);
const rows: PairedRow[] = [];

for (const n of sizes) {
  const keys = makeKeys(n);
  const values = makeValues(n, 100);
  const fresh = makeValues(n, 100, () => Math.random());
  const order = shuffled(n);
  const key = (i: number) => keys[order[i % n]];

  const map = new Map<string, string>();
  const kv = createMemoryKv();
  const unstorage = createStorage({ driver: memoryDriver() });
  const keyv = new Keyv<string>();
  for (let i = 0; i < n; i++) {
    map.set(keys[i], values[i]);
    await kv.put(keys[i], values[i]);
    await unstorage.setItem(keys[i], values[i]);
    await keyv.set(keys[i], values[i]);
  }

  const get: Contender[] = [
    { name: "kvkit memory", op: (i) => kv.get(key(i)) },
    { name: "raw Map", op: (i) => Promise.resolve(map.get(key(i)) ?? null) },
    { name: "unstorage memory", op: (i) => unstorage.getItem(key(i)) },
    { name: "keyv", op: (i) => keyv.get(key(i)) },
  ];
  rows.push(...await paired(`get @ ${n}`, get));

  // Overwrites of existing keys with other distinct values.
  const put: Contender[] = [
    { name: "kvkit memory", op: (i) => kv.put(key(i), fresh[i % n]) },
    {
      name: "raw Map",
      op: (i) => {
        map.set(key(i), fresh[i % n]);
        return Promise.resolve();
      },
    },
    { name: "unstorage memory", op: (i) => unstorage.setItem(key(i), fresh[i % n]) },
    { name: "keyv", op: (i) => keyv.set(key(i), fresh[i % n]) },
  ];
  rows.push(...await paired(`put @ ${n}`, put));

  // Bulk reads of 100 random keys.
  const hundred = (i: number) => Array.from({ length: 100 }, (_, j) => key(i * 100 + j));
  const bulk: Contender[] = [
    { name: "kvkit memory get([100])", op: (i) => kv.get(hundred(i)) },
    { name: "unstorage getItems(100)", op: (i) => unstorage.getItems(hundred(i)) },
    {
      name: "raw Map, 100 gets",
      op: (i) => Promise.resolve(new Map(hundred(i).map((k) => [k, map.get(k) ?? null]))),
    },
    {
      // The least a bulk read with Workers' semantics does on the same Map:
      // drop a leading byte-order mark and count each value's length
      // toward the 25 MiB total, so it reads every value it returns.
      name: "raw Map, 100 gets reading each value",
      op: (i) => {
        const out = new Map<string, string | null>();
        let size = 0;
        for (const k of hundred(i)) {
          const value = map.get(k);
          if (value === undefined) {
            out.set(k, null);
            continue;
          }
          const text = value.charCodeAt(0) === 0xfeff ? value.slice(1) : value;
          size += text.length;
          out.set(k, text);
        }
        if (size > KV_LIMITS.maxBulkSize) throw new Error("over the bulk total");
        return Promise.resolve(out);
      },
    },
  ];
  rows.push(...await paired(`bulk get of 100 @ ${n}`, bulk, { batch: 200 }));

  // A 1000-key page starting at a random key, against a binary search over
  // a sorted array plus a slice: the floor for an ordered listing.
  const sorted = [...keys].sort(compareKeys);
  const pageAt = (i: number) => sorted[order[i % n] % Math.max(1, n - 1000)];
  // kvkit's cursors are opaque; made here with its own codec, untimed.
  const scope = cursorScope("", "user:");
  const cursors = Array.from({ length: 200 * 17 }, (_, i) => encodeCursor(scope, pageAt(i)));
  const cursorAfter = (i: number) => cursors[i % cursors.length];
  const list: Contender[] = [
    {
      name: "kvkit memory list",
      op: (i) => kv.list({ prefix: "user:", limit: 1000, cursor: cursorAfter(i) }),
    },
    {
      name: "sorted array, search + slice",
      op: (i) => {
        const start = pageAt(i);
        let low = 0, high = sorted.length;
        while (low < high) {
          const mid = (low + high) >> 1;
          if (compareKeys(sorted[mid], start) <= 0) low = mid + 1;
          else high = mid;
        }
        return Promise.resolve(sorted.slice(low, low + 1000).map((name) => ({ name })));
      },
    },
  ];
  rows.push(...await paired(`list page of 1000 @ ${n}`, list, { batch: 200 }));
  await kv.close();
}

printRows(rows);
console.log();
printBaselineRatios(rows);
if (args.has("json")) console.log(JSON.stringify(rows));
