import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { checkEntry, EntryError, toRecord } from "./_cli_entry.ts";

const NOW = Date.UTC(2030, 0, 1);
const SECONDS = NOW / 1000;

function refused(element: unknown, message: string, allowUnknown = false) {
  throws(
    () => checkEntry(element, 7, NOW, allowUnknown),
    (e: Error) => {
      if (!(e instanceof EntryError) || e.message !== message) {
        throw new Error(`expected ${JSON.stringify(message)}, got ${JSON.stringify(e.message)}`);
      }
      return true;
    },
  );
}

Deno.test("checkEntry builds the record a put would store", () => {
  assertEquals(checkEntry({ key: "a", value: "héllo", metadata: { m: 1 } }, 0, NOW, false), {
    record: { key: "a", record: { value: "héllo", metadata: '{"m":1}' } },
    unknown: [],
  });
  assertEquals(
    checkEntry(
      { key: "b", value: "AP8=", base64: true, expiration: SECONDS + 3600 },
      0,
      NOW,
      false,
    ),
    {
      record: { key: "b", record: { value: new Uint8Array([0, 255]), expiration: SECONDS + 3600 } },
      unknown: [],
    },
  );
  assertEquals(checkEntry({ key: "c", value: "", expiration_ttl: 60 }, 0, NOW, false), {
    record: { key: "c", record: { value: "", expiration: SECONDS + 60 } },
    ttl: 60,
    unknown: [],
  });
  // base64 false is text; null metadata is none, as with put.
  assertEquals(
    checkEntry({ key: "d", value: "AP8=", base64: false, metadata: null }, 0, NOW, false),
    {
      record: { key: "d", record: { value: "AP8=" } },
      unknown: [],
    },
  );
});

Deno.test("checkEntry counts entries that expire within 60 s as expired, unless a TTL wins", () => {
  assertEquals(checkEntry({ key: "a", value: "x", expiration: 1000 }, 0, NOW, false), {
    expired: "a",
    unknown: [],
  });
  assertEquals(
    "expired" in checkEntry({ key: "a", value: "x", expiration: SECONDS + 59 }, 0, NOW, false),
    true,
  );
  assertEquals(
    "record" in checkEntry({ key: "a", value: "x", expiration: SECONDS + 60 }, 0, NOW, false),
    true,
  );
  assertEquals(
    "record" in
      checkEntry({ key: "a", value: "x", expiration: 1000, expiration_ttl: 120 }, 0, NOW, false),
    true,
  );
});

Deno.test("checkEntry refuses what wrangler's format does not allow, naming index and key", () => {
  refused(null, 'entry 7: is null, not an object with "key" and "value"');
  refused([1], 'entry 7: is an array, not an object with "key" and "value"');
  refused({ value: "x" }, 'entry 7: "key" is missing');
  refused({ key: 42, value: "x" }, 'entry 7: "key" must be a string, got 42');
  refused({ key: "k" }, 'entry 7 (key "k"): "value" is missing');
  refused({ key: "k", value: 7 }, 'entry 7 (key "k"): "value" must be a string, got 7');
  refused(
    { key: "k", value: "x", base64: "false" },
    'entry 7 (key "k"): "base64" must be true or false, got "false"',
  );
  refused(
    { key: "k", value: "x", expiration: "tomorrow" },
    'entry 7 (key "k"): "expiration" must be an integer (seconds since the epoch), got "tomorrow"',
  );
  refused(
    { key: "k", value: "x", expiration_ttl: 60.5 },
    'entry 7 (key "k"): "expiration_ttl" must be an integer (seconds from now), got 60.5',
  );
  refused(
    { key: "k", value: "!", base64: true },
    'entry 7 (key "k"): "value" is not valid base64, and "base64" is true',
  );
  refused(
    { key: "k", value: "x", ttl: 1, extra: 2 },
    'entry 7 (key "k"): unknown fields "ttl", "extra" (an entry has key, value, base64, expiration, ' +
      "expiration_ttl, metadata; --allow-unknown-fields ignores others)",
  );
  refused(
    { key: "x".repeat(100), value: 1 },
    `entry 7 (key "${"x".repeat(38)}…"): "value" must be a string, got 1`,
  );
});

Deno.test("checkEntry refuses what Workers KV refuses, with the engine's own texts", () => {
  refused({ key: "", value: "x" }, 'entry 7 (key ""): Key name cannot be empty.');
  refused({ key: "..", value: "x" }, 'entry 7 (key ".."): ".." is not allowed as a key name.');
  refused(
    { key: "é".repeat(257), value: "x" },
    `entry 7 (key "${
      "é".repeat(38)
    }…"): KV PUT failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512.`,
  );
  refused(
    { key: "\ud800", value: "x" },
    'entry 7 (key "\\ud800"): KV PUT failed: 400 Could not URL-decode key name',
  );
  refused(
    { key: "k", value: "x", metadata: { s: "x".repeat(1020) } },
    'entry 7 (key "k"): KV PUT failed: 413 Metadata length of 1028 exceeds limit of 1024.',
  );
  refused(
    { key: "k", value: "x", expiration_ttl: 30 },
    'entry 7 (key "k"): KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.',
  );
  refused(
    { key: "k", value: "x", expiration: 1_900_000_000_000 },
    'entry 7 (key "k"): "expiration" 1900000000000 (milliseconds? it is in seconds): ' +
      "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).",
  );
  refused(
    { key: "k", value: btoa("x".repeat(25 * 1024 * 1024 + 1)), base64: true },
    'entry 7 (key "k"): KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.',
  );
});

Deno.test("checkEntry returns unknown fields when told to allow them", () => {
  assertEquals(checkEntry({ key: "k", value: "x", ttl: 1 }, 0, NOW, true), {
    record: { key: "k", record: { value: "x" } },
    unknown: ["ttl"],
  });
});

Deno.test("toRecord checks a copied entry the same way", () => {
  assertEquals(toRecord("k", new Uint8Array([1]), { expiration: SECONDS + 30 }, NOW), "expired");
  assertEquals(toRecord("k", new Uint8Array([1]), { metadata: [1] }, NOW), {
    key: "k",
    record: { value: new Uint8Array([1]), metadata: "[1]" },
  });
});
