// Divergences the differential test found, kept as replays. Each was
// printed by differential_test.ts and pasted here; see the report of the
// change that fixed it.

import { assertMatchesOracle, stopSharedOracle } from "./_runner.ts";

// The oracle (one Miniflare) is shared by every replay and stopped last.
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

// createWorkersKv: a repeated "__proto__" came back after "a", because
// Miniflare's backend builds the result with obj[key] = value, which makes
// "__proto__" an own property only at its second assignment.
test("memory matches Miniflare: bulk get of a repeated __proto__ keeps request order", async () => {
  await assertMatchesOracle("memory", [
    { "op": "get", "args": [["__proto__", "a", "__proto__", "a"]] },
  ]);
});

// createWorkersKv: a dropped integer-like key refilled with a single get
// read 1e400 with metadata as null, where the bulk response carries
// { value: null, metadata } (Infinity crosses JSON as null).
test("memory matches Miniflare: bulk json of an integer-like key holding 1e400", async () => {
  await assertMatchesOracle("memory", [
    { "op": "put", "args": ["1", "1e400", { "metadata": "" }] },
    { "op": "getWithMetadata", "args": [["1", "a"], { "type": "json", "cacheTtl": 60 }] },
  ]);
});

// Engine, fixed in 56267f6: bulk json reads returned -0 and Infinity, where
// Workers' JSON response gives 0 and null.
test("deno-kv matches Miniflare: bulk json reads cross JSON", async () => {
  await assertMatchesOracle("deno-kv:memory", [
    { "op": "put", "args": ["a", "-0", { "metadata": 0 }] },
    { "op": "put", "args": ["b", "1e400"] },
    { "op": "get", "args": [["a", "b"], "json"] },
    { "op": "getWithMetadata", "args": [["a", "b"], "json"] },
  ]);
});

// Miniflare lists a key at its exact expiry millisecond (normalized as
// list-at-expiry-ms); get agrees with kvkit there.
test("indexeddb matches Miniflare: a key at its exact expiry millisecond", async () => {
  await assertMatchesOracle("indexeddb:fake", [
    { "op": "put", "args": ["a", "v", { "expirationTtl": 60 }] },
    { "op": "put", "args": ["b", "w"] },
    { "op": "advance", "ms": 60000 },
    { "op": "list", "args": [{ "prefix": "", "limit": 1 }] },
    { "op": "list", "args": [{ "prefix": "", "limit": 1, "cursor": { "$": "cursor" } }] },
    { "op": "get", "args": ["a"] },
    { "op": "advance", "ms": 1 },
    { "op": "list", "args": [] },
  ], ["list-at-expiry-ms"]);
});

// Miniflare's fake-time namespace is in test mode, where a bulk read fails
// past 1 KiB in total (normalized as test-mode-bulk-size).
test("memory matches Miniflare: a bulk read past the 1 KiB test-mode total", async () => {
  const keys = ["a", "b", "c", "d", "e"];
  await assertMatchesOracle("memory", [
    ...keys.map((key) => ({ op: "put" as const, args: [key, "x".repeat(250)] })),
    { op: "get", args: [keys] },
  ], ["test-mode-bulk-size"]);
});

test("replays: stop the oracle", () => stopSharedOracle());
