// Cases for values up to 25 MiB (spec §2.4 value size).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import type { KvFixture } from "./case.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { allBytes, filled, MiB, readAll } from "./_util.ts";

const build = caseBuilder("large");
const c = (id: string, name: string, run: (fixture: KvFixture) => Promise<void>) =>
  build(id, name, run, ["large"]);

const LIMIT = 25 * MiB;

/** Bytes whose every position differs from its neighbours, so shifts show. */
function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i += 4096) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    bytes[i] = x & 0xff;
  }
  for (let i = 0; i < length; i++) {
    if (i % 4096 !== 0) bytes[i] = (i * 31 + seed) & 0xff;
  }
  return bytes;
}

function chunked(
  total: number,
  chunk: number,
  byte: number,
): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(chunk, total - sent);
      controller.enqueue(filled(size, byte));
      sent += size;
    },
  });
}

async function getBytes(
  fixture: KvFixture,
  key: string,
): Promise<Uint8Array | null> {
  const value = await fixture.kv.get(key, "arrayBuffer");
  return value === null ? null : new Uint8Array(value);
}

/**
 * The `large` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { largeCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: largeCases,
 *   skip: { large: "kept short in a doc example" },
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("large cases failed");
 * ```
 */
export const largeCases: readonly ConformanceCase[] = [
  c(
    "max-value",
    "a value of exactly 25 MiB round-trips byte for byte",
    async (fixture) => {
      const bytes = pattern(LIMIT, 7);
      await fixture.kv.put("big", bytes, { metadata: { size: LIMIT } });
      const back = await getBytes(fixture, "big");
      assertEquals(back?.byteLength, LIMIT);
      assertEquals(back, bytes);
      assertEquals((await fixture.kv.list()).keys, [{
        name: "big",
        metadata: { size: LIMIT },
      }]);
    },
  ),
  c(
    "over-limit",
    "a value of 25 MiB + 1 byte fails with 413 and keeps the old value",
    async (fixture) => {
      await fixture.kv.put("k", "old");
      await assertRejects(
        () => fixture.kv.put("k", new Uint8Array(LIMIT + 1)),
        "Error",
        "KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.",
      );
      assertEquals(await fixture.kv.get("k"), "old");
    },
  ),
  c("utf8-length", "a string's size is its UTF-8 length", async ({ kv }) => {
    await assertRejects(
      () => kv.put("k", "é".repeat(13107201)),
      "Error",
      "KV PUT failed: 413 Value length of 26214402 exceeds limit of 26214400.",
    );
    assertEquals(await kv.get("k"), null);
    await kv.put("k", "é".repeat(13107200));
    assertEquals((await kv.get("k"))?.length, 13107200);
  }),
  c(
    "stream-over-limit",
    "a stream past 25 MiB fails with its full length and stores nothing",
    async (fixture) => {
      await fixture.kv.put("k", "old", { metadata: "kept" });
      await assertRejects(
        () => fixture.kv.put("k", chunked(27 * MiB, MiB, 1)),
        "Error",
        `KV PUT failed: 413 Value length of ${27 * MiB} exceeds limit of 26214400.`,
      );
      assertEquals(await fixture.kv.getWithMetadata("k"), {
        value: "old",
        metadata: "kept",
        cacheStatus: null,
      });
    },
  ),
  c("stream-max", "a stream of exactly 25 MiB is accepted", async (fixture) => {
    await fixture.kv.put("k", chunked(LIMIT, 1000 * 1000, 2));
    const back = await getBytes(fixture, "k");
    assertEquals(back?.byteLength, LIMIT);
    assert(allBytes(back!, 2), "every byte survives");
  }),
  c(
    "overwrite-cycle",
    "large and small values replace each other cleanly",
    async (fixture) => {
      const { kv } = fixture;
      await kv.put("k", filled(5 * MiB, 0x61));
      await kv.put("k", "small");
      assertEquals(await kv.get("k"), "small");
      await kv.put("k", filled(3 * MiB, 0x62));
      const back = await getBytes(fixture, "k");
      assertEquals(back?.byteLength, 3 * MiB);
      assert(allBytes(back!, 0x62), "no byte of the older value remains");
      await kv.delete("k");
      assertEquals(await kv.get("k"), null);
      assertEquals((await kv.list()).keys, []);
    },
  ),
  c("stream-read", "a large value reads back as a stream", async (fixture) => {
    const bytes = pattern(3 * MiB + 17, 3);
    await fixture.kv.put("k", bytes);
    const stream = await fixture.kv.get("k", "stream");
    assertEquals(await readAll(stream as ReadableStream<Uint8Array>), bytes);
  }),
  c(
    "list-large",
    "large values list with their metadata like small ones",
    async ({ kv }) => {
      for (let i = 0; i < 3; i++) {
        await kv.put(`big${i}`, filled(2 * MiB, i), { metadata: { i } });
        await kv.put(`small${i}`, "s", { metadata: { i } });
      }
      assertEquals((await kv.list({ prefix: "big" })).keys, [
        { name: "big0", metadata: { i: 0 } },
        { name: "big1", metadata: { i: 1 } },
        { name: "big2", metadata: { i: 2 } },
      ]);
      const page = await kv.list({ limit: 2 });
      assertEquals(page.keys.map((k) => k.name), ["big0", "big1"]);
    },
  ),
  c(
    "large-text",
    "a 10 MiB text value round-trips through text and json",
    async ({ kv }) => {
      const text = JSON.stringify({ data: "ü".repeat(5 * MiB - 20) });
      await kv.put("k", text);
      assertEquals(await kv.get("k"), text);
      assertEquals(
        ((await kv.get("k", "json")) as { data: string }).data.length,
        5 * MiB - 20,
      );
    },
  ),
];
