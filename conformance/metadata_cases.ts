// Cases for metadata and getWithMetadata (spec §1.3, §2.4).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { readAll } from "./_util.ts";

const c = caseBuilder("metadata");

/**
 * The `metadata` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { metadataCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: metadataCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("metadata cases failed");
 * ```
 */
export const metadataCases: readonly ConformanceCase[] = [
  c(
    "round-trip",
    "getWithMetadata returns the value and the stored metadata",
    async ({ kv }) => {
      const metadata = {
        owner: "ada",
        tags: ["a", "b"],
        n: 1.5,
        nested: { ok: true, none: null },
      };
      await kv.put("k", "v", { metadata });
      assertEquals(await kv.getWithMetadata("k"), {
        value: "v",
        metadata,
        cacheStatus: null,
      });
    },
  ),
  c("none", "a key without metadata has metadata null", async ({ kv }) => {
    await kv.put("k", "v");
    assertEquals(await kv.getWithMetadata("k"), {
      value: "v",
      metadata: null,
      cacheStatus: null,
    });
  }),
  c(
    "missing",
    "getWithMetadata of a missing key is all nulls in every type",
    async ({ kv }) => {
      const empty = { value: null, metadata: null, cacheStatus: null };
      assertEquals(await kv.getWithMetadata("missing"), empty);
      assertEquals(await kv.getWithMetadata("missing", "json"), empty);
      assertEquals(await kv.getWithMetadata("missing", "arrayBuffer"), empty);
      assertEquals(
        await kv.getWithMetadata("missing", { type: "stream" }),
        empty,
      );
    },
  ),
  c(
    "property-order",
    "the result's properties are value, metadata, cacheStatus",
    async ({ kv }) => {
      await kv.put("k", "v", { metadata: 1 });
      assertEquals(Object.keys(await kv.getWithMetadata("k")), [
        "value",
        "metadata",
        "cacheStatus",
      ]);
      assertEquals(Object.keys(await kv.getWithMetadata("nope")), [
        "value",
        "metadata",
        "cacheStatus",
      ]);
    },
  ),
  c(
    "types",
    "getWithMetadata decodes the value in every type",
    async ({ kv }) => {
      await kv.put("k", '{"a":1}', { metadata: "m" });
      assertEquals((await kv.getWithMetadata("k", "json")).value, { a: 1 });
      assertEquals((await kv.getWithMetadata("k", { type: "json" })).value, {
        a: 1,
      });
      const bytes = (await kv.getWithMetadata("k", "arrayBuffer")).value;
      assert(bytes instanceof ArrayBuffer, "expected an ArrayBuffer");
      assertEquals(new TextDecoder().decode(bytes), '{"a":1}');
      const { value: stream, metadata } = await kv.getWithMetadata(
        "k",
        "stream",
      );
      assertEquals(metadata, "m");
      assertEquals(
        new TextDecoder().decode(
          await readAll(stream as ReadableStream<Uint8Array>),
        ),
        '{"a":1}',
      );
    },
  ),
  c(
    "falsy",
    'falsy metadata (0, false, "") is kept and listed',
    async ({ kv }) => {
      await kv.put("a", "1", { metadata: 0 });
      await kv.put("b", "2", { metadata: false });
      await kv.put("c", "3", { metadata: "" });
      assertEquals((await kv.getWithMetadata("a")).metadata, 0);
      assertEquals((await kv.getWithMetadata("b")).metadata, false);
      assertEquals((await kv.getWithMetadata("c")).metadata, "");
      assertEquals((await kv.list()).keys, [
        { name: "a", metadata: 0 },
        { name: "b", metadata: false },
        { name: "c", metadata: "" },
      ]);
    },
  ),
  c(
    "null-means-none",
    "null and undefined metadata store no metadata",
    async ({ kv }) => {
      await kv.put("a", "1", { metadata: null });
      await kv.put("b", "2", { metadata: undefined });
      assertEquals((await kv.getWithMetadata("a")).metadata, null);
      assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b" }]);
    },
  ),
  c(
    "nan",
    "NaN metadata serializes to JSON null and lists as null",
    async ({ kv }) => {
      await kv.put("k", "v", { metadata: NaN });
      assertEquals((await kv.getWithMetadata("k")).metadata, null);
      assertEquals((await kv.list()).keys, [{ name: "k", metadata: null }]);
    },
  ),
  c(
    "json-round-trip",
    "metadata goes through JSON: dates become strings, undefined drops",
    async ({ kv }) => {
      await kv.put("k", "v", {
        metadata: { when: new Date(0), gone: undefined, list: [undefined, 1] },
      });
      assertEquals((await kv.getWithMetadata("k")).metadata, {
        when: "1970-01-01T00:00:00.000Z",
        list: [null, 1],
      });
    },
  ),
  c(
    "primitive-metadata",
    "metadata may be any JSON value, not only objects",
    async ({ kv }) => {
      for (const metadata of ["text", 42, true, [1, 2]]) {
        await kv.put("k", "v", { metadata });
        assertEquals((await kv.getWithMetadata("k")).metadata, metadata);
      }
      assertEquals((await kv.list()).keys, [{ name: "k", metadata: [1, 2] }]);
    },
  ),
  c(
    "limit-1024",
    "1024 bytes of serialized metadata are accepted",
    async ({ kv }) => {
      const metadata = { s: "x".repeat(1016) }; // {"s":"…"} is 1024 bytes
      await kv.put("k", "v", { metadata });
      assertEquals((await kv.getWithMetadata("k")).metadata, metadata);
    },
  ),
  c(
    "limit-1025",
    "1025 bytes of serialized metadata are rejected with 413",
    async ({ kv }) => {
      await assertRejects(
        () => kv.put("k", "v", { metadata: { s: "x".repeat(1017) } }),
        "Error",
        "KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.",
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "size-counts-bytes",
    "the metadata size counts UTF-8 bytes and JSON escapes",
    async ({ kv }) => {
      // "é" is 2 bytes: 2 quotes + 512 × 2 = 1026.
      await assertRejects(
        () => kv.put("k", "v", { metadata: "é".repeat(512) }),
        "Error",
        "KV PUT failed: 413 Metadata length of 1026 exceeds limit of 1024.",
      );
      // "\u0001" serializes as 6 characters: 2 + 171 × 6 = 1028.
      await assertRejects(
        () => kv.put("k", "v", { metadata: "\u0001".repeat(171) }),
        "Error",
        "KV PUT failed: 413 Metadata length of 1028 exceeds limit of 1024.",
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c("bigint", "bigint metadata rejects with a TypeError", async ({ kv }) => {
    await assertRejects(
      () => kv.put("k", "v", { metadata: { n: 1n } }),
      "TypeError",
      "Do not know how to serialize a BigInt",
    );
    assertEquals(await kv.get("k"), null);
  }),
  c(
    "circular",
    "circular metadata rejects with a TypeError",
    async ({ kv }) => {
      const metadata: Record<string, unknown> = {};
      metadata.self = metadata;
      await assertRejects(
        () => kv.put("k", "v", { metadata }),
        "TypeError",
        /^Converting circular structure to JSON/,
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "function",
    "function metadata fails the put with a 500",
    async ({ kv }) => {
      await assertRejects(
        () => kv.put("k", "v", { metadata: () => 1 }),
        "Error",
        "KV PUT failed: 500 Internal Server Error",
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "failed-write-keeps-old",
    "a put that fails on metadata leaves the old value and metadata intact",
    async ({ kv }) => {
      await kv.put("k", "old", { metadata: { v: 1 } });
      await assertRejects(
        () => kv.put("k", "new", { metadata: "x".repeat(2000) }),
        "Error",
        "KV PUT failed: 413 Metadata length of 2002 exceeds limit of 1024.",
      );
      assertEquals(await kv.getWithMetadata("k"), {
        value: "old",
        metadata: { v: 1 },
        cacheStatus: null,
      });
    },
  ),
  c(
    "binary-with-metadata",
    "binary values keep their metadata",
    async ({ kv }) => {
      await kv.put("k", new Uint8Array([1, 2, 3]), {
        metadata: { type: "bin" },
      });
      const { value, metadata } = await kv.getWithMetadata("k", "arrayBuffer");
      assertEquals(new Uint8Array(value!), new Uint8Array([1, 2, 3]));
      assertEquals(metadata, { type: "bin" });
    },
  ),
  c(
    "overwrite-adds-metadata",
    "overwriting a plain key with metadata or an expiration lists them",
    async (fixture) => {
      const { kv } = fixture;
      const expiration = Math.floor((fixture.now ? fixture.now() : Date.now()) / 1000) + 3600;
      await kv.put("a", "v");
      await kv.put("b", "v");
      assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b" }]);
      await kv.put("a", "v2", { metadata: { m: 1 } });
      await kv.put("b", "v2", { expiration });
      assertEquals((await kv.list()).keys, [
        { name: "a", metadata: { m: 1 } },
        { name: "b", expiration },
      ]);
      await kv.put("a", "v3");
      assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b", expiration }]);
    },
  ),
];
