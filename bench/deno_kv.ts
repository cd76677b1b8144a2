// The Deno KV adapter against raw Deno.Kv doing the same work, on
// `:memory:` and on a file, with realistic data: 10k distinct keys,
// distinct 100-byte values, random access order. Ratios are medians over
// alternating rounds in this one process, with their min–max (_paired.ts).
//
//   deno run -A bench/deno_kv.ts [--only=memory|file] [--json]

import { createDenoKv } from "../adapters/deno_kv.ts";
import { keysFor } from "../adapters/_deno_kv_handle.ts";
import { cursorScope, encodeCursor } from "../_cursor.ts";
import {
  type Contender,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printRows,
  shuffled,
} from "./_paired.ts";

const only = Deno.args.find((a) => a.startsWith("--only="))?.slice(7);
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const N = 10_000;
const keys = makeKeys(N);
const values = makeValues(N, 100);
const fresh = makeValues(N, 100, () => Math.random());
const order = shuffled(N);
const key = (i: number) => keys[order[i % N]];
// Keys shaped as kvkit lays them out, for the floors below.
const floor = keysFor("floor");
const rows: PairedRow[] = [];

const dir = await Deno.makeTempDir({ prefix: "kvkit-bench-" });
for (const where of ["memory", "file"] as const) {
  if (only !== undefined && only !== where) continue;
  const db = await Deno.openKv(where === "memory" ? ":memory:" : `${dir}/bench.sqlite3`);
  const kv = createDenoKv(db, { namespace: "kvkit" });
  for (let i = 0; i < N; i += 250) {
    const op = db.atomic();
    for (let j = i; j < i + 250; j++) {
      op.set(["raw", keys[j]], encoder.encode(values[j]));
      op.set(floor.record(keys[j]), encoder.encode(values[j]));
    }
    await op.commit();
  }
  for (let i = 0; i < N; i++) await kv.put(keys[i], values[i]);

  // The floor of kvkit's layout: the one commit a small put makes (a check
  // that the key owns no larger value, and the record), by hand, on keys
  // of the same shape in a namespace of its own.
  const floorPut = (i: number) =>
    db.atomic()
      .check({ key: floor.owned(key(i)), versionstamp: null })
      .set(floor.record(key(i)), encoder.encode(fresh[i % N]))
      .commit();
  const put: Contender[] = [
    { name: "raw Deno.Kv set", op: (i) => db.set(["raw", key(i)], encoder.encode(fresh[i % N])) },
    { name: "raw check + set, kvkit's commit", op: floorPut },
    { name: "kvkit put", op: (i) => kv.put(key(i), fresh[i % N]) },
  ];
  rows.push(...await paired(`put 100 B, ${where}`, put, { batch: 300, rounds: 11 }));

  const get: Contender[] = [
    {
      name: "raw Deno.Kv get",
      op: async (i) => decoder.decode((await db.get<Uint8Array>(["raw", key(i)])).value!),
    },
    { name: "kvkit get", op: (i) => kv.get(key(i)) },
  ];
  rows.push(...await paired(`get 100 B, ${where}`, get, { batch: 500, rounds: 11 }));

  // A full list of 1000 keys: raw iterates entries (values come along);
  // kvkit lists a page of keys with metadata and expiration.
  const sorted = [...keys].sort();
  const starts = Array.from({ length: 64 }, (_, i) => sorted[(i * 131) % (N - 1001)]);
  // kvkit's cursors are opaque; made here with its own codec, untimed.
  const cursors = starts.map((start) => encodeCursor(cursorScope("kvkit", ""), start));
  const list: Contender[] = [
    {
      name: "raw Deno.Kv list of 1000",
      op: async (i) => {
        const names: string[] = [];
        const start = starts[i % starts.length];
        for await (
          const entry of db.list({ prefix: ["raw"], start: ["raw", start] }, { limit: 1000 })
        ) {
          names.push(entry.key[1] as string);
        }
        return names;
      },
    },
    {
      // The floor of kvkit's layout: the same raw list over kvkit's own
      // records (three-part keys, each value behind a 2-byte header).
      name: "raw list of kvkit's records",
      op: async (i) => {
        const names: string[] = [];
        const start = starts[i % starts.length];
        const prefix = keysFor("kvkit").records;
        for await (
          const entry of db.list({ prefix, start: [...prefix, start] }, { limit: 1000 })
        ) {
          names.push(entry.key[2] as string);
        }
        return names;
      },
    },
    {
      name: "kvkit list of 1000",
      op: (i) => kv.list({ limit: 1000, cursor: cursors[i % cursors.length] }),
    },
  ];
  rows.push(...await paired(`list of 1000 keys, ${where}`, list, { batch: 20, rounds: 21 }));

  // 25 MiB: raw reads its 64 KiB chunks with one list into one buffer;
  // its overwrite writes fresh chunk keys in commits of 12, publishes them
  // with one atomic set, and deletes the old chunks: the same work kvkit's
  // atomic publishing does, without kvkit's bookkeeping.
  const MAX = 25 * 1024 * 1024;
  const CHUNK = 65_536;
  const big = new Uint8Array(MAX).map((_, i) => (i * 7) & 255);
  let generation = 0;
  const rawPut = async (value: Uint8Array) => {
    const gen = ++generation;
    const count = Math.ceil(value.byteLength / CHUNK);
    for (let first = 0; first < count; first += 12) {
      const op = db.atomic();
      for (let i = first; i < Math.min(count, first + 12); i++) {
        op.set(["rawbig", gen, i], value.subarray(i * CHUNK, (i + 1) * CHUNK));
      }
      await op.commit();
    }
    const old = await db.get<number>(["rawbig-pointer"]);
    await db.atomic().check(old).set(["rawbig-pointer"], gen).commit();
    if (old.value !== null) {
      for (let first = 0; first < count; first += 500) {
        const op = db.atomic();
        for (let i = first; i < Math.min(count, first + 500); i++) {
          op.delete(["rawbig", old.value, i]);
        }
        await op.commit();
      }
    }
  };
  const rawGet = async (): Promise<Uint8Array> => {
    const gen = (await db.get<number>(["rawbig-pointer"])).value!;
    const out = new Uint8Array(MAX);
    let offset = 0;
    for await (
      const entry of db.list<Uint8Array>({ prefix: ["rawbig", gen] }, { batchSize: 500 })
    ) {
      out.set(entry.value, offset);
      offset += entry.value.byteLength;
    }
    return out;
  };
  await rawPut(big);
  await kv.put("big", big);
  rows.push(
    ...await paired(`get 25 MiB, ${where}`, [
      { name: "raw chunked read", op: () => rawGet() },
      { name: "kvkit get arrayBuffer", op: () => kv.get("big", "arrayBuffer") },
    ], { batch: 1, rounds: 9, warmup: 1 }),
  );
  rows.push(
    ...await paired(`overwrite 25 MiB, ${where}`, [
      { name: "raw fresh chunks + publish + delete old", op: () => rawPut(big) },
      { name: "kvkit put", op: () => kv.put("big", big) },
    ], { batch: 1, rounds: 9, warmup: 1 }),
  );
  // What atomic publishing costs against overwriting chunks in place.
  rows.push(
    ...await paired(`overwrite 25 MiB in place vs atomic, ${where}`, [
      {
        name: "raw in-place chunk overwrite",
        op: async () => {
          const count = Math.ceil(MAX / CHUNK);
          for (let first = 0; first < count; first += 12) {
            const op = db.atomic();
            for (let i = first; i < Math.min(count, first + 12); i++) {
              op.set(["rawbig-inplace", i], big.subarray(i * CHUNK, (i + 1) * CHUNK));
            }
            await op.commit();
          }
        },
      },
      { name: "kvkit put (atomic)", op: () => kv.put("big", big) },
    ], { batch: 1, rounds: 9, warmup: 1 }),
  );
  db.close();
}
await Deno.remove(dir, { recursive: true });

printRows(rows);
if (Deno.args.includes("--json")) console.log(JSON.stringify(rows));
