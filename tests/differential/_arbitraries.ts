// fast-check generators for operation sequences. Keys come from a tricky
// alphabet; values stay small (test mode, see _known.ts); invalid inputs
// are mixed in. The exclusions named in _known.ts are applied here.

import fc from "fast-check";
import type { Op } from "./_ops.ts";

/** ASCII, 2-, 3- and 4-byte characters, U+FEFF (a BOM), U+FFFF and U+10FFFF. */
const ALPHABET = ["a", "b", "1", " ", "/", "é", "\uFEFF", "\uFFFF", "😀", "\u{10FFFF}"];

const shortText = (max: number) =>
  fc.array(fc.constantFrom(...ALPHABET), { maxLength: max }).map((chars) => chars.join(""));

/** Keys that exist often enough to collide. */
const commonKey = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom("a", "b", "ab", "1", "é", "\uFFFF", "😀", "\u{10FFFF}") },
  { weight: 2, arbitrary: shortText(3).filter((key) => key.length > 0) },
);

/** Keys that are valid, but special to JS objects or to Workers' bulk path. */
const oddKey = fc.constantFrom(
  "__proto__",
  "0",
  "42",
  "...",
  "constructor",
  "a".repeat(512),
  "😀".repeat(128),
);

/** Keys every single-key operation must reject. */
const invalidKey = fc.constantFrom(
  "",
  ".",
  "..",
  "a".repeat(513),
  "é".repeat(257),
  "a\uD800",
  "\uDC00b",
);

const singleKey = fc.oneof(
  { weight: 12, arbitrary: commonKey },
  { weight: 2, arbitrary: oddKey },
  { weight: 1, arbitrary: invalidKey },
);

/** Bulk keys: no lone surrogates (bulk-lone-surrogate). */
const bulkKey = fc.oneof(
  { weight: 12, arbitrary: commonKey },
  { weight: 2, arbitrary: oddKey },
  { weight: 1, arbitrary: fc.constantFrom("", ".", "a".repeat(513)) },
);

const hex = (bytes: readonly number[]) =>
  bytes.map((b) => b.toString(16).padStart(2, "0")).join("");

const byteValues = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }),
  fc.constantFrom([0xef, 0xbb, 0xbf, 0x61], [0x61, 0xff, 0x62, 0xc3], [0x2d, 0x30], [0x5b, 0x5d]),
);

const bytesArg = fc.tuple(
  byteValues,
  fc.constantFrom("ArrayBuffer", "Uint8Array", "DataView", "Int16Array", "subarray"),
).map(([bytes, as]) => {
  const even = as === "Int16Array" && bytes.length % 2 === 1 ? [...bytes, 0x20] : bytes;
  return { $: "bytes", as, hex: hex(even) };
});

const jsonText = fc.constantFrom(
  "0",
  "-0",
  "1e400",
  "false",
  "true",
  "null",
  '""',
  '"s"',
  "[1,2]",
  '{"a":1,"b":[true,null]}',
  "not json",
  "",
  " 7 ",
);

/** Values put accepts or rejects, all far below the 1 KiB test-mode limit. */
const value = fc.oneof(
  { weight: 6, arbitrary: shortText(6) },
  { weight: 4, arbitrary: jsonText },
  { weight: 3, arbitrary: bytesArg },
  {
    weight: 1,
    arbitrary: fc.array(bytesArg, { minLength: 0, maxLength: 3 }).map((chunks) => ({
      $: "stream",
      chunks,
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(123, true, null, { $: "undefined" }, { $: "-0" }, {}, [1]),
  },
);

const metadata = fc.oneof(
  fc.constantFrom<unknown>(
    "",
    0,
    false,
    "m",
    1.5,
    [1, "x"],
    { a: 1 },
    { nested: { b: [true, null] } },
    { $: "nan" },
    "\u0001é😀",
    "x".repeat(1022),
    "x".repeat(1023),
    { s: "x".repeat(1016) },
    null,
  ),
  fc.dictionary(
    fc.constantFrom("a", "b", "é"),
    fc.oneof(fc.integer(), shortText(3), fc.boolean()),
    {
      maxKeys: 3,
    },
  ),
);

const ttl = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(60, 61, 120, 3600) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      59,
      0,
      -1,
      30,
      "120",
      60.9,
      null,
      { $: "nan" },
      2 ** 31,
      { $: "undefined" },
    ),
  },
);

const expiration = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(60, 61, 59, 120, 0, -5, 3600).map((s) => ({ $: "expiresIn", s })),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(0, -1, 5, "abc", null, 2 ** 31) },
);

