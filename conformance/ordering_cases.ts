// Cases for key order: UTF-8 bytes, which is code-point order (spec §3).

import { caseBuilder, type ConformanceCase } from "./case.ts";
import { assertEquals } from "./_assert.ts";
import { listAll, putAll } from "./_util.ts";

const c = caseBuilder("ordering");

/** Workers' measured order (spec §3), shuffled before the put. */
const PROBE = [
  "\u0001",
  " ",
  "0",
  "B",
  "Z",
  "a",
  "~",
  "é",
  "\u00FF",
  "\u0100",
  "\uD7FF",
  "\uE000",
  "\uFFFF",
  "\u{1F600}",
];

function shuffled<T>(items: T[]): T[] {
  // A fixed permutation: deterministic, and far from sorted.
  return items.map((item, i) => ({ item, k: (i * 7 + 3) % items.length }))
    .sort((a, b) => a.k - b.k).map((x) => x.item);
}

/**
 * The `ordering` area's cases, for the `cases` option of `testKv` and
 * `runConformance`.
 *
 * @example
 * ```ts
 * import { orderingCases, clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(() => clockFixture((now) => createMemoryKv({ now })), {
 *   cases: orderingCases,
 * });
 * if (report.some((r) => r.status === "fail")) throw new Error("ordering cases failed");
 * ```
 */
export const orderingCases: readonly ConformanceCase[] = [
  c(
    "utf8",
    "keys list in UTF-8 byte order, not UTF-16 order",
    async ({ kv }) => {
      await putAll(kv, shuffled(PROBE));
      assertEquals(await listAll(kv), PROBE);
    },
  ),
  c(
    "bmp-before-astral",
    "U+FFFF sorts before U+1F600, unlike Array.prototype.sort",
    async ({ kv }) => {
      await putAll(kv, [
        "\u{1F600}",
        "\uFFFF",
        "\uE000",
        "\u{10000}",
        "\uFF61",
      ]);
      assertEquals(await listAll(kv), [
        "\uE000",
        "\uFF61",
        "\uFFFF",
        "\u{10000}",
        "\u{1F600}",
      ]);
    },
  ),
  c(
    "ascii",
    "uppercase before lowercase, and digits compare as characters",
    async ({ kv }) => {
      await putAll(kv, [
        "key2",
        "key10",
        "key1",
        "b",
        "B",
        "a",
        "A",
        ", ",
        "!",
      ]);
      assertEquals(await listAll(kv), [
        "!",
        ", ",
        "A",
        "B",
        "a",
        "b",
        "key1",
        "key10",
        "key2",
      ]);
    },
  ),
  c("nul-first", "a key starting with U+0000 sorts first", async ({ kv }) => {
    await putAll(kv, ["a", "\u0000z", "\u0001"]);
    assertEquals(await listAll(kv), ["\u0000z", "\u0001", "a"]);
  }),
  c(
    "prefix-before-extension",
    "a key sorts before every key it prefixes",
    async ({ kv }) => {
      await putAll(kv, ["ab\u0000x", "abc", "ab", "a", "ab\u{10FFFF}"]);
      assertEquals(await listAll(kv), [
        "a",
        "ab",
        "ab\u0000x",
        "abc",
        "ab\u{10FFFF}",
      ]);
    },
  ),
  c(
    "prefix-range-edges",
    "a prefix listing includes keys ending in U+FFFF and U+10FFFF",
    async ({ kv }) => {
      const keys = [
        "ab",
        "ab\uFFFF",
        "ab\uFFFF\uFFFF",
        "ab\u{10FFFF}",
        "ab\u{10FFFF}\u{10FFFF}",
        "ac",
        "aa\u{10FFFF}",
      ];
      await putAll(kv, keys);
      assertEquals(await listAll(kv, { prefix: "ab" }), [
        "ab",
        "ab\uFFFF",
        "ab\uFFFF\uFFFF",
        "ab\u{10FFFF}",
        "ab\u{10FFFF}\u{10FFFF}",
      ]);
      assertEquals(await listAll(kv, { prefix: "ab\uFFFF" }), [
        "ab\uFFFF",
        "ab\uFFFF\uFFFF",
      ]);
      assertEquals(await listAll(kv, { prefix: "ab\u{10FFFF}" }), [
        "ab\u{10FFFF}",
        "ab\u{10FFFF}\u{10FFFF}",
      ]);
      assertEquals(await listAll(kv, { prefix: "\u{10FFFF}" }), []);
    },
  ),
  c(
    "astral-prefix",
    "prefixes split correctly around surrogate pairs",
    async ({ kv }) => {
      await putAll(kv, ["x😀1", "x😀2", "x😁", "x\uFFFF", "x\uE000"]);
      assertEquals(await listAll(kv, { prefix: "x😀" }), ["x😀1", "x😀2"]);
      assertEquals(await listAll(kv, { prefix: "x" }), [
        "x\uE000",
        "x\uFFFF",
        "x😀1",
        "x😀2",
        "x😁",
      ]);
    },
  ),
  c(
    "paged-order",
    "order holds across pages of one key each",
    async ({ kv }) => {
      await putAll(kv, shuffled(PROBE));
      assertEquals(await listAll(kv, { limit: 1 }), PROBE);
      assertEquals(await listAll(kv, { limit: 3 }), PROBE);
    },
  ),
  c("surrogate-boundary", "U+D7FF sorts just before U+E000", async ({ kv }) => {
    await putAll(kv, ["\uE000", "\uD7FF", "\uD7FEz"]);
    assertEquals(await listAll(kv), ["\uD7FEz", "\uD7FF", "\uE000"]);
    assertEquals(await listAll(kv, { prefix: "\uD7FF" }), ["\uD7FF"]);
  }),
  c(
    "multibyte-lengths",
    "1-, 2-, 3- and 4-byte characters sort by code point",
    async ({ kv }) => {
      const keys = [
        "\u007F",
        "\u0080",
        "\u07FF",
        "\u0800",
        "\uFFFD",
        "\u{10000}",
        "\u{10FFFF}",
      ];
      await putAll(kv, [...keys].reverse());
      assertEquals(await listAll(kv), keys);
    },
  ),
];
