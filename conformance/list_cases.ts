// Cases for list: prefixes, limits, pages and cursors (spec §1.7, §2.5, §3).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { listAll, nowSeconds, putAll } from "./_util.ts";

const c = caseBuilder("list");

const names = (keys: { name: string }[]) => keys.map((k) => k.name);

/**
 * The `list` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { listCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: listCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("list cases failed");
 * ```
 */
export const listCases: readonly ConformanceCase[] = [
  c(
    "empty",
    "an empty namespace lists as one complete page with no cursor",
    async ({ kv }) => {
      const result = await kv.list();
      assertEquals(result, {
        keys: [],
        list_complete: true,
        cacheStatus: null,
      });
      assertEquals(Object.keys(result), [
        "keys",
        "list_complete",
        "cacheStatus",
      ]);
    },
  ),
  c(
    "all-sorted",
    "list returns every key, sorted, without values",
    async ({ kv }) => {
      await putAll(kv, ["b", "a", "c/1", "c", "a0"]);
      assertEquals(await kv.list(), {
        keys: [{ name: "a" }, { name: "a0" }, { name: "b" }, { name: "c" }, {
          name: "c/1",
        }],
        list_complete: true,
        cacheStatus: null,
      });
    },
  ),
  c(
    "prefix",
    "prefix is a plain, case-sensitive string prefix",
    async ({ kv }) => {
      await putAll(kv, [
        "user:1",
        "user:2",
        "user",
        "users",
        "User:3",
        "team:1",
      ]);
      assertEquals(names((await kv.list({ prefix: "user:" })).keys), [
        "user:1",
        "user:2",
      ]);
      assertEquals(names((await kv.list({ prefix: "user" })).keys), [
        "user",
        "user:1",
        "user:2",
        "users",
      ]);
      assertEquals(names((await kv.list({ prefix: "nope" })).keys), []);
    },
  ),
  c(
    "prefix-literal",
    "prefix characters %, _ and \\ are literal, not wildcards",
    async ({ kv }) => {
      await putAll(kv, ["a%b", "axb", "a_b", "ayb", "a\\b", "a\\\\b"]);
      assertEquals(names((await kv.list({ prefix: "a%" })).keys), ["a%b"]);
      assertEquals(names((await kv.list({ prefix: "a_" })).keys), ["a_b"]);
      assertEquals(names((await kv.list({ prefix: "a\\" })).keys), [
        "a\\\\b",
        "a\\b",
      ]);
    },
  ),
  c("prefix-all", "an empty or null prefix lists every key", async ({ kv }) => {
    await putAll(kv, ["x", "y"]);
    assertEquals(names((await kv.list({ prefix: "" })).keys), ["x", "y"]);
    assertEquals(names((await kv.list({ prefix: null })).keys), ["x", "y"]);
    assertEquals(names((await kv.list({})).keys), ["x", "y"]);
    assertEquals(names((await kv.list(null as never)).keys), ["x", "y"]);
  }),
  c(
    "prefix-coercion",
    "a non-string prefix is converted with String()",
    async ({ kv }) => {
      await putAll(kv, ["5a", "6a", "truex"]);
      assertEquals(names((await kv.list({ prefix: 5 as never })).keys), ["5a"]);
      assertEquals(names((await kv.list({ prefix: true as never })).keys), [
        "truex",
      ]);
    },
  ),
  c(
    "pages",
    "limit splits the listing into pages linked by cursors",
    async ({ kv }) => {
      await putAll(kv, ["k1", "k2", "k3", "k4", "k5"]);
      const first = await kv.list({ limit: 2 });
      assertEquals(names(first.keys), ["k1", "k2"]);
      assert(!first.list_complete, "the first page is incomplete");
      assertEquals(typeof first.cursor, "string");
      assertEquals(Object.keys(first), [
        "keys",
        "list_complete",
        "cursor",
        "cacheStatus",
      ]);
      const second = await kv.list({ limit: 2, cursor: first.cursor });
      assertEquals(names(second.keys), ["k3", "k4"]);
      assert(!second.list_complete, "the second page is incomplete");
      const third = await kv.list({ limit: 2, cursor: second.cursor });
      assertEquals(third, {
        keys: [{ name: "k5" }],
        list_complete: true,
        cacheStatus: null,
      });
    },
  ),
  c(
    "exact-limit",
    "when exactly limit keys remain, the page is complete",
    async ({ kv }) => {
      await putAll(kv, ["a", "b", "c"]);
      const page = await kv.list({ limit: 3 });
      assertEquals(page, {
        keys: [{ name: "a" }, { name: "b" }, { name: "c" }],
        list_complete: true,
        cacheStatus: null,
      });
      const first = await kv.list({ limit: 2 });
      assert(!first.list_complete, "2 of 3 is incomplete");
      const rest = await kv.list({ limit: 1, cursor: first.cursor });
      assertEquals(rest, {
        keys: [{ name: "c" }],
        list_complete: true,
        cacheStatus: null,
      });
    },
  ),
  c(
    "default-limit",
    "the default limit, and any limit <= 0, is 1000",
    async ({ kv }) => {
      const keys = Array.from(
        { length: 1001 },
        (_, i) => `k${String(i).padStart(4, "0")}`,
      );
      await putAll(kv, keys, () => "");
      for (const limit of [undefined, 0, -1, NaN, null]) {
        const page = await kv.list({ limit: limit as number });
        assertEquals(page.keys.length, 1000, `limit ${limit}`);
        assert(
          !page.list_complete,
          `limit ${limit} leaves one key for the next page`,
        );
        const rest = await kv.list({
          limit: limit as number,
          cursor: page.cursor,
        });
        assertEquals(names(rest.keys), ["k1000"]);
      }
      const all = await kv.list({ limit: 1000 });
      assertEquals(all.keys.length, 1000);
    },
  ),
  c(
    "limit-coercion",
    "limit is truncated and numeric strings are accepted",
    async ({ kv }) => {
      await putAll(kv, ["a", "b", "c", "d", "e"]);
      assertEquals(names((await kv.list({ limit: 2.9 })).keys), ["a", "b"]);
      assertEquals(names((await kv.list({ limit: "3" as never })).keys), [
        "a",
        "b",
        "c",
      ]);
    },
  ),
  c(
    "entry-shape",
    "entries are {name, expiration?, metadata?} in that order",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = nowSeconds(fixture) + 7 * 86400;
      await kv.put("a", "1");
      await kv.put("b", "2", { metadata: { m: 1 } });
      await kv.put("c", "3", { expiration: expiration, metadata: "x" });
      const { keys } = await kv.list();
      assertEquals(Object.keys(keys[0]), ["name"]);
      assertEquals(Object.keys(keys[1]), ["name", "metadata"]);
      assertEquals(Object.keys(keys[2]), ["name", "expiration", "metadata"]);
      assertEquals(keys[1].metadata, { m: 1 });
      assertEquals(keys[2].expiration, expiration);
    },
  ),
  c("cache-status", "every page has cacheStatus null", async ({ kv }) => {
    await putAll(kv, ["a", "b"]);
    const first = await kv.list({ limit: 1 });
    assertEquals(first.cacheStatus, null);
    assert(!first.list_complete, "incomplete");
    assertEquals((await kv.list({ cursor: first.cursor })).cacheStatus, null);
  }),
  c(
    "insert-after-cursor",
    "keys inserted ahead of the cursor are seen, behind it not",
    async ({ kv }) => {
      await putAll(kv, ["key1", "key3", "key5"]);
      const first = await kv.list({ limit: 2 });
      assertEquals(names(first.keys), ["key1", "key3"]);
      assert(!first.list_complete, "incomplete");
      await putAll(kv, ["key2", "key4"]);
      const second = await kv.list({ limit: 2, cursor: first.cursor });
      assertEquals(names(second.keys), ["key4", "key5"]);
    },
  ),
  c(
    "deleted-cursor-key",
    "a cursor still works after its last key is deleted",
    async ({ kv }) => {
      await putAll(kv, ["a", "b", "c", "d"]);
      const first = await kv.list({ limit: 2 });
      assert(!first.list_complete, "incomplete");
      await kv.delete("b");
      const second = await kv.list({ limit: 2, cursor: first.cursor });
      assertEquals(names(second.keys), ["c", "d"]);
    },
  ),
  c("limit-changes", "the limit may change between pages", async ({ kv }) => {
    await putAll(kv, ["a", "b", "c", "d", "e", "f"]);
    const first = await kv.list({ limit: 1 });
    assert(!first.list_complete, "incomplete");
    const second = await kv.list({ limit: 3, cursor: first.cursor });
    assertEquals(names(second.keys), ["b", "c", "d"]);
    assert(!second.list_complete, "incomplete");
    const third = await kv.list({ limit: 1000, cursor: second.cursor });
    assertEquals(names(third.keys), ["e", "f"]);
    assertEquals(third.list_complete, true);
  }),
  c("prefix-pages", "pages under a prefix stay inside it", async ({ kv }) => {
    await putAll(kv, ["a1", "b1", "b2", "b3", "b4", "c1"]);
    assertEquals(await listAll(kv, { prefix: "b", limit: 1 }), [
      "b1",
      "b2",
      "b3",
      "b4",
    ]);
    assertEquals(await listAll(kv, { prefix: "b", limit: 3 }), [
      "b1",
      "b2",
      "b3",
      "b4",
    ]);
  }),
  c(
    "prefix-equals-key",
    "a 512-byte prefix equal to a whole key matches that key",
    async ({ kv }) => {
      const key = "p".repeat(512);
      await kv.put(key, "v");
      await kv.put("p".repeat(511), "shorter");
      assertEquals(names((await kv.list({ prefix: key })).keys), [key]);
    },
  ),
  c(
    "cursor-empty-means-start",
    'a cursor of "" or null starts from the beginning',
    async ({ kv }) => {
      await putAll(kv, ["a", "b"]);
      assertEquals(names((await kv.list({ cursor: "" })).keys), ["a", "b"]);
      assertEquals(names((await kv.list({ cursor: null })).keys), ["a", "b"]);
    },
  ),
  c(
    "forged-cursor",
    "a garbage cursor never returns keys outside the prefix",
    async ({ kv }) => {
      await putAll(kv, ["in/1", "in/2", "out/1", "zz"]);
      for (
        const cursor of [
          "garbage!!",
          "AAAA",
          "azEwMDI=",
          "x".repeat(2000),
          "////",
        ]
      ) {
        let result;
        try {
          result = await kv.list({ prefix: "in/", cursor });
        } catch {
          continue; // a clear error is acceptable
        }
        for (const key of result.keys) {
          assert(
            key.name.startsWith("in/"),
            `cursor ${cursor} leaked ${key.name}`,
          );
        }
      }
    },
  ),
  c(
    "foreign-cursor",
    "a cursor from another prefix never returns keys outside the new prefix",
    async ({ kv }) => {
      await putAll(kv, ["a/1", "a/2", "a/3", "b/1", "b/2", "c/1"]);
      const page = await kv.list({ prefix: "a/", limit: 1 });
      assert(!page.list_complete, "incomplete");
      for (const prefix of ["b/", "c/", "a/1", "zzz"]) {
        let result;
        try {
          result = await kv.list({ prefix, cursor: page.cursor });
        } catch {
          continue;
        }
        for (const key of result.keys) {
          assert(
            key.name.startsWith(prefix),
            `prefix ${prefix} got ${key.name}`,
          );
        }
      }
    },
  ),
  c(
    "options-type",
    "non-object list options reject with a TypeError",
    async ({ kv }) => {
      for (const options of ["x", 5, true]) {
        await assertRejects(
          () => kv.list(options as never),
          "TypeError",
          "Failed to execute 'list' on 'KvNamespace': parameter 1 is not of type 'ListOptions'.",
        );
      }
    },
  ),
  c(
    "bom-key",
    "a key starting with U+FEFF lists under its own name, which reads it back",
    async ({ kv }) => {
      await kv.put("\uFEFFbom", "with");
      await kv.put("bom", "without");
      const { keys } = await kv.list();
      assertEquals(names(keys), ["bom", "\uFEFFbom"]);
      assertEquals(await kv.get(keys[1].name), "with");
      assertEquals(names((await kv.list({ prefix: "\uFEFF" })).keys), ["\uFEFFbom"]);
    },
  ),
  c("deleted-keys", "deleted keys leave the listing", async ({ kv }) => {
    await putAll(kv, ["a", "b", "c"]);
    await kv.delete("b");
    assertEquals(names((await kv.list()).keys), ["a", "c"]);
  }),
  c(
    "walk-many",
    "following cursors visits every key exactly once, in order",
    async ({ kv }) => {
      const keys = Array.from(
        { length: 250 },
        (_, i) => `item/${String(i * 7 % 250).padStart(3, "0")}`,
      );
      await putAll(kv, keys);
      const sorted = [...new Set(keys)].sort();
      assertEquals(await listAll(kv, { prefix: "item/", limit: 7 }), sorted);
      assertEquals(await listAll(kv, { limit: 100 }), sorted);
    },
  ),
  c(
    "many-keys",
    "thousands of keys put out of order, then a range deleted, list in order with their metadata",
    async ({ kv }) => {
      const name = (i: number) => `k${String(i).padStart(4, "0")}`;
      const all = Array.from({ length: 2600 }, (_, i) => i);
      // Every 7th key has metadata; the order of puts is a fixed shuffle.
      const put = (i: number) =>
        i % 7 === 0 ? kv.put(name(i), "v", { metadata: { i } }) : kv.put(name(i), "v");
      const shuffled = all.map((i) => (i * 1597) % 2600);
      for (let i = 0; i < shuffled.length; i += 50) {
        await Promise.all(shuffled.slice(i, i + 50).map(put));
      }
      const entry = (i: number) =>
        i % 7 === 0 ? { name: name(i), metadata: { i } } : { name: name(i) };
      const listEntries = async (prefix = "") => {
        const out: unknown[] = [];
        let cursor: string | undefined;
        do {
          const page = await kv.list({ prefix, cursor });
          out.push(...page.keys);
          cursor = page.list_complete ? undefined : page.cursor;
        } while (cursor !== undefined);
        return out;
      };
      assertEquals(await listEntries(), all.map(entry));
      const gone = (i: number) => i >= 500 && i < 2100 && i % 50 !== 0;
      for (let i = 0; i < 2600; i += 50) {
        await Promise.all(all.slice(i, i + 50).filter(gone).map((i) => kv.delete(name(i))));
      }
      const left = all.filter((i) => !gone(i));
      assertEquals(await listEntries(), left.map(entry));
      assertEquals(await listEntries("k1"), left.filter((i) => i >= 1000 && i < 2000).map(entry));
      assertEquals(
        names((await kv.list({ prefix: "k2", limit: 3 })).keys),
        [name(2000), name(2050), name(2100)],
      );
    },
  ),
  c(
    "cursor-edge-keys",
    "cursors continue exactly after keys that start with a BOM or end with NUL",
    async ({ kv }) => {
      const keys = ["a", "a\u0000", "a\u0000b", "b", "\uFEFFa", "\uFEFFb"];
      for (const key of keys) await kv.put(key, "v");
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const result = await kv.list({ limit: 1, cursor });
        seen.push(...names(result.keys));
        if (result.list_complete) break;
        cursor = result.cursor;
      }
      assertEquals(seen, keys);
    },
  ),
  c(
    "neighbours-keep-their-metadata",
    "inserting or deleting a key never moves metadata to its neighbours, and a prefix ends where it ends",
    async ({ kv }) => {
      await kv.put("b", "v");
      await kv.put("a", "v", { metadata: { n: 1 } });
      assertEquals((await kv.list()).keys, [{ name: "a", metadata: { n: 1 } }, { name: "b" }]);
      await kv.put("c", "v", { metadata: { n: 3 } });
      await kv.delete("a");
      assertEquals((await kv.list()).keys, [{ name: "b" }, { name: "c", metadata: { n: 3 } }]);
      // A key after the prefix's range that ends with the prefix is not in it.
      await kv.put("x:1", "v");
      await kv.put("x:2", "v");
      await kv.put("yx:", "v");
      assertEquals(names((await kv.list({ prefix: "x:" })).keys), ["x:1", "x:2"]);
    },
  ),
];
