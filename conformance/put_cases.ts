// Cases for put (spec §1.5, §2.4).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import type { KvFixture } from "./case.ts";
import { assertEquals, assertRejects } from "./_assert.ts";
import { buffer, nowSeconds, streamOf, utf8 } from "./_util.ts";

const c = caseBuilder("put");

const ONLY_VALUES =
  "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.";

async function bytesOf(
  fixture: KvFixture,
  key: string,
): Promise<Uint8Array | null> {
  const value = await fixture.kv.get(key, "arrayBuffer");
  return value === null ? null : new Uint8Array(value);
}

/**
 * The `put` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { putCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: putCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("put cases failed");
 * ```
 */
export const putCases: readonly ConformanceCase[] = [
  c("resolves-undefined", "put resolves undefined", async ({ kv }) => {
    assertEquals(await kv.put("k", "v"), undefined);
  }),
  c("overwrite", "put replaces the whole value", async ({ kv }) => {
    await kv.put("k", "a much longer first value");
    await kv.put("k", "short");
    assertEquals(await kv.get("k"), "short");
  }),
  c(
    "overwrite-clears",
    "an overwrite without options clears the old metadata and expiration",
    async (fixture) => {
      const { kv } = fixture;
      await kv.put("k", "v1", {
        metadata: { m: 1 },
        expiration: nowSeconds(fixture) + 3600,
      });
      await kv.put("k", "v2");
      assertEquals(await kv.getWithMetadata("k"), {
        value: "v2",
        metadata: null,
        cacheStatus: null,
      });
      assertEquals((await kv.list()).keys, [{ name: "k" }]);
    },
  ),
  c(
    "array-buffer",
    "an ArrayBuffer value stores its bytes",
    async (fixture) => {
      await fixture.kv.put("k", buffer([0, 255, 7]));
      assertEquals(await bytesOf(fixture, "k"), new Uint8Array([0, 255, 7]));
    },
  ),
  c(
    "view-bytes-only",
    "a typed-array view stores only the bytes it views",
    async (fixture) => {
      const whole = new Uint8Array([1, 2, 3, 4, 5, 6]);
      await fixture.kv.put("k", whole.subarray(2, 4));
      assertEquals(await bytesOf(fixture, "k"), new Uint8Array([3, 4]));
    },
  ),
  c("data-view", "a DataView stores the bytes it views", async (fixture) => {
    const whole = new Uint8Array([9, 8, 7, 6]);
    await fixture.kv.put("k", new DataView(whole.buffer, 1, 2));
    assertEquals(await bytesOf(fixture, "k"), new Uint8Array([8, 7]));
  }),
  c(
    "wide-typed-array",
    "a wider typed array stores its raw bytes",
    async (fixture) => {
      const words = new Uint16Array([0x0102, 0xfffe]);
      await fixture.kv.put("k", words);
      assertEquals(
        await bytesOf(fixture, "k"),
        new Uint8Array(words.buffer, words.byteOffset, words.byteLength),
      );
    },
  ),
  c("all-bytes", "every byte value round-trips", async (fixture) => {
    const all = new Uint8Array(256).map((_, i) => i);
    await fixture.kv.put("k", all);
    assertEquals(await bytesOf(fixture, "k"), all);
  }),
  c(
    "stream",
    "a ReadableStream value stores all its chunks in order",
    async (fixture) => {
      await fixture.kv.put(
        "k",
        streamOf([
          utf8("one "),
          utf8("two "),
          new Uint8Array(0),
          utf8("three"),
        ]),
      );
      assertEquals(await fixture.kv.get("k"), "one two three");
    },
  ),
  c(
    "stream-buffer-chunks",
    "a stream may yield ArrayBuffers and DataViews as chunks",
    async (fixture) => {
      await fixture.kv.put(
        "k",
        streamOf([buffer([1, 2]), new DataView(buffer([3, 4, 5]).slice(1))]),
      );
      assertEquals(await bytesOf(fixture, "k"), new Uint8Array([1, 2, 4, 5]));
    },
  ),
  c(
    "stream-chunks-copied",
    "a stream's chunks are copied as they are read: changing them afterwards changes nothing",
    async (fixture) => {
      const only = new Uint8Array([1, 2, 3]);
      await fixture.kv.put("one", streamOf([only]));
      only.fill(0);
      assertEquals(await bytesOf(fixture, "one"), new Uint8Array([1, 2, 3]));
      // A producer that refills one buffer for every chunk, each time the
      // reader asks for the next one.
      const reused = new Uint8Array(2);
      let next = 0;
      const refilled = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (next === 3) return controller.close();
          reused.set([2 * next, 2 * next + 1]);
          next++;
          controller.enqueue(reused);
        },
      }, { highWaterMark: 0 });
      await fixture.kv.put("reused", refilled);
      reused.fill(9);
      assertEquals(await bytesOf(fixture, "reused"), new Uint8Array([0, 1, 2, 3, 4, 5]));
    },
  ),
  c(
    "stream-string-chunk",
    "a stream that yields strings rejects with a TypeError and stores nothing",
    async ({ kv }) => {
      await kv.put("k", "old");
      await assertRejects(
        () => kv.put("k", streamOf(["text"])),
        "TypeError",
        "This ReadableStream did not return bytes.",
      );
      assertEquals(await kv.get("k"), "old");
    },
  ),
  c(
    "stream-error",
    "a stream that errors fails the put with its error and stores nothing",
    async ({ kv }) => {
      await kv.put("k", "old", { metadata: "m" });
      const failing = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(utf8("partial"));
          controller.error(new RangeError("source failed"));
        },
      });
      await assertRejects(
        () => kv.put("k", failing),
        "RangeError",
        "source failed",
      );
      assertEquals(await kv.getWithMetadata("k"), {
        value: "old",
        metadata: "m",
        cacheStatus: null,
      });
    },
  ),
  c(
    "primitives",
    "primitive values are stored as String(value)",
    async ({ kv }) => {
      await kv.put("number", 123 as never);
      await kv.put("boolean", true as never);
      await kv.put("null", null as never);
      await kv.put("undefined", undefined as never);
      await kv.put("bigint", 123n as never);
      assertEquals(await kv.get("number"), "123");
      assertEquals(await kv.get("boolean"), "true");
      assertEquals(await kv.get("null"), "null");
      assertEquals(await kv.get("undefined"), "undefined");
      assertEquals(await kv.get("bigint"), "123");
    },
  ),
  c("symbol", "a symbol value rejects with a TypeError", async ({ kv }) => {
    await assertRejects(
      () => kv.put("k", Symbol("s") as never),
      "TypeError",
      "Cannot convert a Symbol value to a string",
    );
    assertEquals(await kv.get("k"), null);
  }),
  c(
    "objects-rejected",
    "objects that are not bytes or streams are rejected",
    async ({ kv }) => {
      const values: unknown[] = [
        {},
        [],
        [1, 2],
        new Date(0),
        new String("boxed"),
        new Blob(["blob"]),
        new Map(),
      ];
      for (const value of values) {
        await assertRejects(
          () => kv.put("k", value as never),
          "TypeError",
          ONLY_VALUES,
        );
      }
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "fake-array-buffers",
    "values that only look like ArrayBuffers are rejected, and the old value stays",
    async ({ kv }) => {
      await kv.put("k", "old");
      const arrayLike = Object.setPrototypeOf({ 0: 1, 1: 2, length: 2 }, ArrayBuffer.prototype);
      const fakes: unknown[] = [
        new Proxy(new ArrayBuffer(4), {}),
        Object.create(ArrayBuffer.prototype),
        arrayLike,
      ];
      for (const value of fakes) {
        await assertRejects(() => kv.put("k", value as never), "TypeError", ONLY_VALUES);
      }
      assertEquals(await kv.get("k"), "old");
    },
  ),
  c(
    "stream-reader-released",
    "a put releases its stream's reader lock, so the stream can be read again",
    async ({ kv }) => {
      const stream = streamOf([utf8("ab")]);
      await kv.put("k", stream);
      assertEquals(await kv.get("k"), "ab");
      // Locked would throw; a released, finished stream reads as done.
      const { done } = await stream.getReader().read();
      assertEquals(done, true);
    },
  ),
  c(
    "missing-value",
    "put(key) without a value rejects with a TypeError",
    async ({ kv }) => {
      await assertRejects(
        () => (kv.put as (key: string) => Promise<void>)("k"),
        "TypeError",
        "Failed to execute 'put' on 'KvNamespace': parameter 2 is not of type 'string or JsObject'.",
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "options-type",
    "non-object options reject with a TypeError",
    async ({ kv }) => {
      await assertRejects(
        () => kv.put("k", "v", "ttl" as never),
        "TypeError",
        "Failed to execute 'put' on 'KvNamespace': parameter 3 is not of type 'PutOptions'.",
      );
      assertEquals(await kv.get("k"), null);
    },
  ),
  c(
    "options-lenient",
    "null, empty and unknown options are fine",
    async ({ kv }) => {
      await kv.put("a", "1", null as never);
      await kv.put("b", "2", {});
      await kv.put("c", "3", { unknown: true } as never);
      await kv.put("d", "4", {
        expiration: undefined,
        expirationTtl: undefined,
        metadata: undefined,
      });
      assertEquals(
        await kv.get(["a", "b", "c", "d"]),
        new Map([["a", "1"], ["b", "2"], ["c", "3"], [
          "d",
          "4",
        ]]),
      );
      assertEquals((await kv.list()).keys, [
        { name: "a" },
        { name: "b" },
        { name: "c" },
        { name: "d" },
      ]);
    },
  ),
  c(
    "copied-at-call",
    "the bytes are copied when put is called",
    async (fixture) => {
      const source = new Uint8Array([1, 2, 3]);
      const pending = fixture.kv.put("k", source);
      source.fill(0);
      await pending;
      assertEquals(await bytesOf(fixture, "k"), new Uint8Array([1, 2, 3]));
      const after = new Uint8Array([4, 5]);
      await fixture.kv.put("j", after.buffer);
      after.fill(0);
      assertEquals(await bytesOf(fixture, "j"), new Uint8Array([4, 5]));
    },
  ),
  c("empty-string", "an empty string is a value", async ({ kv }) => {
    await kv.put("k", "");
    assertEquals(await kv.get("k"), "");
    assertEquals((await kv.list()).keys, [{ name: "k" }]);
  }),
  c(
    "unicode-value",
    "text values round-trip as UTF-8, including astral characters",
    async (fixture) => {
      await fixture.kv.put("k", "é😀\u0000\uFFFF");
      assertEquals(await fixture.kv.get("k"), "é😀\u0000\uFFFF");
      assertEquals(await bytesOf(fixture, "k"), utf8("é😀\u0000\uFFFF"));
    },
  ),
  c(
    "lone-surrogate-text",
    "text with lone surrogates is stored as WTF-8: each lone surrogate as its own 3 bytes",
    async (fixture) => {
      const text = "a\x7F\x80\u07FF\u0800\uD7FF\uFFFF\uD800\uDC00\uDBFF\uDFFF" +
        "\uD800x\uDC00\uDC00\uD800\uE000\uD83D\uD83D\uDE00\uD83D";
      await fixture.kv.put("k", text);
      const bytes = new Uint8Array([
        ...[
          0x61,
          0x7f,
          0xc2,
          0x80,
          0xdf,
          0xbf,
          0xe0,
          0xa0,
          0x80,
          0xed,
          0x9f,
          0xbf,
          0xef,
          0xbf,
          0xbf,
        ],
        ...[0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf], // U+10000, U+10FFFF
        ...[0xed, 0xa0, 0x80, 0x78, 0xed, 0xb0, 0x80, 0xed, 0xb0, 0x80], // D800 x DC00 DC00
        ...[0xed, 0xa0, 0x80, 0xee, 0x80, 0x80], // D800 E000
        ...[0xed, 0xa0, 0xbd, 0xf0, 0x9f, 0x98, 0x80, 0xed, 0xa0, 0xbd], // D83D 😀 D83D
      ]);
      assertEquals(await bytesOf(fixture, "k"), bytes);
      assertEquals(await fixture.kv.get("k"), new TextDecoder().decode(bytes));
    },
  ),
  c(
    "buffer-kinds",
    "a detached buffer or a view of one stores no bytes; a SharedArrayBuffer's bytes are copied",
    async (fixture) => {
      const { kv } = fixture;
      const detached = new Uint8Array([1, 2, 3]).buffer;
      const view = new Uint8Array(detached, 1);
      structuredClone(detached, { transfer: [detached] });
      await kv.put("buffer", detached);
      await kv.put("view", view);
      assertEquals(await bytesOf(fixture, "buffer"), new Uint8Array(0));
      assertEquals(await bytesOf(fixture, "view"), new Uint8Array(0));
      // Browsers have SharedArrayBuffer only in cross-origin isolated pages.
      if (typeof SharedArrayBuffer === "undefined") return;
      const shared = new SharedArrayBuffer(3);
      new Uint8Array(shared).set([4, 5, 6]);
      await kv.put("shared", shared as never);
      new Uint8Array(shared).fill(0);
      assertEquals(await bytesOf(fixture, "shared"), new Uint8Array([4, 5, 6]));
    },
  ),
];
