import "fake-indexeddb/auto";
import { forceCloseDatabase, IDBFactory } from "fake-indexeddb";
import { type IDBPDatabase, openDB } from "idb";
import { createFakeClock } from "../conformance/clock.ts";
import { KvError } from "../errors.ts";
import { createIndexedDbKv, type IndexedDbFactory } from "./indexeddb.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertEquals(actual: unknown, expected: unknown, message = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    throw new Error(`${message}\n  actual:   ${a}\n  expected: ${e}`);
  }
}

let counter = 0;
/** A database name no other test uses, on the global fake IndexedDB. */
function freshName(): string {
  return `kvkit-test-${++counter}`;
}

/** Opens the adapter's database directly, to look at what it stored. */
function openRaw(name: string): Promise<IDBPDatabase> {
  return openDB(name);
}

const decoder = new TextDecoder();

Deno.test("createIndexedDbKv() stores keys as UTF-8 bytes in byte order", async () => {
  const name = freshName();
  {
    await using kv = createIndexedDbKv({ name });
    for (const key of ["\u{1F600}", "\uFFFF", "b", "a"]) await kv.put(key, key);
  }
  const db = await openRaw(name);
  const ids = await db.getAllKeys("keys");
  db.close();
  assert(ids.every((id) => id instanceof ArrayBuffer), "keys are ArrayBuffers");
  // IndexedDB would put U+FFFF after the emoji if keys were strings.
  assertEquals(ids.map((id) => decoder.decode(id as ArrayBuffer)), [
    "a",
    "b",
    "\uFFFF",
    "\u{1F600}",
  ]);
});

Deno.test("list() orders U+FFFF before astral characters, as Workers KV does", async () => {
  await using kv = createIndexedDbKv({ name: freshName() });
  const keys = ["\u{1F600}", "\uFFFF", "\uE000", "\uD7FF", "z"];
  for (const key of keys) await kv.put(key, "v");
  const { keys: listed } = await kv.list();
  assertEquals(listed.map((k) => k.name), [
    "z",
    "\uD7FF",
    "\uE000",
    "\uFFFF",
    "\u{1F600}",
  ]);
});

Deno.test("list() with a prefix includes keys that continue with U+FFFF or astral characters", async () => {
  await using kv = createIndexedDbKv({ name: freshName() });
  const keys = ["aa", "ab", "abc", "ab\uFFFF\uFFFF", "ab\u{10FFFF}", "ac", "b"];
  for (const key of keys) await kv.put(key, "v");
  const { keys: listed } = await kv.list({ prefix: "ab" });
  assertEquals(listed.map((k) => k.name), [
    "ab",
    "abc",
    "ab\uFFFF\uFFFF",
    "ab\u{10FFFF}",
  ]);
  const { keys: astral } = await kv.list({ prefix: "ab\u{10FFFF}" });
  assertEquals(astral.map((k) => k.name), ["ab\u{10FFFF}"]);
});

Deno.test("list() pages through a prefix in byte order with cursors", async () => {
  await using kv = createIndexedDbKv({ name: freshName() });
  const names = Array.from(
    { length: 25 },
    (_, i) => `p:${String(i).padStart(2, "0")}`,
  );
  for (const key of [...names].reverse()) {
    await kv.put(key, "v", { metadata: { key } });
  }
  await kv.put("q", "outside");
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  while (true) {
    const page = await kv.list<{ key: string }>({
      prefix: "p:",
      limit: 10,
      cursor,
    });
    pages++;
    for (const key of page.keys) {
      assertEquals(
        key.metadata,
        { key: key.name },
        "metadata comes with each key",
      );
      seen.push(key.name);
    }
    if (page.list_complete) break;
    cursor = page.cursor;
  }
  assertEquals(seen, names);
  assertEquals(pages, 3);
});

Deno.test("list() reads only the keys store, never the values", async () => {
  const name = freshName();
  await using kv = createIndexedDbKv({ name });
  await kv.put("k", "value", { metadata: { m: 1 }, expirationTtl: 3600 });
  const db = await openRaw(name);
  // Without its value, the key still lists: list() never touched the value.
  await db.delete("records", new TextEncoder().encode("k").buffer);
  db.close();
  const { keys } = await kv.list();
  assertEquals(keys.length, 1);
  assertEquals(keys[0].name, "k");
  assertEquals(keys[0].metadata, { m: 1 });
  assert(typeof keys[0].expiration === "number", "expiration is listed");
  assertEquals(await kv.get("k"), null);
});

