// deno bench -A bench/memory_bench.ts
//
// The memory adapter against a raw Map (the floor), unstorage's memory
// driver and keyv's default store, on the same keys and 100-byte values.
// Each group has a baseline, so deno bench prints ratios.

import { createStorage } from "unstorage";
import memoryDriver from "unstorage/drivers/memory";
import Keyv from "keyv";
import { createMemoryKv } from "../adapters/memory.ts";

const KEYS = 1000;
const keys = Array.from(
  { length: KEYS },
  (_, i) => `user:${String(i).padStart(6, "0")}`,
);
const value = "v".repeat(100);

const map = new Map<string, string>();
const kv = createMemoryKv();
const unstorage = createStorage({ driver: memoryDriver() });
const keyv = new Keyv<string>();
for (const key of keys) {
  map.set(key, value);
  await kv.put(key, value);
  await unstorage.setItem(key, value);
  await keyv.set(key, value);
}

let i = 0;
const next = () => keys[i++ % KEYS];

Deno.bench("raw Map get", { group: "get" }, async () => {
  await Promise.resolve(map.get(next()));
});
Deno.bench("kvkit memory get", { group: "get", baseline: true }, async () => {
  await kv.get(next());
});
Deno.bench("unstorage memory getItem", { group: "get" }, async () => {
  await unstorage.getItem(next());
});
Deno.bench("keyv get", { group: "get" }, async () => {
  await keyv.get(next());
});

Deno.bench("raw Map set", { group: "put" }, async () => {
  await Promise.resolve(map.set(next(), value));
});
Deno.bench("kvkit memory put", { group: "put", baseline: true }, async () => {
  await kv.put(next(), value);
});
Deno.bench("unstorage memory setItem", { group: "put" }, async () => {
  await unstorage.setItem(next(), value);
});
Deno.bench("keyv set", { group: "put" }, async () => {
  await keyv.set(next(), value);
});

// A 1000-key page from the middle of the namespace, at 10k and 100k keys:
// with the skip list the page costs O(log n + 1000), not O(n).
async function sized(n: number) {
  const store = createMemoryKv();
  for (let j = 0; j < n; j++) {
    await store.put(`k${String(j).padStart(7, "0")}`, "v");
  }
  let cursor: string | undefined;
  for (let seen = 0; seen < n / 2; seen += 1000) {
    const page = await store.list({ limit: 1000, cursor });
    if (page.list_complete) throw new Error("expected a cursor");
    cursor = page.cursor;
  }
  return { store, cursor };
}
const small = await sized(10_000);
const large = await sized(100_000);

Deno.bench(
  "list page of 1000 at 10k keys",
  { group: "list", baseline: true },
  async () => {
    await small.store.list({ limit: 1000, cursor: small.cursor });
  },
);
Deno.bench("list page of 1000 at 100k keys", { group: "list" }, async () => {
  await large.store.list({ limit: 1000, cursor: large.cursor });
});
