// What the conformance suite does not see about the Web Storage adapter, on
// Deno's real localStorage (one SQLite file shared by every run in this
// repository, so each test works in a namespace of its own and removes it)
// and Deno's real sessionStorage (in memory, this process only).

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createFakeClock } from "../conformance/clock.ts";
import { KvError } from "../errors.ts";
import { compareKeys } from "../keys.ts";
import { clearNamespace } from "../targets/local_storage.ts";
import { createLocalStorageKv, type StorageLike } from "./local_storage.ts";

const MiB = 1024 * 1024;

/** A fresh namespace in `storage`, removed when the test ends. */
async function withNamespace(
  storage: Storage,
  fn: (namespace: string) => Promise<void>,
): Promise<void> {
  const namespace = `test-${crypto.randomUUID()}`;
  try {
    await fn(namespace);
  } finally {
    clearNamespace(storage, namespace);
  }
}

/** The names of a namespace's items, with the namespace part cut off, sorted. */
function itemsOf(storage: Storage, namespace: string): string[] {
  const start = `kvkit:${JSON.stringify(namespace)}:`;
  const names: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const name = storage.key(i)!;
    if (name.startsWith(start)) names.push(name.slice(start.length));
  }
  return names.sort();
}

/** The kinds of a namespace's items: `i` for info items, `v` for value items. */
function kinds(storage: Storage, namespace: string): string[] {
  return itemsOf(storage, namespace).map((name) => name[0]);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

/**
 * Passes calls to `storage` until `writes` writes (setItem or removeItem)
 * have landed, then throws on every call: a tab that closes mid-call.
 */
function cutAfter(storage: Storage, writes: number): StorageLike {
  let left = writes;
  const write = (run: () => void) => {
    if (left-- <= 0) throw new Error("the tab closed");
    run();
  };
  return {
    get length() {
      return storage.length;
    },
    key: (index) => storage.key(index),
    getItem: (key) => storage.getItem(key),
    setItem: (key, value) => write(() => storage.setItem(key, value)),
    removeItem: (key) => write(() => storage.removeItem(key)),
  };
}

/** Runs `fn` with `Date.now` moved forward, as if it ran that much later. */
function later<T>(ms: number, fn: () => T): T {
  const realNow = Date.now;
  Date.now = () => realNow() + ms;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

Deno.test("namespaces stay apart even where a plain prefix would make their items collide", async () => {
  const run = crypto.randomUUID();
  // Under `kvkit:<ns>:i:<key>`, ("a", "i:b") and ("a:i", "b") would share an item.
  const namespaces = [`${run}a`, `${run}a:i`, `${run}a"`, `${run}a\\`];
  try {
    const kvs = namespaces.map((namespace) => createLocalStorageKv(localStorage, { namespace }));
    for (const [i, kv] of kvs.entries()) {
      await kv.put(i === 0 ? "i:b" : "b", `value ${i}`, { metadata: i });
    }
    localStorage.setItem(`kvkit-app-theme-${run}`, "dark"); // the page's own item
    for (const [i, kv] of kvs.entries()) {
      const key = i === 0 ? "i:b" : "b";
      assertEquals(await kv.getWithMetadata(key), {
        value: `value ${i}`,
        metadata: i,
        cacheStatus: null,
      });
      assertEquals((await kv.list()).keys, [{ name: key, metadata: i }]);
      assertEquals(await kv.get(i === 0 ? "b" : "i:b"), null);
      await kv.close();
    }
    assertEquals(localStorage.getItem(`kvkit-app-theme-${run}`), "dark");
    // close() cleared nothing.
    for (const namespace of namespaces) assertEquals(kinds(localStorage, namespace), ["i", "v"]);
  } finally {
    for (const namespace of namespaces) clearNamespace(localStorage, namespace);
    localStorage.removeItem(`kvkit-app-theme-${run}`);
  }
});

Deno.test("keys of every kind and every byte value round-trip through a fresh handle, in UTF-8 order", async () => {
  await withNamespace(localStorage, async (namespace) => {
    const keys = [
      "\u0000x",
      "a\u0000",
      "\uFEFF",
      "\uFEFFa",
      "\uFFFF",
      "\u{1F600}",
      "\u{10FFFF}",
      "\uD7FF",
      "\uE000",
      "é",
      "...",
      "/",
      "%",
      " ",
      "\n",
      ":",
      ":v:",
      '"',
      'kvkit:"":i:x',
      "k".repeat(512),
      "é".repeat(256),
      "😀".repeat(128),
    ];
    const allBytes = Uint8Array.from({ length: 512 }, (_, i) => i & 0xff);
    {
      await using kv = createLocalStorageKv(localStorage, { namespace });
      for (const key of keys) await kv.put(key, key, { metadata: { key } });
      await kv.put("bytes", allBytes);
    }
    await using kv = createLocalStorageKv(localStorage, { namespace });
    for (const key of keys) {
      assertEquals(await kv.getWithMetadata(key), {
        value: key,
        metadata: { key },
        cacheStatus: null,
      });
    }
    assertEquals(new Uint8Array((await kv.get("bytes", "arrayBuffer"))!), allBytes);
    const listed = (await kv.list()).keys.map((k) => k.name);
    assertEquals(listed, [...keys, "bytes"].sort(compareKeys));
    assertEquals(listed.indexOf("\uFFFF") < listed.indexOf("\u{1F600}"), true);
  });
});

Deno.test("a put past Deno's quota rejects with KvError 500 carrying the QuotaExceededError, keeping the old record", async () => {
  await withNamespace(localStorage, async (namespace) => {
    await using kv = createLocalStorageKv(localStorage, { namespace });
    await kv.put("k", "old", { metadata: "kept" });
    // Deno refuses any single item of 10 MiB or more, before writing it.
    const error = await rejection(kv.put("k", "x".repeat(10 * MiB)));
    assert(error instanceof KvError, String(error));
    assertEquals([error.status, error.message], [500, "KV PUT failed: 500 Internal Server Error"]);
    assert(error.cause instanceof DOMException, String(error.cause));
    assertEquals(error.cause.name, "QuotaExceededError");
    assertEquals(await kv.getWithMetadata("k"), {
      value: "old",
      metadata: "kept",
      cacheStatus: null,
    });
    assertEquals(kinds(localStorage, namespace), ["i", "v"]);
  });
});

Deno.test("when the quota refuses the commit, the new value item goes and the old record stays", async () => {
  // Deno's sessionStorage: its 10 MiB quota, in this process's memory only,
  // so filling it disturbs no other test run.
  await withNamespace(sessionStorage, async (namespace) => {
    await using kv = createLocalStorageKv(sessionStorage, { namespace });
    await kv.put("k", new Uint8Array([1, 2, 3]), { metadata: "kept" });
    let fillers = 0;
    try {
      // Deno checks the area's size before each write: fill it past 10 MiB,
      // then free one MiB, so that the next write lands and the one after fails.
      try {
        for (;;) sessionStorage.setItem(`filler-${fillers++}`, "x".repeat(MiB));
      } catch (error) {
        assertEquals((error as DOMException).name, "QuotaExceededError");
      }
      sessionStorage.removeItem("filler-0");
      const error = await rejection(kv.put("k", "y".repeat(2 * MiB), { metadata: "new" }));
      assert(error instanceof KvError && error.status === 500, String(error));
      assertEquals((error.cause as DOMException).name, "QuotaExceededError");
      assertEquals(kinds(sessionStorage, namespace), ["i", "v"]);
      const { value, metadata } = await kv.getWithMetadata("k", "arrayBuffer");
      assertEquals([new Uint8Array(value!), metadata], [new Uint8Array([1, 2, 3]), "kept"]);
    } finally {
      for (let i = 0; i < fillers; i++) sessionStorage.removeItem(`filler-${i}`);
    }
  });
});

Deno.test("a put or delete stopped after any write leaves the old record or the new one, whole", async () => {
  // A put writes the new value, commits the info, removes the old value; a
  // delete removes the info (its commit), then the value.
  const steps: [string, number, { value: string; metadata: number } | null][] = [
    ["put", 0, { value: "old", metadata: 1 }],
    ["put", 1, { value: "old", metadata: 1 }],
    ["put", 2, { value: "new", metadata: 2 }],
    ["put", 3, { value: "new", metadata: 2 }],
    ["delete", 0, { value: "old", metadata: 1 }],
    ["delete", 1, null],
    ["delete", 2, null],
  ];
  for (const [op, writes, expected] of steps) {
    await withNamespace(localStorage, async (namespace) => {
      {
        await using kv = createLocalStorageKv(localStorage, { namespace });
        await kv.put("k", "old", { metadata: 1 });
      }
      const cut = createLocalStorageKv(cutAfter(localStorage, writes), { namespace });
      const write = op === "put" ? cut.put("k", "new", { metadata: 2 }) : cut.delete("k");
      const done = await write.then(() => true, () => false);
      assertEquals(done, writes === (op === "put" ? 3 : 2), `${op} after ${writes} writes`);
      await using kv = createLocalStorageKv(localStorage, { namespace });
      const record = await kv.getWithMetadata("k");
      const seen = record.value === null
        ? null
        : { value: record.value, metadata: record.metadata };
      assertEquals(seen, expected, `${op} stopped after ${writes} writes`);
      const listed = (await kv.list()).keys;
      assertEquals(listed, expected === null ? [] : [{ name: "k", metadata: expected.metadata }]);
      // What the cut left is a value item no info item names: kept while it
      // may be another tab's write in progress, removed by an open a minute on.
      const orphans = writes === 1 || (op === "put" && writes === 2) ? 1 : 0;
      assertEquals(kinds(localStorage, namespace).length, (expected === null ? 0 : 2) + orphans);
      later(61_000, () => createLocalStorageKv(localStorage, { namespace }));
      assertEquals(kinds(localStorage, namespace).length, expected === null ? 0 : 2);
      assertEquals((await kv.getWithMetadata("k")).value, expected?.value ?? null);
    });
  }
});

Deno.test("a page is listed from info items alone: no value is read", async () => {
  await withNamespace(localStorage, async (namespace) => {
    const read: string[] = [];
    const watched: StorageLike = {
      get length() {
        return localStorage.length;
      },
      key: (index) => localStorage.key(index),
      getItem: (key) => (read.push(key), localStorage.getItem(key)),
      setItem: (key, value) => localStorage.setItem(key, value),
      removeItem: (key) => localStorage.removeItem(key),
    };
    await using kv = createLocalStorageKv(watched, { namespace });
    for (let i = 0; i < 5; i++) await kv.put(`k${i}`, "x".repeat(100_000), { metadata: i });
    read.length = 0;
    const page = await kv.list({ limit: 3 });
    assertEquals(page.keys.map((k) => k.metadata), [0, 1, 2]);
    assert(read.length > 0, "it read info items");
    assert(read.every((name) => name.includes('":i:')), `it read ${read.join(", ")}`);
  });
});

Deno.test("another writer's changes are seen at once: a second handle, and a second process", async () => {
  await withNamespace(localStorage, async (namespace) => {
    await using kv = createLocalStorageKv(localStorage, { namespace });
    await using other = createLocalStorageKv(localStorage, { namespace });
    await kv.put("shared", "mine");
    await kv.put("doomed", "x");
    assertEquals(await other.get("shared"), "mine");
    await other.put("shared", "other's", { metadata: "o" });
    assertEquals((await kv.list()).keys, [{ name: "doomed" }, { name: "shared", metadata: "o" }]);
    assertEquals(await kv.get("shared"), "other's");
    // A process of its own on the same file (Deno keys it by the config file).
    const writer = new URL("./_local_storage_test_writer.ts", import.meta.url);
    const config = new URL("../deno.json", import.meta.url);
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--config", config.pathname, writer.pathname, namespace],
      stdout: "null",
      stderr: "piped",
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    assertEquals((await kv.list()).keys, [
      { name: "from-writer", metadata: { by: "writer" } },
      { name: "shared", metadata: { by: "writer" } },
    ]);
    assertEquals(await kv.get("shared"), "the writer's");
    assertEquals(await kv.get("doomed"), null);
  });
});

Deno.test("expired records are reclaimed by the read that finds them and by the next open", async () => {
  await withNamespace(localStorage, async (namespace) => {
    const clock = createFakeClock();
    {
      await using kv = createLocalStorageKv(localStorage, { namespace, now: clock.now });
      await kv.put("read", "a", { expirationTtl: 60 });
      await kv.put("unread", "b", { expirationTtl: 60 });
      await kv.put("lasting", "c");
      clock.advance(60_000);
      assertEquals(await kv.get("read"), null);
      assertEquals(kinds(localStorage, namespace), ["i", "i", "v", "v"]);
    }
    await using kv = createLocalStorageKv(localStorage, { namespace, now: clock.now });
    assertEquals(kinds(localStorage, namespace), ["i", "v"]);
    assertEquals(await kv.get("lasting"), "c");
  });
});

Deno.test("the default storage is globalThis.localStorage, and none is a TypeError", async () => {
  await withNamespace(localStorage, async (namespace) => {
    await using kv = createLocalStorageKv(undefined, { namespace });
    await kv.put("k", "v");
    assertEquals(kinds(localStorage, namespace), ["i", "v"]);
  });
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, "localStorage")!;
  Object.defineProperty(globalThis, "localStorage", { value: undefined, configurable: true });
  try {
    let error: unknown;
    try {
      createLocalStorageKv();
    } catch (caught) {
      error = caught;
    }
    assert(error instanceof TypeError, String(error));
  } finally {
    Object.defineProperty(globalThis, "localStorage", descriptor);
  }
});
