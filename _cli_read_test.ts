import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { MAX_READS, READ_BYTES, readItems } from "./_cli_read.ts";
import { createMemoryKv } from "./adapters/memory.ts";
import type { DumpItem } from "./_cli_dump.ts";

async function all(items: AsyncIterable<DumpItem>): Promise<DumpItem[]> {
  const out: DumpItem[] = [];
  for await (const item of items) out.push(item);
  return out;
}

Deno.test("readItems yields every live entry in key order, across pages", async () => {
  const kv = createMemoryKv();
  const expiration = Math.floor(Date.now() / 1000) + 3600;
  for (let i = 0; i < 2500; i++) await kv.put(`k${String(i).padStart(4, "0")}`, `v${i}`);
  await kv.put("bin", new Uint8Array([0, 255]), { metadata: { m: 1 }, expiration });
  await kv.put("\uFEFFbom", "");
  const items = await all(readItems(kv));
  assertEquals(items.length, 2502);
  assertEquals(items.slice(0, 2).map((i) => i.key), ["bin", "k0000"]);
  assertEquals(items[0], {
    key: "bin",
    value: new Uint8Array([0, 255]),
    expiration,
    metadata: { m: 1 },
  });
  assertEquals(items.at(-1), { key: "\uFEFFbom", value: new Uint8Array(0) });
  assertEquals(new TextDecoder().decode(items[2500].value), "v2499");
  assertEquals((await all(readItems(kv, "k24"))).length, 100);
});

Deno.test("readItems leaves out keys deleted between the listing and the read", async () => {
  const kv = createMemoryKv();
  for (const key of ["a", "b", "c"]) await kv.put(key, key);
  const reading = new Proxy(kv, {
    get(target, property) {
      if (property !== "list") return Reflect.get(target, property).bind(target);
      return async (options: object) => {
        const page = await target.list(options);
        await target.delete("b");
        return page;
      };
    },
  });
  assertEquals((await all(readItems(reading))).map((i) => i.key), ["a", "c"]);
});

Deno.test("readItems reads up to 8 values at a time while they are small, one at a time once large", async () => {
  const kv = createMemoryKv();
  for (let i = 0; i < 40; i++) await kv.put(`s${String(i).padStart(2, "0")}`, "x");
  for (let i = 0; i < 6; i++) await kv.put(`t${i}`, new Uint8Array(READ_BYTES / 2 + 1));
  let running = 0;
  const most: Record<string, number> = {};
  const counting = new Proxy(kv, {
    get(target, property) {
      if (property !== "getWithMetadata") return Reflect.get(target, property).bind(target);
      return async (key: string, type: "arrayBuffer") => {
        running++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        const group = key[0];
        most[group] = Math.max(most[group] ?? 0, running);
        try {
          return await target.getWithMetadata(key, type);
        } finally {
          running--;
        }
      };
    },
  });
  assertEquals((await all(readItems(counting))).length, 46);
  assertEquals(most.s, MAX_READS);
  // Large values right after small ones are read beside them at first.
  assert(most.t <= MAX_READS, `${most.t}`);
  // A reader that starts on large values reads them one at a time.
  most.t = 0;
  assertEquals((await all(readItems(counting, "t"))).length, 6);
  assertEquals(most.t, 1);
});
