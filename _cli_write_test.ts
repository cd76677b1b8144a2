import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { BATCH_RECORDS, failsAfter, RecordWriter } from "./_cli_write.ts";
import { createMemoryKv } from "./adapters/memory.ts";
import type { OpenedStore, StoreRecord } from "./targets/_entry.ts";

const NOW = Date.UTC(2030, 0, 1);
const SECONDS = NOW / 1000;

/** A store whose writeMany records its batches and how many ran at once. */
function spyStore(fail?: (batch: number) => boolean) {
  const batches: StoreRecord[][] = [];
  let running = 0;
  let most = 0;
  const store: OpenedStore = {
    kv: createMemoryKv(),
    async writeMany(records) {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 1));
      running--;
      if (fail?.(batches.length)) throw new Error("backend down");
      batches.push([...records]);
    },
  };
  return { store, batches, most: () => most };
}

const record = (key: string, value: string | Uint8Array = "v") => ({
  key,
  record: { value },
  bytes: 1,
});

Deno.test("RecordWriter writes batches of at most 1000 records, one at a time, in order", async () => {
  const { store, batches, most } = spyStore();
  const writer = new RecordWriter(store, () => {}, () => NOW);
  for (let i = 0; i < 2500; i++) await writer.add(record(`k${i}`));
  await writer.end();
  assertEquals(batches.map((b) => b.length), [BATCH_RECORDS, BATCH_RECORDS, 500]);
  assertEquals(batches.flat().map((r) => r.key), Array.from({ length: 2500 }, (_, i) => `k${i}`));
  assertEquals(most(), 1);
  assertEquals(writer.counts, { written: 2500, bytes: 2500, expired: 0 });
});

Deno.test("RecordWriter closes a batch at 8 MiB of values, and puts a larger value alone", async () => {
  const { store, batches } = spyStore();
  const writer = new RecordWriter(store, () => {}, () => NOW);
  const mib = new Uint8Array(1024 * 1024);
  for (let i = 0; i < 10; i++) await writer.add(record(`m${i}`, mib));
  await writer.add(record("big", new Uint8Array(20 * 1024 * 1024)));
  await writer.add(record("after"));
  await writer.end();
  assertEquals(batches.map((b) => b.map((r) => r.key).join(",")), [
    "m0,m1,m2,m3,m4,m5,m6,m7",
    "m8,m9",
    "big",
    "after",
  ]);
});

Deno.test("RecordWriter lets the last record of a key win, and counts TTLs from the write", async () => {
  const { store, batches } = spyStore();
  let now = NOW;
  const writer = new RecordWriter(store, () => {}, () => now);
  await writer.add(record("a", "first"));
  await writer.add({ ...record("b"), ttl: 100 });
  await writer.add(record("a", "second"));
  await writer.add({ key: "gone", record: { value: "x", expiration: SECONDS + 70 }, bytes: 1 });
  now += 20_000; // the batch is written 20 s after its records were built
  await writer.end();
  assertEquals(batches, [[
    { key: "b", record: { value: "v", expiration: SECONDS + 20 + 100 } },
    { key: "a", record: { value: "second" } },
  ]]);
  assertEquals(writer.counts, { written: 2, bytes: 2, expired: 1 });
});

Deno.test("RecordWriter puts records through the namespace when the store has no writeMany", async () => {
  const kv = createMemoryKv();
  const writer = new RecordWriter({ kv });
  const expiration = Math.floor(Date.now() / 1000) + 3600;
  await writer.add({
    key: "t",
    record: { value: "text", metadata: '{"m":1}', expiration },
    bytes: 4,
  });
  await writer.add({ key: "b", record: { value: new Uint8Array([0, 255]) }, bytes: 2 });
  await writer.add({ key: "n", record: { value: "", metadata: "null" }, bytes: 0 });
  await writer.end();
  assertEquals(await kv.getWithMetadata("t"), {
    value: "text",
    metadata: { m: 1 },
    cacheStatus: null,
  });
  assertEquals(new Uint8Array((await kv.get("b", "arrayBuffer"))!), new Uint8Array([0, 255]));
  assertEquals((await kv.list()).keys, [
    { name: "b" },
    { name: "n", metadata: null },
    { name: "t", expiration, metadata: { m: 1 } },
  ]);
});

Deno.test("failsAfter says how many records had landed before a backend failed", async () => {
  const { store } = spyStore((n) => n === 1);
  const writer = new RecordWriter(store, () => {}, () => NOW);
  await rejects(
    failsAfter("deno-kv:./b.db", writer, async () => {
      for (let i = 0; i < 3000; i++) await writer.add(record(`k${i}`));
      await writer.end();
    }),
    (error: Error) => {
      assert(
        error.message === "backend down; 1000 entries had been written to deno-kv:./b.db before",
        error.message,
      );
      return true;
    },
  );
});
