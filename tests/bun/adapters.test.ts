// The conformance suite under Bun's own test runner: the memory adapter,
// and the Deno KV adapter on npm @deno/kv's SQLite backend.
import { describe, it } from "bun:test";
import { createFakeClock, testKv } from "../../conformance/mod.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import { openDenoKv } from "../../adapters/deno_kv.ts";

describe("memory adapter under bun:test", () => {
  testKv(it, "", () => {
    const clock = createFakeClock();
    return { kv: createMemoryKv({ now: clock.now }), now: clock.now, advanceTime: clock.advance };
  });
});

describe("Deno KV adapter on @deno/kv SQLite under Bun", () => {
  testKv(it, "", async () => {
    const clock = createFakeClock();
    const kv = await openDenoKv(":memory:", { now: clock.now });
    return { kv, now: clock.now, advanceTime: clock.advance, close: () => kv.close() };
  });
});