Deno.test("put() of a view stores only the viewed bytes, not its whole buffer", async () => {
  const name = freshName();
  await using kv = createIndexedDbKv({ name });
  const big = new Uint8Array(1 << 20).fill(7);
  await kv.put("k", big.subarray(10, 15));
  const db = await openRaw(name);
  const stored = await db.get("records", new TextEncoder().encode("k").buffer);
  db.close();
  assert(
    stored.v instanceof ArrayBuffer,
    "the value is stored as an ArrayBuffer",
  );
  assertEquals(stored.v.byteLength, 5);
  assertEquals([...new Uint8Array((await kv.get("k", "arrayBuffer"))!)], [
    7,
    7,
    7,
    7,
    7,
  ]);
});

Deno.test("namespaces with different names are isolated", async () => {
  const factory = new IDBFactory();
  await using a = createIndexedDbKv({ name: "a", indexedDB: factory });
  await using b = createIndexedDbKv({ name: "b", indexedDB: factory });
  await a.put("k", "in a");
  assertEquals(await b.get("k"), null);
  assertEquals((await b.list()).keys, []);
  await b.put("k", "in b");
  assertEquals(await a.get("k"), "in a");
  // A cursor from one namespace reads nothing in the other.
  for (let i = 0; i < 3; i++) await a.put(`x${i}`, "v");
  const page = await a.list({ limit: 1 });
  assert(!page.list_complete, "a has more than one key");
  assertEquals((await b.list({ cursor: page.cursor })).keys, []);
});

Deno.test("data outlives the namespace: a new one on the same name reads it", async () => {
  const factory = new IDBFactory();
  {
    await using kv = createIndexedDbKv({ name: "kept", indexedDB: factory });
    await kv.put("k", "v", { metadata: [1, 2] });
  }
  await using kv = createIndexedDbKv({ name: "kept", indexedDB: factory });
  assertEquals(await kv.getWithMetadata("k"), {
    value: "v",
    metadata: [1, 2],
    cacheStatus: null,
  });
});

Deno.test("after another connection upgrades the database, the next call works on the same data", async () => {
  const factory = new IDBFactory();
  await using kv = createIndexedDbKv({ name: "shared", indexedDB: factory });
  await kv.put("k", "v", { metadata: { m: 1 } });
  for (const version of [2, 7]) {
    await new Promise<void>((resolve, reject) => {
      const request = factory.open("shared", version);
      request.onblocked = () => reject(new Error("blocked: our connection stayed open"));
      // Another app's schema change: a store of its own.
      request.onupgradeneeded = () => request.result.createObjectStore(`other-${version}`);
      request.onsuccess = () => {
        request.result.close();
        resolve();
      };
      request.onerror = () => reject(request.error);
    });
    // The database is now at a version this adapter never asked for.
    assertEquals(await kv.getWithMetadata("k"), {
      value: "v",
      metadata: { m: 1 },
      cacheStatus: null,
    });
    await kv.put(`k${version}`, "written after the upgrade");
    assertEquals(await kv.get(`k${version}`), "written after the upgrade");
    assertEquals((await kv.list()).keys.length, version === 2 ? 2 : 3);
  }
});

Deno.test("a database whose stores another app removed gets them back on the next call", async () => {
  const factory = new IDBFactory();
  await using kv = createIndexedDbKv({ name: "taken", indexedDB: factory });
  await kv.put("k", "v");
  await new Promise<void>((resolve, reject) => {
    const request = factory.open("taken", 5);
    request.onupgradeneeded = () => {
      request.result.deleteObjectStore("records");
      request.result.deleteObjectStore("keys");
    };
    request.onsuccess = () => {
      request.result.close();
      resolve();
    };
    request.onerror = () => reject(request.error);
  });
  assertEquals(await kv.get("k"), null);
  await kv.put("k", "again");
  assertEquals(await kv.get("k"), "again");
});

