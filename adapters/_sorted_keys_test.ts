import fc from "fast-check";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { compareKeys } from "../keys.ts";
import { SortedKeys } from "./_sorted_keys.ts";

const keyArb = fc.string({
  unit: fc.constantFrom("a", "b", "é", "\uFFFF", "\uE000", "😀", "\u{10FFFF}", "\u0000"),
});

Deno.test("SortedKeys keeps UTF-8 order through random inserts and removes", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), keyArb), { maxLength: 200 }),
      keyArb,
      fc.option(keyArb, { nil: undefined }),
      fc.integer({ min: 1, max: 50 }),
      (operations, prefix, after, limit) => {
        const keys = new SortedKeys();
        const model = new Set<string>();
        for (const [add, key] of operations) {
          if (add && !model.has(key)) {
            keys.insert(key);
            model.add(key);
          } else if (!add && model.has(key)) {
            keys.remove(key);
            model.delete(key);
          }
        }
        const expected = [...model].sort(compareKeys)
          .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
          .slice(0, limit);
        assertEquals(keys.range(prefix, after, limit), expected);
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("SortedKeys stays in order through chunk splits and merges", () => {
  // Thousands of keys, so chunks of 512 split, empty and merge.
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const units = ["a", "b", "é", "\uFFFF", "\uE000", "😀", "\u{10FFFF}", "\u0000"];
  const word = () =>
    Array.from(
      { length: 1 + Math.floor(rand() * 6) },
      () => units[Math.floor(rand() * units.length)],
    )
      .join("");
  const keys = new SortedKeys();
  const model = new Set<string>();
  for (let step = 0; step < 40_000; step++) {
    const key = word();
    // Grow for a while, then shrink, so both splits and merges happen.
    const adding = step < 20_000 ? rand() < 0.8 : rand() < 0.2;
    if (adding && !model.has(key)) {
      keys.insert(key);
      model.add(key);
    } else if (!adding && model.has(key)) {
      keys.remove(key);
      model.delete(key);
    }
    if (step % 5000 === 4999) {
      const sorted = [...model].sort(compareKeys);
      assertEquals(keys.range("", undefined, 1e9), sorted);
      const prefix = word().slice(0, 2);
      const after = sorted[Math.floor(rand() * sorted.length)];
      assertEquals(
        keys.range(prefix, after, 700),
        sorted.filter((k) => k.startsWith(prefix) && compareKeys(k, after) > 0).slice(0, 700),
      );
    }
  }
});
