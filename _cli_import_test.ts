import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { checkDump, ImportRefused, MAX_LISTED_ERRORS } from "./_cli_import.ts";

const NOW = Date.UTC(2030, 0, 1);

async function* bytes(text: string) {
  yield new TextEncoder().encode(text);
}

Deno.test("checkDump counts entries, bytes, expired entries and unknown fields", async () => {
  const seen: [number, number][] = [];
  const dump = JSON.stringify([
    { key: "a", value: "1" },
    { key: "b", value: "2", expiration: 1000 },
    { key: "c", value: "3", ttl: 5, note: "x" },
    { key: "d", value: "4", ttl: 6 },
  ]);
  const result = await checkDump(bytes(dump), {
    nowMs: NOW,
    allowUnknown: true,
    progress: (entries, read) => seen.push([entries, read]),
  });
  assertEquals(result, {
    entries: 4,
    bytes: dump.length - 5, // the brackets and commas are not entries
    expired: 1,
    unknown: new Map([["ttl", 2], ["note", 1]]),
  });
  assertEquals(seen.map(([entries]) => entries), [1, 2, 3, 4]);
});

Deno.test("checkDump refuses a dump with invalid entries, listing the first 20 and counting the rest", async () => {
  const entries = Array.from(
    { length: 30 },
    (_, i) => i % 2 === 0 ? { key: `k${i}` } : { key: `k${i}`, value: "v" },
  );
  await rejects(
    checkDump(bytes(JSON.stringify(entries)), { nowMs: NOW, allowUnknown: false }),
    (error: Error) => {
      const lines = error.message.split("\n");
      assertEquals(error instanceof ImportRefused, true);
      assertEquals(lines[0], "15 of 30 entries are invalid, so nothing was written:");
      assertEquals(lines.length, 1 + 15, "15 errors: all listed");
      assertEquals(lines[1], '  entry 0 (key "k0"): "value" is missing');
      return true;
    },
  );
  const many = Array.from({ length: 50 }, (_, i) => ({ key: i, value: "v" }));
  await rejects(
    checkDump(bytes(JSON.stringify(many)), { nowMs: NOW, allowUnknown: false }),
    (error: Error) => {
      const lines = error.message.split("\n");
      assertEquals(lines.length, 1 + MAX_LISTED_ERRORS + 1);
      assertEquals(lines.at(-1), "  … and 30 more");
      return true;
    },
  );
});

Deno.test("checkDump refuses a dump that is cut short, with the invalid entries before it", async () => {
  await rejects(
    checkDump(bytes('[{"key":"a","value":"1"},\n{"key":1,"value":"x"},\n{"key":"c","val'), {
      nowMs: NOW,
      allowUnknown: false,
    }),
    {
      message: "the dump is not a well-formed JSON array, so nothing was written: " +
        "the input ends inside entry 2 (line 3): is it cut short?\n" +
        '  entry 1: "key" must be a string, got 1',
    },
  );
});
