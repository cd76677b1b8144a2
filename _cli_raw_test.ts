import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import fc from "fast-check";
import { LARGE_ENTRY_BYTES, parseLargeObject, RawString } from "./_cli_raw.ts";
import { parseDump } from "./_cli_dump.ts";
import { checkEntry } from "./_cli_entry.ts";
import { fromBase64, toBase64 } from "./_cli_base64.ts";
import { textValue } from "./_codec.ts";

const encoder = new TextEncoder();

/** `bytes` cut at the given sizes, as reads would cut them. */
function cut(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let at = 0, i = 0; at < bytes.byteLength; i++) {
    const size = Math.max(1, sizes.length === 0 ? bytes.byteLength : sizes[i % sizes.length]);
    parts.push(bytes.subarray(at, at + size));
    at += size;
  }
  return parts;
}

function raw(json: string, sizes: number[] = []): RawString {
  const bytes = encoder.encode(json.slice(1, -1));
  return new RawString(cut(bytes, sizes), bytes.byteLength);
}

// Characters that stress JSON strings: escapes, quotes, surrogates (lone
// ones only through escapes), multi-byte characters.
const char = fc.oneof(
  fc.constantFrom('"', "\\", "/", "\n", "\t", "\u0000", "\u001f", "é", "€", "😀", "\uFEFF"),
  fc.constantFrom("\ud83d", "\ude00", "\udbff"),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);
const text = fc.string({ unit: char, maxLength: 40 });
// JSON.stringify escapes some characters, and \u escapes can spell others.
const json = text.chain((t) =>
  fc.constantFrom(
    JSON.stringify(t),
    JSON.stringify(t).replace(
      /[é€]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    ),
  )
);

/** The bytes a put of `text` stores, as the engine builds them. */
function stored(text: string): Uint8Array {
  const value = textValue(text);
  return typeof value === "string" ? encoder.encode(value) : value;
}

Deno.test("RawString.utf8 is what a put of the JSON.parse'd text stores, however it is sliced", () => {
  fc.assert(
    fc.property(
      json,
      fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 4 }),
      fc.integer({ min: 1, max: 13 }),
      (quoted, sizes, slice) => {
        assertEquals(raw(quoted, sizes).utf8(slice), stored(JSON.parse(quoted)));
      },
    ),
    { numRuns: 3000 },
  );
});

Deno.test("RawString.base64 reads as Uint8Array.fromBase64 does, however it is sliced", () => {
  const base64 = fc.oneof(
    fc.uint8Array({ maxLength: 40 }).map((b) => toBase64(b)),
    fc.uint8Array({ maxLength: 40 }).map((b) => toBase64(b).replace(/=+$/, "")),
    fc.string({
      unit: fc.constantFrom("A", "b", "+", "/", "=", " ", "\n", "\t", "9", "-", "é"),
      maxLength: 20,
    }),
  );
  fc.assert(
    fc.property(base64, fc.integer({ min: 1, max: 11 }), fc.boolean(), (value, slice, escape) => {
      let want: Uint8Array | string;
      try {
        want = fromBase64(value);
      } catch {
        want = "error";
      }
      let got: Uint8Array | string;
      try {
        // Some writers escape "/" as "\/", which is the same JSON string.
        const json = JSON.stringify(value);
        got = raw(escape ? json.replaceAll("/", "\\/") : json).base64(slice);
      } catch (error) {
        assert(error instanceof SyntaxError, String(error));
        got = "error";
      }
      assertEquals(got, want, JSON.stringify(value));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("parseLargeObject reads an object as JSON.parse does, with its value string raw", () => {
  const member = fc.oneof(
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    text,
    fc.array(text, { maxLength: 3 }),
    fc.dictionary(text, text, { maxKeys: 2 }),
  );
  const entry = fc.record(
    { key: text, value: text, base64: fc.boolean(), metadata: member, other: member },
    { requiredKeys: ["value"] },
  );
  fc.assert(
    fc.property(
      entry,
      fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 4 }),
      fc.constantFrom("", " ", "\n "),
      (object, sizes, space) => {
        const source = JSON.stringify(object, null, space === "" ? undefined : space.length);
        const parsed = parseLargeObject(cut(encoder.encode(source), sizes), 0) as Record<
          string,
          unknown
        >;
        const want = JSON.parse(source);
        assert(parsed.value instanceof RawString);
        assertEquals(parsed.value.utf8(), stored(want.value));
        assertEquals({ ...parsed, value: undefined }, { ...want, value: undefined });
        assertEquals(Object.keys(parsed), Object.keys(want));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("parseLargeObject gives up on anything JSON.parse would refuse, so that it reports it", () => {
  for (
    const source of [
      '{"key":"a","value":"x",}',
      '{"key":"a" "value":"x"}',
      '{"key":"a","value":"x"} x',
      '["value"]',
      '{"key":tru,"value":"x"}',
      `{"value":"a\u0001b"}`,
      '{"value":"x',
    ]
  ) {
    assertEquals(parseLargeObject([encoder.encode(source)], 0), undefined, source);
  }
  const invalid = new Uint8Array([...encoder.encode('{"value":"'), 0xff, ...encoder.encode('"}')]);
  assertEquals(parseLargeObject([invalid], 0), undefined);
  const proto = parseLargeObject([encoder.encode('{"__proto__":{"a":1},"value":"v"}')], 0)!;
  assertEquals(Object.getPrototypeOf(proto), Object.prototype);
  assertEquals(Object.keys(proto), ["__proto__", "value"]);
});

Deno.test("a large entry read raw makes the same record as one read whole", async () => {
  const size = LARGE_ENTRY_BYTES * 3;
  const binary = new Uint8Array(size).map((_, i) => (i * 31 + (i >> 9)) % 256);
  const longText = '{"quoted": "\\n"} é😀\u2028\ud800'.repeat(size / 24);
  const dump = JSON.stringify([
    { key: "binary", value: toBase64(binary), base64: true, metadata: { m: 1 } },
    { key: "text", value: longText, expiration_ttl: 600 },
  ]);
  async function* chunks() {
    const bytes = encoder.encode(dump);
    for (let at = 0; at < bytes.byteLength; at += 65_536) yield bytes.subarray(at, at + 65_536);
  }
  const now = Date.UTC(2030, 0, 1);
  const records = async (large: boolean) => {
    const out = [];
    for await (const element of parseDump(chunks(), large)) {
      assertEquals((element.value as { value: unknown }).value instanceof RawString, large);
      const checked = checkEntry(element.value, element.index, now, false);
      if (!("record" in checked)) throw new Error("expected a record");
      const value = checked.record.record.value;
      out.push({ ...checked, value: typeof value === "string" ? encoder.encode(value) : value });
    }
    return out.map(({ record, value }) => ({ ...record, record: { ...record.record, value } }));
  };
  const whole = await records(false);
  assertEquals(await records(true), whole);
  assertEquals(whole[0].record.value, binary);
});