Deno.test("deleteDatabase() is not blocked, and the next call reopens a fresh database", async () => {
  const factory = new IDBFactory();
  await using kv = createIndexedDbKv({ name: "doomed", indexedDB: factory });
  await kv.put("k", "v");
  await new Promise<void>((resolve, reject) => {
    const request = factory.deleteDatabase("doomed");
    request.onblocked = () => reject(new Error("blocked: our connection stayed open"));
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
  assertEquals(await kv.get("k"), null);
  await kv.put("k", "again");
  assertEquals(await kv.get("k"), "again");
});

Deno.test("a connection the browser closed abnormally is reopened on the next call", async () => {
  const factory = new IDBFactory();
  const opened: unknown[] = [];
  // A factory that remembers each connection it hands out.
  const spy: IndexedDbFactory = {
    open(name, version) {
      const request = factory.open(name, version);
      request.addEventListener("success", () => opened.push(request.result));
      return request;
    },
  };
  await using kv = createIndexedDbKv({ name: "flaky", indexedDB: spy });
  await kv.put("k", "v");
  assertEquals(opened.length, 1);
  forceCloseDatabase(opened[0] as never);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(await kv.get("k"), "v");
  assertEquals(opened.length, 2, "a second connection was opened");
});

Deno.test("close() releases the connection, so the database can be deleted", async () => {
  const factory = new IDBFactory();
  const kv = createIndexedDbKv({ name: "released", indexedDB: factory });
  await kv.put("k", "v");
  await kv.close();
  await new Promise<void>((resolve, reject) => {
    const request = factory.deleteDatabase("released");
    request.onblocked = () => reject(new Error("blocked: our connection stayed open"));
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error);
  });
  const error = await kv.get("k").catch((e) => e);
  assert(error instanceof KvError, "calls after close() fail");
});

Deno.test("an expired record read while a fresh put lands keeps the fresh value", async () => {
  const clock = createFakeClock();
  await using kv = createIndexedDbKv({ name: freshName(), now: clock.now });
  await kv.put("k", "old", { expirationTtl: 60 });
  clock.advance(60_000);
  // The read finds "old" expired and reclaims it after the put's
  // transaction; the reclaim checks expiry again and spares "fresh".
  const [read] = await Promise.all([kv.get("k"), kv.put("k", "fresh")]);
  assert(read === null || read === "fresh", `read ${read}`);
  assertEquals(await kv.get("k"), "fresh");
  assertEquals((await kv.list()).keys.map((k) => k.name), ["k"]);
});

Deno.test("expired records are swept from both stores without being read", async () => {
  const clock = createFakeClock();
  const name = freshName();
  {
    await using kv = createIndexedDbKv({ name, now: clock.now });
    await kv.put("gone", "v", { expirationTtl: 60 });
    await kv.put("kept", "v", { expirationTtl: 3600 });
    await kv.put("forever", "v");
    clock.advance(120_000);
    // Any call after the clock moved a minute on starts a sweep; close()
    // waits for it.
    await kv.put("other", "v");
  }
  const db = await openRaw(name);
  const keys = (await db.getAllKeys("keys")).map((id) => decoder.decode(id as ArrayBuffer));
  const records = (await db.getAllKeys("records")).map((id) => decoder.decode(id as ArrayBuffer));
  db.close();
  assertEquals(keys, ["forever", "kept", "other"]);
  assertEquals(records, ["forever", "kept", "other"]);
});

Deno.test("a backlog of expired records nothing reads is reclaimed by later writes, a batch at a time", async () => {
  const clock = createFakeClock();
  const name = freshName();
  {
    await using kv = createIndexedDbKv({ name, now: clock.now });
    for (let i = 0; i < 3000; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => kv.put(`s:${i + j}`, "v", { expirationTtl: 60 })),
      );
    }
    clock.advance(61_000);
    // No read touches the sessions: 200 writes to other keys reclaim them.
    for (let i = 0; i < 200; i++) await kv.put(`w:${i % 5}`, String(i));
  }
  const db = await openRaw(name);
  const keys = (await db.getAllKeys("keys")).map((id) => decoder.decode(id as ArrayBuffer));
  const records = await db.count("records");
  db.close();
  assertEquals(keys, ["w:0", "w:1", "w:2", "w:3", "w:4"]);
  assertEquals(records, 5);
});

Deno.test("createIndexedDbKv() throws a TypeError when the runtime has no IndexedDB", () => {
  const global = globalThis as { indexedDB?: unknown };
  const saved = global.indexedDB;
  delete global.indexedDB;
  try {
    let error: unknown;
    try {
      createIndexedDbKv();
    } catch (e) {
      error = e;
    }
    assert(error instanceof TypeError, `expected a TypeError, got ${error}`);
    assert(error.message.includes("fake-indexeddb/auto"), error.message);
  } finally {
    global.indexedDB = saved;
  }
});