const putOptions = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: fc.record({ metadata }) },
  { weight: 3, arbitrary: fc.record({ expirationTtl: ttl }) },
  { weight: 2, arbitrary: fc.record({ expiration }) },
  { weight: 2, arbitrary: fc.record({ metadata, expirationTtl: ttl }) },
  { weight: 1, arbitrary: fc.record({ expiration, expirationTtl: ttl }) },
  { weight: 1, arbitrary: fc.record({ metadata, expiration }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>({}, null, "options") },
);

const put: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.tuple(singleKey, value, putOptions).map(([key, v, options]) => ({
      op: "put" as const,
      args: options === undefined ? [key, v] : [key, v, options],
    })),
  },
  // A stream that fails, with a valid key and no options (stream-first).
  {
    weight: 1,
    arbitrary: fc.tuple(
      commonKey,
      fc.constantFrom<unknown>(
        { $: "stream", chunks: ["text"] },
        {
          $: "stream",
          chunks: [{ $: "bytes", as: "Uint8Array", hex: "61" }],
          error: "source failed",
        },
        { $: "stream", chunks: [7] },
      ),
    ).map(([key, v]) => ({ op: "put" as const, args: [key, v] })),
  },
  { weight: 1, arbitrary: singleKey.map((key) => ({ op: "put" as const, args: [key] })) },
);

const readOptions = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>(
      undefined,
      "text",
      "json",
      "arrayBuffer",
      "stream",
      { type: "json" },
      { type: "text", cacheTtl: 30 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      { cacheTtl: 29 },
      { type: "arrayBuffer", cacheTtl: { $: "nan" } },
      "bogus",
      null,
      {},
    ),
  },
);

const read = (op: "get" | "getWithMetadata"): fc.Arbitrary<Op> =>
  fc.tuple(singleKey, readOptions).map(([key, options]) => ({
    op,
    args: options === undefined ? [key] : [key, options],
  }));

const bulkOptions = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<unknown>(undefined, "text", "json", { type: "json" }, {
      type: "json",
      cacheTtl: 60,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>("arrayBuffer", { type: "text", cacheTtl: 10 }, null),
  },
);

const bulkKeys = fc.oneof(
  { weight: 20, arbitrary: fc.array(bulkKey, { minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.constant([]) },
  { weight: 1, arbitrary: fc.array(commonKey, { minLength: 100, maxLength: 101 }) },
);

const bulk = (op: "get" | "getWithMetadata"): fc.Arbitrary<Op> =>
  fc.tuple(bulkKeys, bulkOptions).map(([keys, options]) => ({
    op,
    args: options === undefined ? [keys] : [keys, options],
  }));

const remove: fc.Arbitrary<Op> = singleKey.map((key) => ({ op: "delete" as const, args: [key] }));

const prefix = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("", "a", "ab", "é", "\uFFFF", "😀", "\u{10FFFF}", "x") },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, { $: "undefined" }, "a".repeat(513)) },
);

const limit = fc.constantFrom<unknown>(1, 2, 3, 1000, 0, -1, { $: "nan" }, 1001, "2", 2.9, null);

const list: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Op>({ op: "list", args: [] }) },
  { weight: 3, arbitrary: prefix.map((p) => ({ op: "list" as const, args: [{ prefix: p }] })) },
  {
    weight: 4,
    arbitrary: fc.tuple(prefix, limit, fc.boolean()).map(([p, l, cursor]) => ({
      op: "list" as const,
      args: [cursor ? { prefix: p, limit: l, cursor: { $: "cursor" } } : { prefix: p, limit: l }],
    })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>("options", { limit: 1001 }, {}).map((o) => ({
      op: "list" as const,
      args: [o],
    })),
  },
);

const advance: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom(1, 999, 1000, 59_000, 59_999, 60_000, 60_001, 61_000, 3_600_000),
  fc.integer({ min: 0, max: 130_000 }),
).map((ms) => ({ op: "advance" as const, ms }));

/** One operation. */
export const operation: fc.Arbitrary<Op> = fc.oneof(
  { weight: 30, arbitrary: put },
  { weight: 10, arbitrary: read("get") },
  { weight: 6, arbitrary: read("getWithMetadata") },
  { weight: 6, arbitrary: bulk("get") },
  { weight: 5, arbitrary: bulk("getWithMetadata") },
  { weight: 8, arbitrary: remove },
  { weight: 17, arbitrary: list },
  { weight: 10, arbitrary: advance },
);

/** A short sequence of operations. */
export const sequence: fc.Arbitrary<Op[]> = fc.array(operation, { minLength: 1, maxLength: 12 });
