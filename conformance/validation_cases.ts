// Cases for key names, option coercion and argument errors (spec §2).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { assertEquals, assertRejects } from "./_assert.ts";
import type { KvNamespace } from "../types.ts";

const c = caseBuilder("validation");

const RANGE = "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).";

/** The single-key operations, each with the name Workers puts in errors. */
function operations(
  kv: KvNamespace,
): [string, (key: string) => Promise<unknown>][] {
  return [
    ["GET", (key) => kv.get(key)],
    ["GET", (key) => kv.getWithMetadata(key)],
    ["PUT", (key) => kv.put(key, "v")],
    ["DELETE", (key) => kv.delete(key)],
  ];
}

/** The namespace holds only what the case put there. */
async function assertUntouched(
  kv: KvNamespace,
  expected: string[] = [],
): Promise<void> {
  assertEquals(
    (await kv.list()).keys.map((k) => k.name),
    expected,
    "nothing was stored",
  );
}

/**
 * The `validation` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { validationCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: validationCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("validation cases failed");
 * ```
 */
export const validationCases: readonly ConformanceCase[] = [
  c("empty-key", "an empty key rejects with a TypeError", async ({ kv }) => {
    for (const [op, call] of operations(kv)) {
      await assertRejects(
        () => call(""),
        "TypeError",
        "Key name cannot be empty.",
        op,
      );
    }
    await assertUntouched(kv);
  }),
  c("dot-keys", "the keys . and .. reject with a TypeError", async ({ kv }) => {
    for (const [op, call] of operations(kv)) {
      for (const key of [".", ".."]) {
        await assertRejects(
          () => call(key),
          "TypeError",
          `"${key}" is not allowed as a key name.`,
          `${op} ${key}`,
        );
      }
    }
    await kv.put("...", "three dots are fine");
    await assertUntouched(kv, ["..."]);
  }),
  c(
    "key-too-long",
    "a key over 512 UTF-8 bytes fails with 414",
    async ({ kv }) => {
      for (const [op, call] of operations(kv)) {
        await assertRejects(
          () => call("k".repeat(513)),
          "Error",
          `KV ${op} failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.`,
          op,
        );
        await assertRejects(
          () => call("é".repeat(257)),
          "Error",
          `KV ${op} failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512.`,
          op,
        );
        await assertRejects(
          () => call("😀".repeat(129)),
          "Error",
          `KV ${op} failed: 414 UTF-8 encoded length of 516 exceeds key length limit of 512.`,
          op,
        );
      }
      await assertUntouched(kv);
    },
  ),
  c(
    "key-length-utf8",
    "a key's length counts U+0080 as 2 bytes, U+0800 and U+FFFF as 3, U+10000 as 4",
    async ({ kv }) => {
      const table: [string, number][] = [
        ["\u0080".repeat(257), 514],
        ["\u0800".repeat(171), 513],
        ["\uFFFF".repeat(171), 513],
        ["\u{10000}".repeat(129), 516],
      ];
      for (const [op, call] of operations(kv)) {
        for (const [key, bytes] of table) {
          await assertRejects(
            () => call(key),
            "Error",
            `KV ${op} failed: 414 UTF-8 encoded length of ${bytes} exceeds key length limit of 512.`,
            `${op} ${key.codePointAt(0)!.toString(16)}`,
          );
        }
      }
      const fits = ["\u0080".repeat(256), "\u0800".repeat(170), "\u{10000}".repeat(128)];
      for (const key of fits) await kv.put(key, "v");
      assertEquals((await kv.list()).keys.length, 3);
    },
  ),
  c(
    "lone-surrogate",
    "a key with a lone surrogate fails and stores nothing",
    async ({ kv }) => {
      for (const [op, call] of operations(kv)) {
        for (const key of ["a\uD800", "\uDC00b", "\uDFFF"]) {
          await assertRejects(
            () => call(key),
            "Error",
            `KV ${op} failed: 400 Could not URL-decode key name`,
            op,
          );
        }
      }
      await assertUntouched(kv);
    },
  ),
  c(
    "cache-ttl-minimum",
    "cacheTtl below 30 fails, even for a missing key",
    async ({ kv }) => {
      await kv.put("k", "v");
      for (const key of ["k", "missing"]) {
        await assertRejects(
          () => kv.get(key, { type: "text", cacheTtl: 10 }),
          "Error",
          "KV GET failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.",
        );
        await assertRejects(
          () => kv.getWithMetadata(key, { type: "text", cacheTtl: 29.9 }),
          "Error",
          "KV GET failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30.",
        );
      }
    },
  ),
  c(
    "cache-ttl-coercion",
    "cacheTtl is int32: NaN and junk become 0, huge values throw",
    async ({ kv }) => {
      await kv.put("k", "v");
      for (const cacheTtl of [NaN, "abc", null, Infinity]) {
        await assertRejects(
          () => kv.get("k", { type: "text", cacheTtl: cacheTtl as number }),
          "Error",
          "KV GET failed: 400 Invalid cache_ttl of 0. Cache TTL must be at least 30.",
          String(cacheTtl),
        );
      }
      await assertRejects(
        () => kv.get("k", { type: "text", cacheTtl: 2 ** 31 }),
        "TypeError",
        RANGE,
      );
      await assertRejects(
        () => kv.get("k", { type: "text", cacheTtl: -(2 ** 31) - 1 }),
        "TypeError",
        RANGE,
      );
    },
  ),
  c(
    "int32-bounds",
    "cacheTtl and limit take every int32, -2147483648 to 2147483647, and nothing beyond",
    async ({ kv }) => {
      await kv.put("k", "v");
      assertEquals(await kv.get("k", { cacheTtl: 2147483647 }), "v");
      await assertRejects(
        () => kv.get("k", { cacheTtl: -2147483648 }),
        "Error",
        "KV GET failed: 400 Invalid cache_ttl of -2147483648. Cache TTL must be at least 30.",
      );
      await assertRejects(
        () => kv.list({ limit: 2147483647 }),
        "Error",
        "KV GET failed: 400 Invalid key_count_limit of 2147483647. Please specify an integer less than 1000.",
      );
      assertEquals((await kv.list({ limit: -2147483648 })).keys, [{ name: "k" }]);
      for (const value of [2147483648, -2147483649]) {
        await assertRejects(
          () => kv.get("k", { cacheTtl: value }),
          "TypeError",
          RANGE,
          `cacheTtl: ${value}`,
        );
        await assertRejects(() => kv.list({ limit: value }), "TypeError", RANGE, `limit: ${value}`);
      }
    },
  ),
  c(
    "list-limit",
    "a list limit over 1000 fails with Workers' message",
    async ({ kv }) => {
      await assertRejects(
        () => kv.list({ limit: 1001 }),
        "Error",
        "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
      );
      await assertRejects(
        () => kv.list({ limit: 2 ** 31 }),
        "TypeError",
        RANGE,
      );
      assertEquals((await kv.list({ limit: 1000 })).keys, []);
    },
  ),
  c(
    "list-prefix-too-long",
    "a list prefix over 512 bytes fails with 414",
    async ({ kv }) => {
      await assertRejects(
        () => kv.list({ prefix: "p".repeat(600) }),
        "Error",
        "KV GET failed: 414 UTF-8 encoded length of 600 exceeds key length limit of 512.",
      );
      await assertRejects(
        () => kv.list({ prefix: "p".repeat(600), limit: 1001 }),
        "Error",
        "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
      );
    },
  ),
  c(
    "no-arguments",
    "calls without required arguments reject with a TypeError",
    async ({ kv }) => {
      const anyKv = kv as unknown as Record<
        string,
        (...args: unknown[]) => Promise<unknown>
      >;
      await assertRejects(
        () => anyKv.getWithMetadata(),
        "TypeError",
        "Failed to execute 'getWithMetadata' on 'KvNamespace': parameter 1 is not of type 'Array or string'.",
      );
      await assertRejects(
        () => anyKv.put(),
        "TypeError",
        "Failed to execute 'put' on 'KvNamespace': parameter 1 is not of type 'string'.",
      );
      await assertRejects(
        () => anyKv.delete(),
        "TypeError",
        "Failed to execute 'delete' on 'KvNamespace': parameter 1 is not of type 'string'.",
      );
    },
  ),
  c("symbol-key", "a symbol key rejects with a TypeError", async ({ kv }) => {
    await assertRejects(
      () => kv.get(Symbol("k") as never),
      "TypeError",
      "Cannot convert a Symbol value to a string",
    );
    await assertRejects(
      () => kv.put(Symbol("k") as never, "v"),
      "TypeError",
      "Cannot convert a Symbol value to a string",
    );
    await assertUntouched(kv);
  }),
  c("check-order", "put checks run in Workers' order", async ({ kv }) => {
    // The key is checked before the value type...
    await assertRejects(
      () => kv.put("", {} as never),
      "TypeError",
      "Key name cannot be empty.",
    );
    // ...the value type before the backend's key decoding...
    await assertRejects(
      () => kv.put("a\uD800", {} as never),
      "TypeError",
      "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.",
    );
    // ...key decoding before the expiration...
    await assertRejects(
      () => kv.put("a\uD800", "v", { expirationTtl: 1 }),
      "Error",
      "KV PUT failed: 400 Could not URL-decode key name",
    );
    // ...the expiration before metadata...
    await assertRejects(
      () => kv.put("k", "v", { expirationTtl: 1, metadata: "x".repeat(2000) }),
      "Error",
      "KV PUT failed: 400 Invalid expiration_ttl of 1. Expiration TTL must be at least 60.",
    );
    // ...and metadata before the value size.
    await assertRejects(
      () => kv.put("k", "x".repeat(26214401), { metadata: "x".repeat(2000) }),
      "Error",
      "KV PUT failed: 413 Metadata length of 2002 exceeds limit of 1024.",
    );
    // Serializing metadata happens on the client, before the backend checks.
    await assertRejects(
      () => kv.put("k", "v", { metadata: 1n, expirationTtl: 1 }),
      "TypeError",
      "Do not know how to serialize a BigInt",
    );
    await assertUntouched(kv);
  }),
  c(
    "failed-writes-keep-old",
    "every rejected put leaves the previous value, metadata and expiration",
    async ({ kv }) => {
      await kv.put("k", "old", { metadata: { v: 1 } });
      const failing: (() => Promise<unknown>)[] = [
        () => kv.put("k", {} as never),
        () => kv.put("k", "new", { expirationTtl: 0 }),
        () => kv.put("k", "new", { expiration: 1 }),
        () => kv.put("k", "new", { metadata: 1n }),
        () => kv.put("k", "new", { metadata: "x".repeat(1100) }),
        () => kv.put("k", "new", "opts" as never),
        () => kv.put("k", "new", { expirationTtl: 2 ** 40 }),
      ];
      for (const call of failing) {
        try {
          await call();
        } catch {
          continue;
        }
        throw new Error("expected the put to fail");
      }
      assertEquals(await kv.getWithMetadata("k"), {
        value: "old",
        metadata: { v: 1 },
        cacheStatus: null,
      });
      assertEquals((await kv.list()).keys, [{ name: "k", metadata: { v: 1 } }]);
    },
  ),
  c(
    "int32-conversion",
    "a BigInt where an int32 option is expected rejects with V8's TypeError",
    async ({ kv }) => {
      await kv.put("k", "v");
      const message = "Cannot convert a BigInt value to a number";
      const value = 60n as never;
      await assertRejects(() => kv.put("k", "new", { expirationTtl: value }), "TypeError", message);
      await assertRejects(() => kv.put("k", "new", { expiration: value }), "TypeError", message);
      await assertRejects(() => kv.get("k", { cacheTtl: value }), "TypeError", message);
      await assertRejects(() => kv.list({ limit: value }), "TypeError", message);
      assertEquals(await kv.get("k"), "v");
    },
  ),
  c(
    "function-options",
    "a function as read options is read as an options object",
    async ({ kv }) => {
      await kv.put("k", '{"a":1}');
      assertEquals(await kv.get("k", (() => {}) as never), '{"a":1}');
      const json = Object.assign(() => {}, { type: "json" });
      assertEquals(await kv.get("k", json as never), { a: 1 });
      assertEquals(await kv.getWithMetadata("k", json as never), {
        value: { a: 1 },
        metadata: null,
        cacheStatus: null,
      });
    },
  ),
];
