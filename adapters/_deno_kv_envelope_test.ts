import fc from "fast-check";
import { Buffer } from "node:buffer";
import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import {
  type ChunkPointer,
  decodeEnvelope,
  decodeOwned,
  encodeEnvelope,
  encodeOwned,
  type Envelope,
  type Generation,
  headerLength,
  isEmpty,
  leadingBoms,
  type Owned,
  restoreBoms,
  retire,
} from "./_deno_kv_envelope.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const meta = (text: string | undefined) => text === undefined ? undefined : encode(text);
const bytes = (...values: number[]) => new Uint8Array(values);
const pointer: ChunkPointer = {
  gen: "0123456789abcdef01234567",
  length: 3 * 65_536 + 5,
  count: 4,
  size: 65_536,
};

/** The envelope a record with these parts decodes to. */
function expected(
  metadata: string | undefined,
  expiration: number | undefined,
  rest: Envelope,
): Envelope {
  const envelope: Envelope = {};
  if (expiration !== undefined) envelope.expiration = expiration;
  if (metadata !== undefined) envelope.metadata = metadata;
  return { ...envelope, ...rest };
}

/** Every combination of metadata and expiration, present or not. */
const headers: [string | undefined, number | undefined][] = [
  [undefined, undefined],
  ['{"owner":"ada","é":"😀"}', undefined],
  [undefined, 1_900_000_000],
  ['"m"', 1_900_000_000],
];

Deno.test("encodeEnvelope() stores a small value with neither metadata nor expiration after two bytes", () => {
  assertEquals(
    encodeEnvelope(undefined, undefined, bytes(7, 8, 9), undefined),
    bytes(1, 0, 7, 8, 9),
  );
  assertEquals(decodeEnvelope(bytes(1, 0, 7, 8, 9)), { value: bytes(7, 8, 9) });
});

Deno.test("an inline value round-trips with and without metadata and expiration", () => {
  for (const [metadata, expiration] of headers) {
    for (const value of [bytes(), bytes(0, 255), new Uint8Array(1024).fill(42)]) {
      const raw = encodeEnvelope(meta(metadata), expiration, value, undefined);
      assertEquals(raw.byteLength, headerLength(meta(metadata), expiration) + value.byteLength);
      assertEquals(decodeEnvelope(raw), expected(metadata, expiration, { value }));
    }
  }
});

Deno.test("a medium record is its header alone and decodes to the medium marker", () => {
  for (const [metadata, expiration] of headers) {
    const raw = encodeEnvelope(meta(metadata), expiration, undefined, undefined);
    assertEquals(raw.byteLength, headerLength(meta(metadata), expiration));
    assertEquals(decodeEnvelope(raw), expected(metadata, expiration, { medium: true }));
  }
});

Deno.test("a chunk pointer round-trips with and without metadata and expiration", () => {
  for (const [metadata, expiration] of headers) {
    const raw = encodeEnvelope(meta(metadata), expiration, undefined, pointer);
    assertEquals(decodeEnvelope(raw), expected(metadata, expiration, { chunks: pointer }));
  }
});

Deno.test("any envelope round-trips", () => {
  fc.assert(
    fc.property(
      fc.option(fc.string({ unit: "grapheme" }), { nil: undefined }),
      fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
      fc.oneof(
        fc.uint8Array({ maxLength: 1100 }).map((value) => ({ value })),
        fc.constant({ medium: true }),
        fc.record({
          gen: fc.stringMatching(/^[0-9a-f]{24}$/),
          length: fc.nat(),
          count: fc.nat(),
          size: fc.nat(),
        }).map((chunks) => ({ chunks: { ...chunks } })),
      ),
      (metadata, expiration, rest: Envelope) => {
        const raw = encodeEnvelope(meta(metadata), expiration, rest.value, rest.chunks);
        assertEquals(decodeEnvelope(raw), expected(metadata, expiration, rest));
      },
    ),
  );
});

