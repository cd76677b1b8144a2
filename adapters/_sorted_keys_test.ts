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
