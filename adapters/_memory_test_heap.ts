// Heap figures for the memory adapter, run by memory_heap_test.ts in a
// process of its own with --expose-gc:
//
//   deno run -A --v8-flags=--expose-gc adapters/_memory_test_heap.ts ttl|delete
//
// Prints one JSON object of byte counts.

import { createFakeClock } from "../conformance/clock.ts";
import { createMemoryKv } from "./memory.ts";

const gc = (globalThis as unknown as { gc(): void }).gc;

/** The JS heap plus memory held outside it (ArrayBuffer backing stores). */
function heap(): number {
  for (let i = 0; i < 3; i++) gc();
  const { heapUsed, external } = Deno.memoryUsage();
  return heapUsed + external;
}

const scenario = Deno.args[0];
const text = (i: number) => `${i}:`.padEnd(100, String.fromCharCode(97 + (i % 26)));
const bytes = (i: number) => new Uint8Array(1000).map((_, j) => (i * 31 + j) & 0xff);

if (scenario === "ttl") {
  // 200k session keys with a 60 s TTL, then an hour of traffic on 1000
  // other keys: nothing reads the sessions again.
  const clock = createFakeClock();
  const kv = createMemoryKv({ now: clock.now });
  for (let i = 0; i < 1000; i++) await kv.put(`live:${i}`, text(i));
  const base = heap();
  for (let i = 0; i < 200_000; i++) await kv.put(`session:${i}`, text(i), { expirationTtl: 60 });
  const full = heap();
  clock.advance(3_600_000);
  for (let i = 0; i < 20_000; i++) {
    await kv.put(`live:${i % 1000}`, text(i));
    await kv.get(`live:${(i * 7) % 1000}`);
  }
  const after = heap();
  if (await kv.get("live:0") === null) throw new Error("lost");
  console.log(JSON.stringify({ base, full, after }));
} else if (scenario === "delete") {
  // 80k values of 1000 bytes, 70k deleted, against a fresh store holding
  // the same 10k live values.
  const kv = createMemoryKv();
  const start = heap();
  for (let i = 0; i < 80_000; i++) await kv.put(`k:${i}`, bytes(i));
  for (let i = 0; i < 80_000; i++) if (i % 8 !== 0) await kv.delete(`k:${i}`);
  const held = heap() - start;
  await kv.close();
  const fresh = createMemoryKv();
  const start2 = heap();
  for (let i = 0; i < 80_000; i += 8) await fresh.put(`k:${i}`, bytes(i));
  const live = heap() - start2;
  // Used after the measurement, so the collector cannot free it before.
  if ((await fresh.get("k:0", "arrayBuffer"))?.byteLength !== 1000) throw new Error("lost");
  console.log(JSON.stringify({ held, fresh: live }));
} else {
  console.error("usage: _memory_test_heap.ts ttl|delete");
  Deno.exit(2);
}
