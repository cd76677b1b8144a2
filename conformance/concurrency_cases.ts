// Cases for concurrent operations on one namespace.

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { allBytes, filled, MiB } from "./_util.ts";
import { assert, assertEquals } from "./_assert.ts";

const c = caseBuilder("concurrency");

/**
 * The `concurrency` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { concurrencyCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: concurrencyCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("concurrency cases failed");
 * ```
 */
export const concurrencyCases: readonly ConformanceCase[] = [
  c(
    "same-key",
    "parallel puts to one key all succeed and one of them wins",
    async ({ kv }) => {
      const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
      const results = await Promise.all(
        values.map((v) => kv.put("k", v, { metadata: v })),
      );
      assertEquals(results, values.map(() => undefined));
      const { value, metadata } = await kv.getWithMetadata("k");
      assert(values.includes(value!), `unexpected final value ${value}`);
      assertEquals(
        metadata,
        value,
        "value and metadata come from the same put",
      );
      assertEquals((await kv.list()).keys.length, 1);
    },
  ),
  c(
    "distinct-keys",
    "parallel puts to distinct keys all land",
    async ({ kv }) => {
      const keys = Array.from(
        { length: 60 },
        (_, i) => `k${String(i).padStart(2, "0")}`,
      );
      await Promise.all(keys.map((key) => kv.put(key, `v${key}`)));
      const read = await kv.get(keys.slice(0, 50));
      for (const key of keys.slice(0, 50)) {
        assertEquals(
          read.get(key),
          `v${key}`,
        );
      }
      assertEquals((await kv.list()).keys.map((k) => k.name), keys);
    },
  ),
  c(
    "read-during-overwrite",
    "reads racing an overwrite see the old or the new value, whole",
    async ({ kv }) => {
      const size = 2 * MiB;
      await kv.put("k", filled(size, 0x41));
      const reads: Promise<ArrayBuffer | null>[] = [];
      const write = kv.put("k", filled(size, 0x42));
      for (let i = 0; i < 8; i++) reads.push(kv.get("k", "arrayBuffer"));
      await write;
      for (let i = 0; i < 4; i++) reads.push(kv.get("k", "arrayBuffer"));
      for (const value of await Promise.all(reads)) {
        assert(value !== null, "the key never disappears");
        const bytes = new Uint8Array(value);
        assertEquals(bytes.byteLength, size);
        assert(
          allBytes(bytes, 0x41) || allBytes(bytes, 0x42),
          "a read saw mixed bytes",
        );
      }
      assert(
        allBytes(new Uint8Array((await kv.get("k", "arrayBuffer"))!), 0x42),
        "the write landed",
      );
    },
  ),
  c(
    "delete-vs-put",
    "a delete racing a put leaves the key absent or whole",
    async ({ kv }) => {
      for (let round = 0; round < 10; round++) {
        await Promise.all([
          kv.put("k", `v${round}`, { metadata: round }),
          kv.delete("k"),
        ]);
        const { value, metadata } = await kv.getWithMetadata("k");
        if (value !== null) {
          assertEquals([value, metadata], [
            `v${round}`,
            round,
          ]);
        } else assertEquals(metadata, null);
      }
    },
  ),
  c(
    "list-during-writes",
    "pages listed during writes stay sorted and duplicate-free",
    async ({ kv }) => {
      const keys = Array.from(
        { length: 120 },
        (_, i) => `w${String((i * 37) % 120).padStart(3, "0")}`,
      );
      const writing = (async () => {
        for (let i = 0; i < keys.length; i += 10) {
          await Promise.all(
            keys.slice(i, i + 10).map((key) => kv.put(key, "v")),
          );
        }
      })();
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 200; page++) {
        const result = await kv.list({ prefix: "w", limit: 7, cursor });
        seen.push(...result.keys.map((k) => k.name));
        if (result.list_complete) break;
        cursor = result.cursor;
      }
      await writing;
      assertEquals(seen, [...new Set(seen)].sort(), "sorted, no duplicates");
      assertEquals((await kv.list({ prefix: "w" })).keys.length, 120);
    },
  ),
  c(
    "parallel-reads",
    "parallel reads of different keys each get their own value",
    async ({ kv }) => {
      const keys = Array.from({ length: 40 }, (_, i) => `r${i}`);
      await Promise.all(keys.map((key) => kv.put(key, key, { metadata: key })));
      const reads = await Promise.all(
        keys.map((key) => kv.getWithMetadata(key)),
      );
      reads.forEach((read, i) => assertEquals([read.value, read.metadata], [keys[i], keys[i]]));
    },
  ),
];
