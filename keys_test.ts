import fc from "fast-check";
import { codePointSortKey, compareKeys, prefixEnd, utf8Length } from "./keys.ts";
import { deepStrictEqual as assertEquals } from "node:assert/strict";

const encoder = new TextEncoder();

function compareBytes(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return x[i] - y[i];
  }
  return x.length - y.length;
}

const keyArb = fc.string({
  unit: fc.constantFrom("a", "b", "é", "\uFFFF", "\uE000", "😀", "\u{10FFFF}", "\u0000"),
});

Deno.test("compareKeys() agrees with UTF-8 byte order on any well-formed strings", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
      assertEquals(Math.sign(compareKeys(a, b)), Math.sign(compareBytes(a, b)));
    }),
    { numRuns: 2000 },
  );
  fc.assert(fc.property(keyArb, keyArb, (a, b) => {
    assertEquals(Math.sign(compareKeys(a, b)), Math.sign(compareBytes(a, b)));
  }));
});

Deno.test("codePointSortKey() preserves prefixes", () => {
  fc.assert(fc.property(keyArb, keyArb, (a, b) => {
    assertEquals(a.startsWith(b), codePointSortKey(a).startsWith(codePointSortKey(b)));
  }));
});

Deno.test("utf8Length() equals the length of TextEncoder's output", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), (text) => {
      assertEquals(utf8Length(text), encoder.encode(text).length);
    }),
    { numRuns: 2000 },
  );
  assertEquals(utf8Length("a\uD800"), 4);
});

Deno.test("prefixEnd() bounds exactly the keys that start with the prefix", () => {
  fc.assert(
    fc.property(keyArb, keyArb, (prefix, key) => {
      const end = prefixEnd(prefix);
      const inRange = compareKeys(key, prefix) >= 0 &&
        (end === undefined || compareKeys(key, end) < 0);
      assertEquals(inRange, key.startsWith(prefix), `prefix ${JSON.stringify(prefix)}`);
    }),
    { numRuns: 3000 },
  );
  assertEquals(prefixEnd(""), undefined);
  assertEquals(prefixEnd("\u{10FFFF}\u{10FFFF}"), undefined);
});
