// The Redis adapter on Node, whose socket Buffers are slices of larger
// pooled chunks: values read back as exactly their own bytes, with both
// clients, from Node Buffers and typed arrays put by the caller.

import { it } from "node:test";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Buffer } from "node:buffer";
import process from "node:process";
import { createRedisKv, openRedisKv } from "../../adapters/redis.ts";
import { createClient } from "redis";
import { Redis } from "ioredis";

const url = process.env.KVKIT_REDIS_URL;
const skip = url === undefined && process.env.KVKIT_REQUIRE_SERVERS !== "1"
  ? "KVKIT_REDIS_URL is not set"
  : false;

it("values read back as exactly their bytes on Node, with both clients", { skip }, async () => {
  const values = [
    Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
    Buffer.from("xx\uFEFFbuffer😀xx").subarray(2, 15),
    new Uint8Array(70_000).fill(7),
  ];
  for (const client of ["node-redis", "ioredis"] as const) {
    const namespace = `kvkit-test:node:${client}:${Date.now()}`;
    const kv = await openRedisKv(url!, { client, namespace });
    try {
      for (const [i, value] of values.entries()) await kv.put(`v${i}`, value);
      // Read many at once, so that replies share socket chunks.
      const read = await Promise.all(values.map((_, i) => kv.get(`v${i}`, "arrayBuffer")));
      for (const [i, value] of values.entries()) {
        assertEquals(read[i]!.byteLength, value.byteLength);
        assertEquals(new Uint8Array(read[i]!), new Uint8Array(value));
      }
      assertEquals(await kv.get("v1"), "\uFEFFbuffer😀");
      const { keys } = await kv.list();
      assertEquals(keys.map((k) => k.name), ["v0", "v1", "v2"]);
      for (const key of keys) await kv.delete(key.name);
    } finally {
      await kv.close();
    }
  }
});

it(
  "a namespace over the caller's own clients on Node lists keys with a leading BOM",
  { skip },
  async () => {
    const nodeRedis = await createClient({ url }).on("error", () => {}).connect();
    const ioredis = new Redis(url!, { maxRetriesPerRequest: 0 });
    try {
      for (const client of [nodeRedis, ioredis]) {
        const kv = createRedisKv(client, { namespace: `kvkit-test:node:own:${Date.now()}` });
        await kv.put("\uFEFFkey", "bom", { metadata: { m: "\uFEFF" } });
        assertEquals((await kv.list()).keys, [{ name: "\uFEFFkey", metadata: { m: "\uFEFF" } }]);
        assertEquals(await kv.get("\uFEFFkey"), "bom");
        await kv.delete("\uFEFFkey");
        await kv.close();
      }
    } finally {
      await nodeRedis.close();
      await ioredis.quit();
    }
  },
);
