import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createFakeClock } from "../conformance/clock.ts";
import { createEngineKv } from "../engine.ts";
import type { DriverContext, KvDriver } from "../kv_driver.ts";
import { createMemoryDriver } from "./_memory_driver.ts";

/** The engine on the memory driver, with the driver kept for inspection. */
function open() {
  const clock = createFakeClock();
  let driver!: KvDriver;
  const kv = createEngineKv((context: DriverContext) => (driver = createMemoryDriver(context)), {
    now: clock.now,
  });
  // The driver's raw listing does not filter expired records: it shows
  // what is still held.
  const held = () => (driver.list("", undefined, 1e9) as { name: string }[]).length;
  return { kv, clock, held };
}

Deno.test("expired records nothing reads are reclaimed by later writes, a few per write", async () => {
  const { kv, clock, held } = open();
  for (let i = 0; i < 2000; i++) await kv.put(`session:${i}`, "s", { expirationTtl: 60 });
  await kv.put("keep", "k", { expirationTtl: 3600 });
  clock.advance(61_000);
  assertEquals(held(), 2001);
  // Writes to other keys each reclaim a bounded number.
  await kv.put("other", "1");
  const afterOne = held();
  assert(afterOne < 2002 && afterOne >= 2002 - 16, `one write reclaims at most 16: ${afterOne}`);
  for (let i = 0; i < 200; i++) await kv.put(`other:${i % 10}`, String(i));
  // 2000 expired sessions are gone; the live key and the writes remain.
  assertEquals(held(), 1 + 1 + 10);
  assertEquals(await kv.get("keep"), "k");
});

Deno.test("an overwrite or delete of an expiring key unfiles its old expiration", async () => {
  const { kv, clock, held } = open();
  await kv.put("k", "first", { expirationTtl: 60 });
  await kv.put("k", "second"); // no expiration now
  await kv.put("d", "gone", { expirationTtl: 60 });
  await kv.delete("d");
  clock.advance(120_000);
  for (let i = 0; i < 5; i++) await kv.put(`w${i}`, "w");
  assertEquals(await kv.get("k"), "second");
  assertEquals(held(), 6);
  // A key renewed with a later expiration survives its first one.
  await kv.put("r", "v", { expirationTtl: 60 });
  clock.advance(30_000);
  await kv.put("r", "v2", { expirationTtl: 120 });
  clock.advance(60_000);
  await kv.put("w0", "again");
  assertEquals(await kv.get("r"), "v2");
});

Deno.test("a write with no expiring keys in the namespace never reads the clock", async () => {
  let reads = 0;
  const kv = createEngineKv(createMemoryDriver, { now: () => (reads++, 1_700_000_000_000) });
  await kv.put("a", "1");
  await kv.delete("a");
  await kv.get("a");
  assertEquals(reads, 0);
});

Deno.test("list entries follow overwrites that add or drop metadata and expiration", async () => {
  const { kv, clock } = open();
  await kv.put("a", "1");
  await kv.put("b", "2", { metadata: { m: 1 } });
  await kv.put("a", "1", { expirationTtl: 3600, metadata: "x" });
  await kv.put("b", "2");
  const { keys } = await kv.list();
  assertEquals(keys, [{ name: "a", expiration: 1735693200, metadata: "x" }, { name: "b" }]);
  await kv.put("a", "plain again");
  assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b" }]);
  // Plain text is kept as a bare string, plain bytes as a record: every
  // crossing between the two and a record with metadata keeps the list,
  // the expiry file and the value right.
  await kv.put("a", new Uint8Array([104, 105]));
  assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b" }]);
  await kv.put("a", new Uint8Array([1]), { metadata: 2 });
  assertEquals((await kv.list()).keys, [{ name: "a", metadata: 2 }, { name: "b" }]);
  await kv.put("a", new Uint8Array([104, 105]));
  assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b" }]);
  await kv.put("a", "text", { expirationTtl: 60 });
  await kv.put("a", new Uint8Array([104, 105]));
  assertEquals(await kv.getWithMetadata("a"), { value: "hi", metadata: null, cacheStatus: null });
  await kv.put("b", "bye", { expirationTtl: 60 });
  await kv.put("b", "back");
  clock.advance(120_000);
  await kv.put("c", "a write that reclaims what expired");
  assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b" }, { name: "c" }]);
  assertEquals(await kv.get(["a", "b"]), new Map([["a", "hi"], ["b", "back"]]));
});
