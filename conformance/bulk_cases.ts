// Cases for bulk get and bulk getWithMetadata (spec §1.2, §1.4, §2.3).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { assertEquals, assertRejects } from "./_assert.ts";
import { buffer, MiB, putAll } from "./_util.ts";

const c = caseBuilder("bulk");

const BULK = "KV GET_BULK failed:";

/**
 * The `bulk` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { bulkCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: bulkCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("bulk cases failed");
 * ```
 */
export const bulkCases: readonly ConformanceCase[] = [
  c(
    "text",
    "bulk get returns a Map in request order, null for missing keys",
    async ({ kv }) => {
      await putAll(kv, ["a", "b", "c"]);
      const result = await kv.get(["c", "missing", "a"]);
      assertEquals(
        result,
        new Map([["c", "v:c"], ["missing", null], ["a", "v:a"]]),
      );
      assertEquals(await kv.get(["b"], "text"), new Map([["b", "v:b"]]));
      assertEquals(
        await kv.get(["b"], { type: "text" }),
        new Map([["b", "v:b"]]),
      );
    },
  ),
  c("json", "bulk get with json parses every value", async ({ kv }) => {
    await kv.put("a", '{"x":1}');
    await kv.put("b", "[1,2]");
    await kv.put("n", "null");
    assertEquals(
      await kv.get(["a", "b", "n", "missing"], "json"),
      new Map<string, unknown>([["a", { x: 1 }], ["b", [1, 2]], ["n", null], [
        "missing",
        null,
      ]]),
    );
    assertEquals(
      await kv.get(["b"], { type: "json" }),
      new Map([["b", [1, 2]]]),
    );
  }),
  c(
    "json-invalid",
    "bulk json fails when any value is not JSON",
    async ({ kv }) => {
      await kv.put("good", "1");
      await kv.put("bad", "not json");
      await assertRejects(
        () => kv.get(["good", "bad"], "json"),
        "Error",
        `${BULK} 400 At least one of the requested keys corresponds to a non-json value`,
      );
      await kv.put("empty", "");
      await assertRejects(
        () => kv.get(["empty"], "json"),
        "Error",
        `${BULK} 400 At least one of the requested keys corresponds to a non-json value`,
      );
    },
  ),
  c(
    "sparse-keys",
    'holes in a bulk key array read the key "undefined", as any argument converts',
    async ({ kv }) => {
      await kv.put("b", "B");
      // deno-lint-ignore no-sparse-arrays
      const sparse = [, "b"] as unknown as string[];
      assertEquals([...await kv.get(sparse)], [["undefined", null], ["b", "B"]]);
      assertEquals([...await kv.get(new Array(2) as string[])], [["undefined", null]]);
      await kv.put("undefined", "U");
      assertEquals(
        [...await kv.getWithMetadata(sparse)],
        [["undefined", { value: "U", metadata: null }], ["b", { value: "B", metadata: null }]],
      );
    },
  ),
  c("types", "bulk get accepts only text and json", async ({ kv }) => {
    await kv.put("a", "1");
    for (const type of ["arrayBuffer", "stream", "bogus"]) {
      await assertRejects(
        () => kv.get(["a"], type as never),
        "Error",
        `${BULK} 400 "${type}" is not a valid type. Use "json" or "text"`,
      );
    }
    await assertRejects(
      () => kv.getWithMetadata(["a"], { type: "arrayBuffer" } as never),
      "Error",
      `${BULK} 400 "arrayBuffer" is not a valid type. Use "json" or "text"`,
    );
  }),
  c("count", "bulk get takes 1 to 100 keys", async ({ kv }) => {
    await assertRejects(
      () => kv.get([]),
      "Error",
      `${BULK} 400 You must request a minimum of 1 key`,
    );
    const keys = Array.from({ length: 101 }, (_, i) => `k${i}`);
    await assertRejects(
      () => kv.get(keys),
      "Error",
      `${BULK} 400 You can request a maximum of 100 keys`,
    );
    await kv.put("k99", "last");
    const result = await kv.get(keys.slice(0, 100));
    assertEquals(result.size, 100);
    assertEquals(result.get("k99"), "last");
    assertEquals(result.get("k0"), null);
  }),
  c(
    "check-order",
    "the type is checked before the key count",
    async ({ kv }) => {
      const keys = Array.from({ length: 101 }, (_, i) => `k${i}`);
      await assertRejects(
        () => kv.get(keys, "arrayBuffer" as never),
        "Error",
        `${BULK} 400 "arrayBuffer" is not a valid type. Use "json" or "text"`,
      );
    },
  ),
  c(
    "integer-keys",
    "integer-like keys are returned like any other",
    async ({ kv }) => {
      await putAll(kv, ["0", "1", "42", "a"]);
      assertEquals(
        await kv.get(["a", "42", "0", "1", "7"]),
        new Map([["a", "v:a"], ["42", "v:42"], ["0", "v:0"], ["1", "v:1"], [
          "7",
          null,
        ]]),
      );
    },
  ),
  c(
    "proto-key",
    "a key named __proto__ is returned like any other",
    async ({ kv }) => {
      await kv.put("__proto__", "p");
      await kv.put("constructor", "c");
      assertEquals(
        await kv.get(["__proto__", "constructor"]),
        new Map([["__proto__", "p"], ["constructor", "c"]]),
      );
    },
  ),
  c(
    "duplicates",
    "duplicate keys collapse into one entry at the first position",
    async ({ kv }) => {
      await putAll(kv, ["a", "b"]);
      assertEquals(
        await kv.get(["b", "a", "b", "a"]),
        new Map([["b", "v:b"], ["a", "v:a"]]),
      );
    },
  ),
  c("key-coercion", "bulk keys are converted with String()", async ({ kv }) => {
    await putAll(kv, ["null", "5"]);
    assertEquals(
      await kv.get([null, 5] as never as string[]),
      new Map([["null", "v:null"], ["5", "v:5"]]),
    );
  }),
  c(
    "binary-as-text",
    "bulk get decodes binary values as UTF-8 text",
    async ({ kv }) => {
      await kv.put("bin", buffer([0x68, 0x69, 0xff]));
      assertEquals(await kv.get(["bin"]), new Map([["bin", "hi\uFFFD"]]));
    },
  ),
  c(
    "with-metadata",
    "bulk getWithMetadata returns {value, metadata} or null",
    async ({ kv }) => {
      await kv.put("a", "1", { metadata: { m: "a" } });
      await kv.put("b", "2");
      assertEquals(
        await kv.getWithMetadata(["a", "b", "missing"]),
        new Map<string, unknown>([
          ["a", { value: "1", metadata: { m: "a" } }],
          ["b", { value: "2", metadata: null }],
          ["missing", null],
        ]),
      );
      assertEquals(
        await kv.getWithMetadata(["a"], "json"),
        new Map([["a", { value: 1, metadata: { m: "a" } }]]),
      );
    },
  ),
  c(
    "with-metadata-falsy",
    "bulk getWithMetadata wraps falsy values too",
    async ({ kv }) => {
      await kv.put("empty", "", { metadata: 1 });
      await kv.put("zero", "0");
      await kv.put("false", "false");
      assertEquals(
        await kv.getWithMetadata(["empty"]),
        new Map([["empty", { value: "", metadata: 1 }]]),
      );
      assertEquals(
        await kv.getWithMetadata(["zero", "false"], "json"),
        new Map<string, unknown>([
          ["zero", { value: 0, metadata: null }],
          ["false", { value: false, metadata: null }],
        ]),
      );
    },
  ),
  c(
    "with-metadata-json-null",
    "a stored JSON null maps to null in bulk json reads",
    async ({ kv }) => {
      await kv.put("n", "null", { metadata: "m" });
      assertEquals(
        await kv.getWithMetadata(["n"], "json"),
        new Map([["n", null]]),
      );
    },
  ),
  c(
    "key-validation",
    "bulk keys are validated with the backend's messages",
    async ({ kv }) => {
      await kv.put("ok", "1");
      const table: [string, string][] = [
        ["", "400 Key names must not be empty"],
        [".", '400 Illegal key name ".". Please use a different name.'],
        ["..", '400 Illegal key name "..". Please use a different name.'],
        [
          "x".repeat(513),
          "414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
        ],
        [
          "é".repeat(257),
          "414 UTF-8 encoded length of 514 exceeds key length limit of 512.",
        ],
      ];
      for (const [key, text] of table) {
        await assertRejects(
          () => kv.get(["ok", key]),
          "Error",
          `${BULK} ${text}`,
          `key ${key.slice(0, 5)}`,
        );
      }
      assertEquals(
        await kv.get(["ok", "..."]),
        new Map([["ok", "1"], ["...", null]]),
      );
    },
  ),
  c(
    "value-error-first",
    "a non-JSON value before an invalid key is reported first",
    async ({ kv }) => {
      await kv.put("text", "not json");
      await assertRejects(
        () => kv.get(["text", ""], "json"),
        "Error",
        `${BULK} 400 At least one of the requested keys corresponds to a non-json value`,
      );
      await assertRejects(
        () => kv.get(["", "text"], "json"),
        "Error",
        `${BULK} 400 Key names must not be empty`,
      );
    },
  ),
  c("cache-ttl", "bulk cacheTtl must be at least 30", async ({ kv }) => {
    await kv.put("a", "1");
    await assertRejects(
      () => kv.get(["a"], { type: "text", cacheTtl: 10 }),
      "Error",
      `${BULK} 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.`,
    );
    assertEquals(
      await kv.get(["a"], { type: "text", cacheTtl: 30 }),
      new Map([["a", "1"]]),
    );
  }),
  c("total-size", "bulk reads fail past 25 MiB in total", async ({ kv }) => {
    const twelve = "x".repeat(12 * MiB);
    await kv.put("a", twelve);
    await kv.put("b", twelve);
    const ok = await kv.get(["a", "b"]);
    assertEquals([ok.get("a")?.length, ok.get("b")?.length], [
      12 * MiB,
      12 * MiB,
    ]);
    await kv.put("c", "x".repeat(2 * MiB));
    await assertRejects(
      () => kv.get(["a", "b", "c"]),
      "Error",
      `${BULK} 413 Total size of request exceeds the limit of 25MB`,
    );
  }, ["large"]),
  c(
    "text-decoding",
    "bulk reads drop a leading BOM, read a padded null as null, and carry numbers as JSON does",
    async ({ kv }) => {
      await kv.put("bom", "\uFEFFhi");
      await kv.put("null", " null ");
      await kv.put("numbers", "[-0, 1e400, 2]");
      assertEquals(await kv.get("bom"), "\uFEFFhi");
      assertEquals(await kv.get(["bom"]), new Map([["bom", "hi"]]));
      assertEquals(await kv.get(["null"], "json"), new Map([["null", null]]));
      assertEquals(await kv.getWithMetadata(["null"], "json"), new Map([["null", null]]));
      const numbers = (await kv.get(["numbers"], "json")).get("numbers") as number[];
      assertEquals(numbers, [0, null, 2]);
      assertEquals(Object.is(numbers[0], 0), true, "-0 reads as 0");
      const single = await kv.get<number[]>("numbers", "json");
      assertEquals(Object.is(single![0], -0), true, "a single-key read keeps -0");
    },
  ),
  c(
    "type-option",
    'a bulk read takes "" as text, names any other type in its error, and as text fails on a bad key unread',
    async ({ kv }) => {
      await kv.put("a", "not json");
      assertEquals(
        await kv.get(["a", "nope"], "" as never),
        new Map([["a", "not json"], ["nope", null]]),
      );
      assertEquals(await kv.get(["a"], { type: "" } as never), new Map([["a", "not json"]]));
      await assertRejects(
        () => kv.get(["a"], 5 as never),
        "Error",
        `${BULK} 400 "5" is not a valid type. Use "json" or "text"`,
      );
      await assertRejects(
        () => kv.get(["a", ""], { type: "text" }),
        "Error",
        `${BULK} 400 Key names must not be empty`,
      );
    },
  ),
];
