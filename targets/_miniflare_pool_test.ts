import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { FAKE_TIME_START, MiniflarePool } from "./_miniflare_pool.ts";

Deno.test("the conformance pool recycles namespaces empty, with the clock reset", async () => {
  const pool = await MiniflarePool.start(2, "recycle");
  try {
    const plain = await pool.fixture({ tags: [] });
    await plain.kv.put("a", "1");
    await plain.close?.();
    const timed = await pool.fixture({ tags: ["clock"] });
    await timed.kv.put("b", "2", { expirationTtl: 60 });
    await timed.advanceTime!(120_000);
    await timed.close?.();
    // Both namespaces are used now, so these two are recycled ones.
    const again = await pool.fixture({ tags: ["clock"] });
    assertEquals(again.now!(), FAKE_TIME_START);
    assertEquals((await again.kv.list()).keys, [], "the expired key is gone too");
    await again.kv.put("big", "x".repeat(1025)).then(
      () => {
        throw new Error("a clock namespace should be in test mode");
      },
      () => {},
    );
    const fresh = await pool.fixture({ tags: [] });
    assertEquals((await fresh.kv.list()).keys, []);
    await fresh.kv.put("big", "x".repeat(2048));
  } finally {
    await pool.dispose();
  }
});
