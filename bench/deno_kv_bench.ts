// The Deno KV adapter against raw Deno.Kv doing the minimal equivalent with
// the same bytes, and against unstorage's Deno KV driver.
//
//   deno bench -A bench/deno_kv_bench.ts
//
// Two kinds of numbers come out; read ratios, not absolute times:
// - "paired ratios", printed first: each pair runs alternately, batch by
//   batch, and the median of the per-round ratios is reported. Drift from
//   other load on the machine hits both sides alike.
// - the Deno.bench groups and their summaries, which run one bench after
//   the other and so drift on a busy machine.

import { createStorage } from "unstorage";
import denoKvDriver from "unstorage/drivers/deno-kv";
import { createDenoKv } from "../adapters/deno_kv.ts";

const db = await Deno.openKv(":memory:");
const kv = createDenoKv(db, { namespace: "kvkit" });
const storage = createStorage({
  driver: denoKvDriver({
    base: "unstorage",
    openKv: () => Promise.resolve(db),
  }),
});

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BATCH = 50;
const KEYS = 1000;
const small = "v".repeat(100);
const medium = "m".repeat(8 * 1024);
const keyNames = Array.from(
  { length: KEYS },
  (_, i) => `key-${String(i).padStart(4, "0")}`,
);

let cursor = 0;
const nextKeys = () => {
  const keys = [];
  for (let i = 0; i < BATCH; i++) keys.push(keyNames[cursor++ % KEYS]);
  return keys;
};

for (const name of keyNames) {
  await db.set(["raw", name], encoder.encode(small));
  await db.set(["raw-medium", name], encoder.encode(medium));
  await kv.put(name, small);
  await kv.put(`medium-${name}`, medium);
  await storage.setItem(`k:${name}`, small);
}

const rawSet = async () => {
  for (const name of nextKeys()) {
    await db.set(["raw", name], encoder.encode(small));
  }
};
const kvkitPut = async () => {
  for (const name of nextKeys()) await kv.put(name, small);
};
const unstoragePut = async () => {
  for (const name of nextKeys()) await storage.setItem(`k:${name}`, small);
};
const rawGet = async () => {
  for (const name of nextKeys()) {
    decoder.decode((await db.get<Uint8Array>(["raw", name])).value!);
  }
};
const kvkitGet = async () => {
  for (const name of nextKeys()) await kv.get(name);
};
const unstorageGet = async () => {
  for (const name of nextKeys()) await storage.getItem(`k:${name}`);
};
const rawSetMedium = async () => {
  for (const name of nextKeys()) {
    await db.set(["raw-medium", name], encoder.encode(medium));
  }
};
const kvkitPutMedium = async () => {
  for (const name of nextKeys()) await kv.put(`medium-${name}`, medium);
};
const rawGetMedium = async () => {
  for (const name of nextKeys()) {
    decoder.decode((await db.get<Uint8Array>(["raw-medium", name])).value!);
  }
};
const kvkitGetMedium = async () => {
  for (const name of nextKeys()) await kv.get(`medium-${name}`);
};
// list: all 1000 keys. Raw lists the entries (values come along); kvkit
// lists one page of 1000 keys with metadata and expiration.
const rawList = async () => {
  const names: string[] = [];
  for await (const entry of db.list({ prefix: ["raw"] })) {
    names.push(entry.key[1] as string);
  }
  if (names.length !== KEYS) throw new Error("raw list");
};
const kvkitList = async () => {
  if ((await kv.list({ prefix: "key-" })).keys.length !== KEYS) {
    throw new Error("kvkit list");
  }
};

// A 1000-key page over 100 KB values against one over tiny values, in a
// database of their own: its 100 MB would slow every other write down.
const sizesDb = await Deno.openKv(":memory:");
const large = createDenoKv(sizesDb, { namespace: "large" });
const tiny = createDenoKv(sizesDb, { namespace: "tiny" });
const largeValue = new Uint8Array(100_000).fill(7);
for (const name of keyNames) {
  await large.put(name, largeValue, { metadata: { size: "large" } });
  await tiny.put(name, "t", { metadata: { size: "tiny!" } });
}
const listTiny = async () => {
  if ((await tiny.list()).keys.length !== KEYS) throw new Error("tiny list");
};
const listLarge = async () => {
  if ((await large.list()).keys.length !== KEYS) throw new Error("large list");
};

// 25 MiB: raw writes the same 64 KiB chunks in commits of 12, one after
// another, over the previous ones, and reads them back with one list.
const bigDb = await Deno.openKv(":memory:");
const bigKv = createDenoKv(bigDb);
const MAX = 25 * 1024 * 1024;
const big = new Uint8Array(MAX).map((_, i) => i & 255);
const CHUNK = 65_536;
async function rawPutChunked(key: string, value: Uint8Array) {
  const count = Math.ceil(value.byteLength / CHUNK);
  for (let first = 0; first < count; first += 12) {
    const op = bigDb.atomic();
    for (let i = first; i < Math.min(count, first + 12); i++) {
      op.set(["rawbig", key, i], value.subarray(i * CHUNK, (i + 1) * CHUNK));
    }
    await op.commit();
  }
}
async function rawGetChunked(key: string, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let offset = 0;
  const entries = bigDb.list<Uint8Array>({ prefix: ["rawbig", key] }, {
    batchSize: 500,
  });
  for await (const entry of entries) {
    out.set(entry.value, offset);
    offset += entry.value.byteLength;
  }
  return out;
}
await rawPutChunked("big", big);
await bigKv.put("big", big);
// Async functions: Deno.bench awaits only what an AsyncFunction returns.
const rawPutBig = async () => await rawPutChunked("big", big);
const kvkitPutBig = async () => await bigKv.put("big", big);
const rawGetBig = async () => void await rawGetChunked("big", MAX);
const kvkitGetBig = async () => void await bigKv.get("big", "arrayBuffer");

