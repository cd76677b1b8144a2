// The Deno KV adapter on Node takes npm @deno/kv's SQLite backend
// (":memory:"), never its JS in-memory mode, which skips Deno KV's limits.
// (The conformance run is in conformance_test.ts, from the registry.)
import { test } from "node:test";
import { openKv } from "@deno/kv";
import { createDenoKv } from "../../adapters/deno_kv.ts";

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

test("createDenoKv() takes @deno/kv's Kv as is and works within its SQLite limits", async () => {
  const db = await openKv(":memory:");
  try {
    // The SQLite backend enforces Deno KV's limits; the JS in-memory one would not.
    let limited = false;
    await db.set(["raw"], new Uint8Array(65_537)).catch(() => limited = true);
    check(limited, "a 64 KiB + 1 value is refused: this is the SQLite backend");
    const kv = createDenoKv(db, { namespace: "node" });
    const large = new Uint8Array(3 * 1024 * 1024 + 1).map((_, i) => i % 251);
    await kv.put("large", large, { metadata: { n: 1 } });
    const back = new Uint8Array((await kv.get("large", "arrayBuffer"))!);
    check(
      back.length === large.length && back.every((b, i) => b === large[i]),
      "3 MiB round-trip",
    );
    // 100 keys in one bulk get: @deno/kv allows 10 per getMany.
    const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
    for (const key of keys) await kv.put(key, key);
    const values = await kv.get(keys);
    check([...values.values()].join() === keys.join(), "bulk get of 100 keys");
    // Values come back as Node Buffers; kvkit hands out plain copies.
    const buffer = await kv.get("k1", "arrayBuffer");
    check(
      buffer instanceof ArrayBuffer && buffer.byteLength === 2,
      "an ArrayBuffer",
    );
    await kv.put("large", "small now");
    let chunks = 0;
    for await (const _ of db.list({ prefix: ["node", "c"] })) chunks++;
    check(chunks === 0, "an overwrite removes the old chunks");
  } finally {
    db.close();
  }
});
