// The test command of `deno task mutation`'s keys pass: the conformance
// suite alone, on the adapters that call keys.ts's helpers. Memory calls
// the string ones (codePointSortKey, utf8Length, isWellFormed); IndexedDB
// on fake-indexeddb the byte ones (encodeKey, decodeKey, prefixEndBytes);
// Deno KV `:memory:` prefixEnd; and reference_drivers.ts compareBytes
// and compareKeys, which none of those adapters reaches.

import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { clockFixture, testKv } from "../../conformance/mod.ts";
import { createEngineKv } from "../../engine.ts";
import { openDenoKv } from "../../adapters/deno_kv.ts";
import { createIndexedDbKv } from "../../adapters/indexeddb.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import { createByteOrderDriver, createSortingDriver } from "./reference_drivers.ts";

// Deno KV's handle outlives a test by a tick, as in targets/mod_test.ts.
const unsanitized = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

testKv(
  Deno.test,
  "memory",
  () => clockFixture((now) => createMemoryKv({ now })),
);
testKv(
  Deno.test,
  "indexeddb",
  () => clockFixture((now) => createIndexedDbKv({ indexedDB: new IDBFactory(), now })),
);
testKv(
  unsanitized,
  "deno-kv",
  () => clockFixture((now) => openDenoKv(":memory:", { now })),
);
testKv(
  Deno.test,
  "byte-order",
  () => clockFixture((now) => createEngineKv(createByteOrderDriver(), { now })),
);
testKv(
  Deno.test,
  "sorting",
  () => clockFixture((now) => createEngineKv(createSortingDriver(), { now })),
);
