import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { batches, bulkEntryJson, isFragileKey } from "./_cloudflare_api_bulk.ts";

Deno.test("array indices and __proto__ are the keys a bulk answer may lose", () => {
  const fragile = ["0", "7", "42", "4294967294", "__proto__"];
  const plain = ["", "00", "01", "-1", "1.5", "4294967295", "1e3", "x", "__proto__x", " 1"];
  assertEquals(fragile.filter(isFragileKey), fragile);
  assertEquals(plain.filter(isFragileKey), []);
});

Deno.test("a bulk write entry is the documented JSON, metadata text kept verbatim", () => {
  assertEquals(bulkEntryJson({ key: "k", value: "v\u2028" }), '{"key":"k","value":"v\u2028"}');
  assertEquals(
    JSON.parse(bulkEntryJson({
      key: "b",
      value: new Uint8Array([0, 255, 16]),
      expiration: 2_000_000_000,
      metadata: '{"a":[1,2]}',
    })),
    { key: "b", value: "AP8Q", base64: true, expiration: 2_000_000_000, metadata: { a: [1, 2] } },
  );
  assertEquals(
    bulkEntryJson({ key: "t", value: "", expiration: 5, expirationTtl: 60, metadata: "null" }),
    '{"key":"t","value":"","expiration_ttl":60,"metadata":null}',
    "the TTL wins, as in Workers",
  );
});

Deno.test("batches hold at most 10,000 entries and the byte limit", () => {
  const entries = Array.from({ length: 20_001 }, (_, i) => ({ key: `${i}`, json: "[]" }));
  assertEquals(batches(entries).map((b) => b.length), [10_000, 10_000, 1]);
  // "[" + 4 entries of 3 bytes with their commas + "]" is 14 bytes.
  const small = Array.from({ length: 5 }, (_, i) => ({ key: `${i}`, json: "abc" }));
  assertEquals(batches(small, 18).map((b) => b.length), [4, 1]);
  assertEquals(batches(small, 17).map((b) => b.length), [3, 2]);
  assertEquals(batches([{ key: "big", json: "x".repeat(100) }], 10).map((b) => b.length), [1]);
});