// Bulk get of 100 keys against 100 single gets.
const hundred = keyNames.slice(0, 100);
const singleGets = async () => {
  for (const name of hundred) await kv.get(name);
};
const concurrentGets = async () => void await Promise.all(hundred.map((name) => kv.get(name)));
const bulkGet = async () => void await kv.get(hundred);

/** Median over rounds of time(b) / time(a), the two run alternately. */
async function paired(
  a: () => Promise<void>,
  b: () => Promise<void>,
  rounds: number,
): Promise<number> {
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0 ? a : b;
    const second = first === a ? b : a;
    const t0 = performance.now();
    await first();
    const t1 = performance.now();
    await second();
    const t2 = performance.now();
    const [ta, tb] = first === a ? [t1 - t0, t2 - t1] : [t2 - t1, t1 - t0];
    ratios.push(tb / ta);
  }
  ratios.sort((x, y) => x - y);
  return ratios[Math.floor(rounds / 2)];
}

const pairs: [string, () => Promise<void>, () => Promise<void>, number][] = [
  ["put 100 B: kvkit / raw set", rawSet, kvkitPut, 200],
  ["get 100 B: kvkit / raw get", rawGet, kvkitGet, 200],
  ["list 1000 keys: kvkit / raw", rawList, kvkitList, 100],
  ["list page: 100 KB values / tiny", listTiny, listLarge, 100],
  ["put 100 B: unstorage / raw set", rawSet, unstoragePut, 100],
  ["get 100 B: unstorage / raw get", rawGet, unstorageGet, 100],
  ["put 100 B: kvkit / unstorage", unstoragePut, kvkitPut, 100],
  ["get 100 B: kvkit / unstorage", unstorageGet, kvkitGet, 100],
  ["put 8 KiB: kvkit / raw set", rawSetMedium, kvkitPutMedium, 100],
  ["get 8 KiB: kvkit / raw get", rawGetMedium, kvkitGetMedium, 100],
  ["put 25 MiB: kvkit / raw chunks", rawPutBig, kvkitPutBig, 11],
  ["get 25 MiB: kvkit / raw chunks", rawGetBig, kvkitGetBig, 11],
  ["bulk get 100: bulk / 100 gets", singleGets, bulkGet, 50],
  ["bulk get 100: bulk / concurrent", concurrentGets, bulkGet, 50],
];
console.log("paired ratios (median of alternating rounds):");
for (const [label, a, b, rounds] of pairs) {
  console.log(
    `  ${label.padEnd(34)} ${(await paired(a, b, rounds)).toFixed(2)}x`,
  );
}

Deno.bench("raw Deno.Kv set", { group: "put", baseline: true }, rawSet);
Deno.bench("kvkit put", { group: "put" }, kvkitPut);
Deno.bench("unstorage deno-kv setItem", { group: "put" }, unstoragePut);

Deno.bench("raw Deno.Kv get", { group: "get", baseline: true }, rawGet);
Deno.bench("kvkit get", { group: "get" }, kvkitGet);
Deno.bench("unstorage deno-kv getItem", { group: "get" }, unstorageGet);

Deno.bench("raw Deno.Kv list of 1000 keys", {
  group: "list",
  baseline: true,
}, rawList);
Deno.bench("kvkit list of 1000 keys", { group: "list" }, kvkitList);

Deno.bench("kvkit list page over 1000 tiny values", {
  group: "list-size",
  baseline: true,
}, listTiny);
Deno.bench("kvkit list page over 1000 values of 100 KB", {
  group: "list-size",
}, listLarge);

Deno.bench("raw Deno.Kv chunked put of 25 MiB", {
  group: "25 MiB put",
  baseline: true,
  n: 30,
}, rawPutBig);
Deno.bench("kvkit put of 25 MiB", { group: "25 MiB put", n: 30 }, kvkitPutBig);
Deno.bench("raw Deno.Kv chunked get of 25 MiB", {
  group: "25 MiB get",
  baseline: true,
  n: 30,
}, rawGetBig);
Deno.bench("kvkit get of 25 MiB", { group: "25 MiB get", n: 30 }, kvkitGetBig);

Deno.bench("kvkit 100 single gets, one after another", {
  group: "bulk get",
  baseline: true,
}, singleGets);
Deno.bench("kvkit 100 single gets, concurrently", {
  group: "bulk get",
}, concurrentGets);
Deno.bench("kvkit bulk get of 100 keys", { group: "bulk get" }, bulkGet);

globalThis.addEventListener("unload", () => {
  for (const handle of [db, sizesDb, bigDb]) handle.close();
});
