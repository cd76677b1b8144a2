// Cases for single-key get (spec §1.1).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { buffer, readAll } from "./_util.ts";

const c = caseBuilder("get");

const UNKNOWN_TYPE =
  'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".';

/**
 * The `get` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { getCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: getCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("get cases failed");
 * ```
 */
export const getCases: readonly ConformanceCase[] = [
  c("missing", "a missing key reads as null in every type", async ({ kv }) => {
    assertEquals(await kv.get("missing"), null);
    assertEquals(await kv.get("missing", "text"), null);
    assertEquals(await kv.get("missing", "json"), null);
    assertEquals(await kv.get("missing", "arrayBuffer"), null);
    assertEquals(await kv.get("missing", "stream"), null);
    assertEquals(await kv.get("missing", { type: "json" }), null);
  }),
  c(
    "text-default",
    "text is the default type for every option form",
    async ({ kv }) => {
      await kv.put("k", "héllo 😀");
      assertEquals(await kv.get("k"), "héllo 😀");
      assertEquals(await kv.get("k", "text"), "héllo 😀");
      assertEquals(await kv.get("k", { type: "text" }), "héllo 😀");
      assertEquals(await kv.get("k", {}), "héllo 😀");
      assertEquals(await kv.get("k", null as never), "héllo 😀");
      assertEquals(await kv.get("k", undefined), "héllo 😀");
    },
  ),
  c("json", "json parses the stored text", async ({ kv }) => {
    await kv.put(
      "k",
      JSON.stringify({ a: [1, "two", { three: true }], b: null }),
    );
    assertEquals(await kv.get("k", "json"), {
      a: [1, "two", { three: true }],
      b: null,
    });
    assertEquals(await kv.get("k", { type: "json" }), {
      a: [1, "two", { three: true }],
      b: null,
    });
    await kv.put("n", "42");
    assertEquals(await kv.get("n", "json"), 42);
  }),
  c("json-null", "a stored JSON null reads as null", async ({ kv }) => {
    await kv.put("k", "null");
    assertEquals(await kv.get("k", "json"), null);
    assertEquals(await kv.get("k"), "null");
  }),
  c(
    "json-invalid",
    "json on a non-JSON value rejects with a SyntaxError",
    async ({ kv }) => {
      await kv.put("k", "not json");
      await assertRejects(() => kv.get("k", "json"), "SyntaxError");
      assertEquals(
        await kv.get("k"),
        "not json",
        "the value survives the failed read",
      );
    },
  ),
  c(
    "json-empty",
    "json on an empty value rejects with a SyntaxError",
    async ({ kv }) => {
      await kv.put("k", "");
      await assertRejects(() => kv.get("k", "json"), "SyntaxError");
    },
  ),
  c(
    "array-buffer",
    "arrayBuffer returns the exact bytes as an ArrayBuffer",
    async ({ kv }) => {
      const bytes = [0, 1, 2, 127, 128, 254, 255];
      await kv.put("k", buffer(bytes));
      const value = await kv.get("k", "arrayBuffer");
      assert(value instanceof ArrayBuffer, "expected an ArrayBuffer");
      assertEquals(new Uint8Array(value), new Uint8Array(bytes));
      const viaOptions = await kv.get("k", { type: "arrayBuffer" });
      assertEquals(new Uint8Array(viaOptions!), new Uint8Array(bytes));
    },
  ),
  c(
    "stream",
    "stream returns a ReadableStream of the exact bytes",
    async ({ kv }) => {
      await kv.put("k", "streamed ✓");
      const stream = await kv.get("k", "stream");
      assert(
        stream !== null && typeof stream.getReader === "function",
        "expected a stream",
      );
      assertEquals(
        new TextDecoder().decode(
          await readAll(stream as ReadableStream<Uint8Array>),
        ),
        "streamed ✓",
      );
    },
  ),
  c(
    "empty-value",
    "an empty value reads as empty, not null",
    async ({ kv }) => {
      await kv.put("k", "");
      assertEquals(await kv.get("k"), "");
      const bytes = await kv.get("k", "arrayBuffer");
      assert(bytes instanceof ArrayBuffer, "expected an ArrayBuffer");
      assertEquals(bytes.byteLength, 0);
      const stream = await kv.get("k", "stream");
      assert(stream !== null, "expected a stream, not null");
      assertEquals(
        (await readAll(stream as ReadableStream<Uint8Array>)).byteLength,
        0,
      );
    },
  ),
  c(
    "invalid-utf8",
    "text decodes invalid UTF-8 bytes as U+FFFD",
    async ({ kv }) => {
      await kv.put("k", buffer([0x61, 0xff, 0x62, 0xc3]));
      assertEquals(await kv.get("k"), "a\uFFFDb\uFFFD");
      assertEquals(
        new Uint8Array((await kv.get("k", "arrayBuffer"))!),
        new Uint8Array([
          0x61,
          0xff,
          0x62,
          0xc3,
        ]),
      );
    },
  ),
  c("bom", "text keeps a leading byte-order mark", async ({ kv }) => {
    await kv.put("k", buffer([0xef, 0xbb, 0xbf, 0x61]));
    assertEquals(await kv.get("k"), "\uFEFFa");
  }),
  c(
    "key-coercion",
    "non-string keys are converted with String()",
    async ({ kv }) => {
      await kv.put(123 as never, "number");
      await kv.put(null as never, "null");
      assertEquals(await kv.get("123"), "number");
      assertEquals(await kv.get(123 as never), "number");
      assertEquals(await kv.get("null"), "null");
      assertEquals(
        await kv.get(undefined as never),
        null,
        'undefined reads the key "undefined"',
      );
      await kv.put("undefined", "u");
      assertEquals(await kv.get(undefined as never), "u");
    },
  ),
  c(
    "unknown-type",
    "an unknown type rejects with a TypeError when the key exists",
    async ({ kv }) => {
      await kv.put("k", "v");
      await assertRejects(
        () => kv.get("k", "bogus" as never),
        "TypeError",
        UNKNOWN_TYPE,
      );
      await assertRejects(
        () => kv.get("k", { type: "TEXT" } as never),
        "TypeError",
        UNKNOWN_TYPE,
      );
      await assertRejects(
        () => kv.getWithMetadata("k", "blob" as never),
        "TypeError",
        UNKNOWN_TYPE,
      );
    },
  ),
  c(
    "unknown-type-missing",
    "an unknown type on a missing key resolves null",
    async ({ kv }) => {
      assertEquals(await kv.get("missing", "bogus" as never), null);
    },
  ),
  c(
    "no-arguments",
    "get() with no argument rejects with a TypeError",
    async ({ kv }) => {
      await assertRejects(
        () => (kv.get as () => Promise<unknown>)(),
        "TypeError",
        "Failed to execute 'get' on 'KvNamespace': parameter 1 is not of type 'string or Array'.",
      );
    },
  ),
  c(
    "independent-copies",
    "a returned ArrayBuffer is the caller's own copy",
    async ({ kv }) => {
      await kv.put("k", buffer([1, 2, 3]));
      const first = await kv.get("k", "arrayBuffer");
      new Uint8Array(first!).fill(9);
      assertEquals(
        new Uint8Array((await kv.get("k", "arrayBuffer"))!),
        new Uint8Array([1, 2, 3]),
      );
    },
  ),
  c(
    "cache-ttl",
    "a cacheTtl of 30 or more is accepted and changes nothing",
    async ({ kv }) => {
      await kv.put("k", "v");
      assertEquals(await kv.get("k", { type: "text", cacheTtl: 30 }), "v");
      assertEquals(await kv.get("k", { type: "text", cacheTtl: 30.9 }), "v");
      assertEquals(
        await kv.get("k", { type: "text", cacheTtl: "45" as never }),
        "v",
      );
      assertEquals(await kv.get("k", { cacheTtl: 3600 } as never), "v");
    },
  ),
  c("unusual-keys", "any other string is a valid key", async ({ kv }) => {
    const keys = [
      "...",
      "/",
      "?",
      "#",
      "%",
      " ",
      "\n",
      "\u0000x",
      "a/b?c=d#e",
      "😀",
      "é",
      "\uFFFF",
    ];
    for (const key of keys) await kv.put(key, `v${key}`);
    for (const key of keys) {
      assertEquals(await kv.get(key), `v${key}`, `key ${JSON.stringify(key)}`);
    }
  }),
  c("case-sensitive", "keys are case-sensitive", async ({ kv }) => {
    await kv.put("Key", "upper");
    await kv.put("key", "lower");
    assertEquals(await kv.get("Key"), "upper");
    assertEquals(await kv.get("key"), "lower");
    assertEquals(await kv.get("KEY"), null);
  }),
  c("max-key", "a key of exactly 512 UTF-8 bytes works", async ({ kv }) => {
    const ascii = "k".repeat(512);
    const mixed = "é".repeat(256); // 512 bytes in 256 characters
    await kv.put(ascii, "a");
    await kv.put(mixed, "b");
    assertEquals(await kv.get(ascii), "a");
    assertEquals(await kv.get(mixed), "b");
    await kv.delete(ascii);
    assertEquals(await kv.get(ascii), null);
  }),
  c(
    "delete",
    "delete removes a key, and deleting a missing key succeeds",
    async ({ kv }) => {
      await kv.put("k", "v");
      assertEquals(await kv.delete("k"), undefined);
      assertEquals(await kv.get("k"), null);
      assertEquals(await kv.delete("never-there"), undefined);
      assertEquals((await kv.list()).keys, []);
    },
  ),
  c("json-from-bytes", "json parses a value that was put as bytes", async ({ kv }) => {
    await kv.put("k", new TextEncoder().encode('[1,"\u00e9"]'));
    assertEquals(await kv.get("k", "json"), [1, "\u00e9"]);
    assertEquals(await kv.getWithMetadata("k", { type: "json" }), {
      value: [1, "\u00e9"],
      metadata: null,
      cacheStatus: null,
    });
  }),
];
