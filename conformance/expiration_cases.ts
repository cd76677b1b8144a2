// Cases for expiration and expirationTtl (spec §2.4, §4).

import { caseBuilder, type ConformanceCase, type ConformanceTag } from "./case.ts";
import type { KvFixture } from "./case.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { advance, nowMs, nowSeconds } from "./_util.ts";

const c = caseBuilder("expiration");

const clock: ConformanceTag[] = ["clock"];

const RANGE = "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).";

/** Milliseconds from the fixture's now until a whole-second expiry. */
function until(fixture: KvFixture, expirationSeconds: number): number {
  return expirationSeconds * 1000 - nowMs(fixture);
}

/**
 * The `expiration` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { expirationCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: expirationCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("expiration cases failed");
 * ```
 */
export const expirationCases: readonly ConformanceCase[] = [
  c(
    "ttl-expires",
    "a key put with expirationTtl 60 disappears 60 s later",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 60;
      await kv.put("k", "v", { expirationTtl: 60 });
      await advance(fixture, until(fixture, expiration) - 1);
      assertEquals(await kv.get("k"), "v", "one millisecond before expiry");
      await advance(fixture, 1);
      assertEquals(await kv.get("k"), null, "at the expiry millisecond");
    },
    clock,
  ),
  c(
    "absolute-expires",
    "a key put with expiration disappears at that second",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 120;
      await kv.put("k", "v", { expiration });
      assertEquals((await kv.list()).keys, [{ name: "k", expiration }]);
      await advance(fixture, until(fixture, expiration) - 1);
      assertEquals(await kv.get("k"), "v");
      await advance(fixture, 1);
      assertEquals(await kv.get("k"), null);
    },
    clock,
  ),
  c(
    "whole-seconds",
    "a TTL counts from the current whole second, so it can fire up to 999 ms early",
    async (fixture) => {
      const { kv } = fixture;
      await advance(fixture, 1000 - (nowMs(fixture) % 1000) + 500); // now ends in .500
      const expiration = nowSeconds(fixture) + 60;
      await kv.put("k", "v", { expirationTtl: 60 });
      assertEquals((await kv.list()).keys, [{ name: "k", expiration }]);
      await advance(fixture, 59_499);
      assertEquals(await kv.get("k"), "v");
      await advance(fixture, 1);
      assertEquals(await kv.get("k"), null);
    },
    clock,
  ),
  c(
    "invisible",
    "an expired key is invisible to every read",
    async (fixture) => {
      const { kv } = fixture;
      await kv.put("gone", '"v"', { expirationTtl: 60, metadata: { m: 1 } });
      await kv.put("kept", '"w"');
      await advance(fixture, 61_000);
      assertEquals(await kv.get("gone"), null);
      assertEquals(await kv.get("gone", "json"), null);
      assertEquals(await kv.get("gone", "arrayBuffer"), null);
      assertEquals(await kv.get("gone", "stream"), null);
      assertEquals(await kv.getWithMetadata("gone"), {
        value: null,
        metadata: null,
        cacheStatus: null,
      });
      assertEquals(
        await kv.get(["gone", "kept"]),
        new Map([["gone", null], ["kept", '"w"']]),
      );
      assertEquals(
        await kv.getWithMetadata(["gone", "kept"], "json"),
        new Map<string, unknown>([["gone", null], ["kept", {
          value: "w",
          metadata: null,
        }]]),
      );
      assertEquals((await kv.list()).keys, [{ name: "kept" }]);
      assertEquals((await kv.list({ prefix: "gone" })).keys, []);
    },
    clock,
  ),
  c(
    "listed",
    "list shows the absolute expiration in seconds, even for a TTL",
    async (fixture) => {
      const { kv } = fixture;
      const before = nowSeconds(fixture);
      await kv.put("a", "1", { expiration: before + 3600 });
      await kv.put("b", "2", { expirationTtl: 600, metadata: "m" });
      const after = nowSeconds(fixture);
      const { keys } = await kv.list();
      assertEquals(keys[0], { name: "a", expiration: before + 3600 });
      assertEquals(Object.keys(keys[1]), ["name", "expiration", "metadata"]);
      const ttlExpiration = keys[1].expiration!;
      assert(
        Number.isInteger(ttlExpiration) && ttlExpiration >= before + 600 &&
          ttlExpiration <= after + 600,
        `expected ${before + 600}..${after + 600}, got ${ttlExpiration}`,
      );
      assertEquals(await kv.getWithMetadata("b"), {
        value: "2",
        metadata: "m",
        cacheStatus: null,
      });
    },
  ),
  c(
    "ttl-wins",
    "expirationTtl wins over expiration, which is then not even checked",
    async (fixture) => {
      const { kv } = fixture;
      const before = nowSeconds(fixture);
      await kv.put("k", "v", { expiration: 5, expirationTtl: 3600 });
      const after = nowSeconds(fixture);
      const { keys } = await kv.list();
      const expiration = keys[0].expiration!;
      assert(
        expiration >= before + 3600 && expiration <= after + 3600,
        `expected the TTL's expiration, got ${expiration}`,
      );
    },
  ),
  c(
    "overwrite-clears",
    "an overwrite without expiration keeps the key forever",
    async (fixture) => {
      const { kv } = fixture;
      await kv.put("k", "v1", { expirationTtl: 60 });
      await kv.put("k", "v2");
      await advance(fixture, 3_600_000);
      assertEquals(await kv.get("k"), "v2");
    },
    clock,
  ),
  c(
    "overwrite-sets",
    "an overwrite with a TTL makes a permanent key expire",
    async (fixture) => {
      const { kv } = fixture;
      await kv.put("k", "v1");
      await kv.put("k", "v2", { expirationTtl: 60 });
      await advance(fixture, 61_000);
      assertEquals(await kv.get("k"), null);
    },
    clock,
  ),
  c("reput", "an expired key can be written again", async (fixture) => {
    const { kv } = fixture;
    await kv.put("k", "old", { expirationTtl: 60, metadata: "old" });
    await advance(fixture, 61_000);
    assertEquals(await kv.get("k"), null);
    await kv.put("k", "new", { metadata: "new" });
    assertEquals(await kv.getWithMetadata("k"), {
      value: "new",
      metadata: "new",
      cacheStatus: null,
    });
    assertEquals((await kv.list()).keys, [{ name: "k", metadata: "new" }]);
  }, clock),
  c("delete-expired", "deleting an expired key succeeds", async (fixture) => {
    const { kv } = fixture;
    await kv.put("k", "v", { expirationTtl: 60 });
    await advance(fixture, 61_000);
    assertEquals(await kv.delete("k"), undefined);
    assertEquals(await kv.get("k"), null);
  }, clock),
  c(
    "list-fills-pages",
    "list pages hold only live keys and still paginate correctly",
    async (fixture) => {
      const { kv } = fixture;
      const live = ["a1", "a4", "a7", "a9"];
      for (let i = 0; i < 10; i++) {
        const key = `a${i}`;
        await kv.put(key, "v", live.includes(key) ? {} : { expirationTtl: 60 });
      }
      await advance(fixture, 61_000);
      const first = await kv.list({ prefix: "a", limit: 2 });
      assertEquals(first.keys.map((k) => k.name), ["a1", "a4"]);
      assertEquals(first.list_complete, false);
      const second = await kv.list({
        prefix: "a",
        limit: 2,
        cursor: first.list_complete ? undefined : first.cursor,
      });
      assertEquals(second.keys.map((k) => k.name), ["a7", "a9"]);
      assertEquals(second.list_complete, true);
      assertEquals("cursor" in second, false, "a complete page has no cursor");
    },
    clock,
  ),
  c(
    "metadata-until-expiry",
    "a key keeps its metadata until it expires",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 60;
      await kv.put("k", "v", { expirationTtl: 60, metadata: { keep: true } });
      await advance(fixture, 59_000);
      assertEquals(await kv.getWithMetadata("k"), {
        value: "v",
        metadata: { keep: true },
        cacheStatus: null,
      });
      assertEquals((await kv.list()).keys, [{
        name: "k",
        expiration,
        metadata: { keep: true },
      }]);
    },
    clock,
  ),
  c(
    "ttl-validation",
    "expirationTtl must be at least 60 after int32 coercion",
    async ({ kv }) => {
      const table: [unknown, string][] = [
        [
          0,
          "Invalid expiration_ttl of 0. Please specify integer greater than 0.",
        ],
        [
          -5,
          "Invalid expiration_ttl of -5. Please specify integer greater than 0.",
        ],
        [
          "abc",
          "Invalid expiration_ttl of 0. Please specify integer greater than 0.",
        ],
        [
          null,
          "Invalid expiration_ttl of 0. Please specify integer greater than 0.",
        ],
        [
          NaN,
          "Invalid expiration_ttl of 0. Please specify integer greater than 0.",
        ],
        [
          0.9,
          "Invalid expiration_ttl of 0. Please specify integer greater than 0.",
        ],
        [
          30,
          "Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
        ],
        [
          59.9,
          "Invalid expiration_ttl of 59. Expiration TTL must be at least 60.",
        ],
      ];
      for (const [ttl, text] of table) {
        await assertRejects(
          () => kv.put("k", "v", { expirationTtl: ttl as number }),
          "Error",
          `KV PUT failed: 400 ${text}`,
          `expirationTtl ${String(ttl)}`,
        );
      }
      assertEquals(await kv.get("k"), null, "no failed put stored anything");
      await kv.put("a", "v", { expirationTtl: 60 });
      await kv.put("b", "v", { expirationTtl: 60.9 });
      await kv.put("c", "v", { expirationTtl: "120" as never });
      const { keys } = await kv.list();
      assertEquals(keys.map((k) => k.name), ["a", "b", "c"]);
      assert(
        keys[2].expiration! - keys[0].expiration! >= 59,
        '"120" means 120 seconds',
      );
    },
  ),
  c(
    "expiration-validation",
    "expiration must be at least 60 s in the future",
    async (fixture) => {
      const { kv } = fixture;
      const now = nowSeconds(fixture);
      for (const expiration of [now - 10, now, 0, -1]) {
        await assertRejects(
          () => kv.put("k", "v", { expiration }),
          "Error",
          `KV PUT failed: 400 Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
        );
      }
      await assertRejects(
        () => kv.put("k", "v", { expiration: now + 30 }),
        "Error",
        `KV PUT failed: 400 Invalid expiration of ${
          now + 30
        }. Expiration times must be at least 60 seconds in the future.`,
      );
      await assertRejects(
        () => kv.put("k", "v", { expiration: null as never }),
        "Error",
        "KV PUT failed: 400 Invalid expiration of 0. Please specify integer greater than the current number of seconds since the UNIX epoch.",
      );
      assertEquals(await kv.get("k"), null);
      await kv.put("k", "v", { expiration: now + 61 });
      assertEquals((await kv.list()).keys, [{
        name: "k",
        expiration: now + 61,
      }]);
    },
  ),
  c(
    "expiration-boundary",
    "expiration now+60 is accepted and now+59 is not",
    async (fixture) => {
      const { kv } = fixture;
      await advance(fixture, 0);
      const now = nowSeconds(fixture);
      await assertRejects(
        () => kv.put("k", "v", { expiration: now + 59 }),
        "Error",
        `KV PUT failed: 400 Invalid expiration of ${
          now + 59
        }. Expiration times must be at least 60 seconds in the future.`,
      );
      await kv.put("k", "v", { expiration: now + 60 });
      assertEquals((await kv.list()).keys, [{
        name: "k",
        expiration: now + 60,
      }]);
    },
    clock,
  ),
  c(
    "int32",
    "expiration options are int32: milliseconds throw a TypeError",
    async (fixture) => {
      const { kv } = fixture;
      await assertRejects(
        () => kv.put("k", "v", { expiration: nowMs(fixture) }),
        "TypeError",
        RANGE,
      );
      await assertRejects(
        () => kv.put("k", "v", { expirationTtl: 2 ** 31 }),
        "TypeError",
        RANGE,
      );
      await assertRejects(
        () => kv.put("k", "v", { expiration: Infinity }),
        "Error",
        "KV PUT failed: 400 Invalid expiration of 0. Please specify integer greater than the current number of seconds since the UNIX epoch.",
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "int32-bounds",
    "expiration options take every int32, -2147483648 to 2147483647, and nothing beyond",
    async (fixture) => {
      const { kv } = fixture;
      await kv.put("max", "v", { expiration: 2147483647 });
      const before = nowSeconds(fixture);
      await kv.put("ttl-max", "v", { expirationTtl: 2147483647 });
      const after = nowSeconds(fixture);
      const [max, ttlMax] = (await kv.list()).keys;
      assertEquals(max, { name: "max", expiration: 2147483647 });
      assertEquals(ttlMax.name, "ttl-max");
      const expiration = ttlMax.expiration!;
      assert(
        expiration >= before + 2147483647 && expiration <= after + 2147483647,
        `expirationTtl 2147483647 counts from now, got ${expiration}`,
      );
      await assertRejects(
        () => kv.put("k", "v", { expiration: -2147483648 }),
        "Error",
        "KV PUT failed: 400 Invalid expiration of -2147483648. Please specify integer greater than the current number of seconds since the UNIX epoch.",
      );
      await assertRejects(
        () => kv.put("k", "v", { expirationTtl: -2147483648 }),
        "Error",
        "KV PUT failed: 400 Invalid expiration_ttl of -2147483648. Please specify integer greater than 0.",
      );
      for (const value of [2147483648, -2147483649]) {
        for (const option of ["expiration", "expirationTtl"]) {
          await assertRejects(
            () => kv.put("k", "v", { [option]: value }),
            "TypeError",
            RANGE,
            `${option}: ${value}`,
          );
        }
      }
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "failed-put-keeps-expiration",
    "a rejected put leaves the old value's expiration intact",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 3600;
      await kv.put("k", "old", { expiration });
      await assertRejects(
        () => kv.put("k", "new", { expirationTtl: 10 }),
        "Error",
        "KV PUT failed: 400 Invalid expiration_ttl of 10. Expiration TTL must be at least 60.",
      );
      assertEquals(await kv.get("k"), "old");
      assertEquals((await kv.list()).keys, [{ name: "k", expiration }]);
    },
  ),
  c(
    "reclaim-spares-live",
    "writes after some keys expire remove none that is still live, however it was rewritten",
    async (fixture) => {
      const { kv } = fixture;
      const soon = nowSeconds(fixture) + 100;
      const later = soon + 100;
      const soonKeys = Array.from({ length: 20 }, (_, i) => `soon${String(i).padStart(2, "0")}`);
      for (const key of soonKeys) await kv.put(key, "v", { expiration: soon });
      for (const key of ["later0", "later1"]) await kv.put(key, "v", { expiration: later });
      for (const key of ["cleared", "meta", "moved"]) await kv.put(key, "v", { expiration: soon });
      // The only key of its second, then rewritten without an expiration.
      await kv.put("alone", "v", { expiration: soon + 1 });
      await kv.put("alone", "v2");
      await kv.put("cleared", "v2");
      await kv.put("meta", "v2", { metadata: { m: 1 } });
      await kv.put("moved", "v2", { expiration: later + 1000 });
      await kv.put("plain", "v");
      await advance(fixture, until(fixture, soon) - 1);
      await kv.put("w0", "v");
      await kv.delete("none");
      for (const key of soonKeys) assertEquals(await kv.get(key), "v", `${key} before expiry`);
      await advance(fixture, 1001);
      for (let i = 1; i <= 4; i++) await kv.put(`w${i}`, "v");
      await kv.delete("none");
      // A key the writes reclaimed, put again before anything reads it.
      await kv.put("soon00", "again");
      assertEquals((await kv.list({ prefix: "soon" })).keys, [{ name: "soon00" }]);
      for (const key of soonKeys.slice(1)) {
        assertEquals(await kv.get(key), null, `${key} after expiry`);
      }
      const live = ["alone", "cleared", "later0", "later1", "meta", "moved", "plain", "soon00"];
      assertEquals((await kv.list()).keys, [
        { name: "alone" },
        { name: "cleared" },
        { name: "later0", expiration: later },
        { name: "later1", expiration: later },
        { name: "meta", metadata: { m: 1 } },
        { name: "moved", expiration: later + 1000 },
        { name: "plain" },
        { name: "soon00" },
        { name: "w0" },
        { name: "w1" },
        { name: "w2" },
        { name: "w3" },
        { name: "w4" },
      ]);
      for (const key of live) assert(await kv.get(key) !== null, `${key} is live`);
      await advance(fixture, until(fixture, later) + 1000);
      await kv.put("w5", "v");
      assertEquals(await kv.get("later0"), null);
      assertEquals(await kv.get("moved"), "v2");
      assertEquals(await kv.get("cleared"), "v2");
      // The last expiring key: nothing is left to reclaim after it.
      await advance(fixture, until(fixture, later + 1000) + 1000);
      await kv.put("w6", "v");
      await kv.put("w7", "v");
      assertEquals(await kv.get("moved"), null);
      assertEquals((await kv.list({ prefix: "w" })).keys.length, 8);
    },
    clock,
  ),
  c(
    "expired-read-then-write",
    "a write racing a read of an expired key is kept",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 60;
      for (const key of ["a", "b", "c"]) await kv.put(key, "old", { expiration });
      await advance(fixture, until(fixture, expiration) + 1000);
      const [single, bulk, list] = await Promise.all([
        kv.get("a"),
        kv.get(["b"]),
        kv.list(),
        kv.put("a", "new"),
        kv.put("b", "new"),
        kv.put("c", "new"),
      ]);
      assert(single === null || single === "new", `get read ${single}`);
      assert(bulk.get("b") === null || bulk.get("b") === "new", `bulk read ${bulk.get("b")}`);
      assert(list.keys.every((k) => k.expiration === undefined), "no expired key listed");
      for (const key of ["a", "b", "c"]) assertEquals(await kv.get(key), "new", key);
    },
    clock,
  ),
  c(
    "bulk-expired",
    "a bulk read of expired keys, with no write since they expired, reads them as null",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 60;
      await kv.put("a", "old", { expiration, metadata: { m: 1 } });
      await kv.put("b", "live");
      await kv.put("c", '"old"', { expiration });
      await advance(fixture, until(fixture, expiration) + 1000);
      assertEquals(
        await kv.get(["a", "b", "c"]),
        new Map([["a", null], ["b", "live"], ["c", null]]),
      );
      assertEquals(
        await kv.getWithMetadata(["c", "a"], "json"),
        new Map([["c", null], ["a", null]]),
      );
      assertEquals(await kv.get(["a", "c"]), new Map([["a", null], ["c", null]]));
    },
    clock,
  ),
];
