import fc from "fast-check";
import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { compareBytes, compareKeys, encodeKey } from "../keys.ts";
import {
  checkNamespace,
  decodeMember,
  encodeMember,
  escapeName,
  hashTag,
  listBounds,
  redisKeys,
  unescapeName,
} from "./_redis_layout.ts";

const keyArb = fc.string({
  unit: fc.constantFrom(
    "a",
    "b",
    "\u0000",
    "\u0001",
    "\u0002",
    "é",
    "\uFEFF",
    "\uFFFF",
    "😀",
    "\u{10FFFF}",
  ),
  minLength: 1,
  maxLength: 6,
});
const infoArb = fc.record({
  expiration: fc.option(fc.integer({ min: 1, max: 2 ** 31 - 1 }), { nil: undefined }),
  metadata: fc.option(fc.json().filter((json) => json !== ""), { nil: undefined }),
});

function member(key: string, info: { expiration?: number; metadata?: string }): Uint8Array {
  return encodeKey(encodeMember(escapeName(key), info.expiration, info.metadata));
}

/** ZRANGEBYLEX's test of one bound, on the UTF-8 bytes Redis compares. */
function within(bytes: Uint8Array, [min, max]: [string, string]): boolean {
  const above = min === "-" ||
    compareBytes(bytes, encodeKey(min.slice(1))) >= (min[0] === "[" ? 0 : 1);
  const below = max === "+" ||
    compareBytes(bytes, encodeKey(max.slice(1))) <= (max[0] === "[" ? 0 : -1);
  return above && below;
}

Deno.test("members sort bytewise as their keys do, whatever their expiration and metadata", () => {
  fc.assert(
    fc.property(keyArb, infoArb, keyArb, infoArb, (a, infoA, b, infoB) => {
      fc.pre(a !== b);
      const order = Math.sign(compareBytes(member(a, infoA), member(b, infoB)));
      assertEquals(order, Math.sign(compareKeys(a, b)));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("a member decodes to its key's name, expiration and metadata", () => {
  fc.assert(
    fc.property(keyArb, infoArb, (key, info) => {
      const expected: Record<string, unknown> = { name: key };
      if (info.expiration !== undefined) expected.expiration = info.expiration;
      if (info.metadata !== undefined) expected.metadata = info.metadata;
      const escaped = escapeName(key);
      assert(!escaped.includes("\u0000"), "an escaped name holds no NUL");
      assertEquals(unescapeName(escaped), key);
      assertEquals(decodeMember(encodeMember(escaped, info.expiration, info.metadata)), expected);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("listBounds select exactly the members of keys in the prefix after the cursor", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(keyArb, infoArb), { maxLength: 30 }),
      fc.string({
        unit: fc.constantFrom("a", "\u0000", "\u0001", "é", "\u{10FFFF}"),
        maxLength: 2,
      }),
      fc.option(keyArb, { nil: undefined }),
      (entries, prefix, tail) => {
        const after = tail === undefined ? undefined : prefix + tail;
        const bounds = listBounds(prefix, after);
        for (const [key, info] of entries) {
          const expected = key.startsWith(prefix) &&
            (after === undefined || compareKeys(key, after) > 0);
          assertEquals(within(member(key, info), bounds), expected, JSON.stringify(key));
        }
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("a plain key is its own member; others carry NUL, expiration, NUL, metadata", () => {
  assertEquals(encodeMember(escapeName("user:1"), undefined, undefined), "user:1");
  assertEquals(encodeMember(escapeName("a\u0000b"), undefined, undefined), "a\u0001\u0001b");
  assertEquals(encodeMember("k", 1700000000, undefined), "k\u00001700000000\u0000");
  assertEquals(encodeMember("k", undefined, '{"v":1}'), 'k\u0000\u0000{"v":1}');
  assertEquals(decodeMember('k\u0000\u0000""'), { name: "k", metadata: '""' });
});

Deno.test("every Redis key of a namespace carries its hash tag, and names never collide", () => {
  const names = ["kvkit", "a", "a}b", "a%7Db", "a%b", "a{b", "{", "😀", "a:r:b"];
  const seen = new Set<string>();
  for (const name of names) {
    const keys = redisKeys(name);
    const tag = `{${hashTag(name)}}`;
    assert(!hashTag(name).includes("}"), "the tag ends where the name does");
    for (const key of [keys.index, keys.expiry, keys.record("x"), keys.record("}")]) {
      assert(key.startsWith(`kvkit:${tag}:`), key);
      assert(!seen.has(key), `${key} is shared`);
      seen.add(key);
    }
  }
  assertEquals(redisKeys("app").record("user:1"), "kvkit:{app}:r:user:1");
});

Deno.test("a namespace must be a non-empty, well-formed string", () => {
  assertEquals(checkNamespace("app"), "app");
  throws(() => checkNamespace(""), TypeError);
  throws(() => checkNamespace("a\uD800"), TypeError);
  throws(() => checkNamespace(1), /namespace must be a string, got number/);
});