Deno.test("decodeEnvelope() reads a Node Buffer view that does not start its buffer", () => {
  const raw = encodeEnvelope(encode('{"a":1}'), 1_900_000_000, bytes(1, 2, 3), undefined);
  const pool = Buffer.alloc(raw.byteLength + 16, 0xee);
  pool.set(raw, 7);
  const view = pool.subarray(7, 7 + raw.byteLength);
  assert(view.byteOffset !== 0 && view instanceof Buffer, "a Buffer view at an offset");
  const envelope = decodeEnvelope(view);
  assertEquals(envelope, { expiration: 1_900_000_000, metadata: '{"a":1}', value: bytes(1, 2, 3) });
  assertEquals(Object.getPrototypeOf(envelope.value), Uint8Array.prototype, "a plain Uint8Array");
  const chunked = encodeEnvelope(undefined, 5, undefined, pointer);
  const other = Buffer.alloc(chunked.byteLength + 3);
  other.set(chunked, 3);
  assertEquals(decodeEnvelope(other.subarray(3)), { expiration: 5, chunks: pointer });
});

Deno.test("decodeEnvelope() rejects what kvkit did not write", () => {
  for (const raw of ["text", 42, { value: 1 }, new ArrayBuffer(4), null]) {
    throws(() => decodeEnvelope(raw), { name: "TypeError", message: /not a Uint8Array/ });
  }
  for (const raw of [bytes(), bytes(1), bytes(2, 0, 7), bytes(0, 0)]) {
    throws(() => decodeEnvelope(raw), { name: "TypeError", message: /unknown record format/ });
  }
});

const gen = (id: string, s: Generation["s"]): Generation => ({ id, n: 3, t: 1_700_000_000_000, s });

Deno.test("an owned entry round-trips through its one-byte-prefixed JSON", () => {
  const owned: Owned = { v: true, gens: [gen("a", "p"), gen("b", "l"), gen("c", "d")] };
  const raw = encodeOwned(owned);
  assertEquals(raw[0], 1);
  assertEquals(JSON.parse(new TextDecoder().decode(raw.subarray(1))), owned);
  assertEquals(decodeOwned(raw), owned);
  const pool = Buffer.alloc(raw.byteLength + 9);
  pool.set(raw, 9);
  assertEquals(decodeOwned(pool.subarray(9)), owned, "a Buffer view at an offset decodes");
});

Deno.test("decodeOwned() reads a missing owned entry as owning nothing", () => {
  assertEquals(decodeOwned(null), { v: false, gens: [] });
  assertEquals(decodeOwned(undefined), { v: false, gens: [] });
});

Deno.test("decodeOwned() rejects what kvkit did not write", () => {
  for (const raw of ["{}", 1, new ArrayBuffer(2)]) {
    throws(() => decodeOwned(raw), { name: "TypeError", message: /not a Uint8Array/ });
  }
  throws(() => decodeOwned(bytes(2, 123, 125)), {
    name: "TypeError",
    message: /unknown owned entry format 2/,
  });
});

Deno.test("isEmpty() is true only for an entry with no value entry and no generations", () => {
  assertEquals(isEmpty({ v: false, gens: [] }), true);
  assertEquals(isEmpty({ v: true, gens: [] }), false);
  assertEquals(isEmpty({ v: false, gens: [gen("a", "d")] }), false);
});

Deno.test("retire() marks the live generation dead and leaves the others as they were", () => {
  const gens = [gen("a", "p"), gen("b", "l"), gen("c", "d")];
  assertEquals(retire(gens), [gen("a", "p"), gen("b", "d"), gen("c", "d")]);
  assertEquals(gens[1].s, "l", "the input is not changed");
});

Deno.test("a record remembers its key's leading U+FEFF, so a listed name can be restored", () => {
  for (const key of ["\uFEFFbom", "\uFEFF\uFEFFtwo", "\uFEFF"]) {
    const boms = leadingBoms(key);
    for (const metadata of [undefined, meta('{"m":1}')]) {
      const decoded = decodeEnvelope(encodeEnvelope(metadata, 1234, bytes(7), undefined, boms));
      assertEquals(decoded.boms, boms);
      assertEquals(decoded.value, bytes(7));
      assertEquals(decoded.expiration, 1234);
      // @deno/kv on Node drops one leading U+FEFF; native Deno keeps it.
      assertEquals(restoreBoms(key.slice(1), decoded.boms), key);
      assertEquals(restoreBoms(key, decoded.boms), key);
    }
    assertEquals(
      decodeEnvelope(encodeEnvelope(undefined, undefined, undefined, pointer, boms)).chunks,
      pointer,
    );
  }
  assertEquals(leadingBoms("a\uFEFF"), 0);
  assertEquals(
    decodeEnvelope(encodeEnvelope(undefined, undefined, bytes(1), undefined)).boms,
    undefined,
  );
  assertEquals(restoreBoms("plain", undefined), "plain");
});
