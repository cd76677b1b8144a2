import { createFakeClock } from "../conformance/mod.ts";
import { KvError } from "../errors.ts";
import { type CommitPlan, countKind, rawEntries, spyKv } from "./_deno_kv_test_spy.ts";
import type { KvRecord } from "../kv_driver.ts";
import { createDenoKvDriver } from "./_deno_kv_driver.ts";
import { createDenoKv, openDenoKv, RECLAIM_SLACK_MS } from "./deno_kv.ts";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function assertEquals(actual: unknown, expected: unknown, message = "") {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  const cut = (text: string) => text.length > 300 ? `${text.slice(0, 300)}…` : text;
  if (a !== e) {
    throw new Error(`${message}\nexpected: ${cut(e)}\nactual:   ${cut(a)}`);
  }
}

const MiB = 1024 * 1024;

/** Bytes whose every position depends on the seed, so mixes are visible. */
function pattern(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    bytes[i] = (seed * 31 + i * 7 + (i >> 16)) & 255;
  }
  return bytes;
}

function samePattern(bytes: Uint8Array, seed: number, length: number): boolean {
  if (bytes.byteLength !== length) return false;
  for (let i = 0; i < length; i++) {
    if (bytes[i] !== ((seed * 31 + i * 7 + (i >> 16)) & 255)) return false;
  }
  return true;
}

async function withDb(fn: (db: Deno.Kv) => Promise<void>, path = ":memory:") {
  const db = await Deno.openKv(path);
  try {
    await fn(db);
  } finally {
    db.close();
  }
}

Deno.test("createDenoKv() stores every entry as a Uint8Array", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db, { namespace: "ns" });
    await kv.put("text", "héllo");
    await kv.put("binary", new Uint8Array([0, 1, 255]));
    await kv.put("json", JSON.stringify({ a: [1, 2] }), {
      metadata: { m: true },
      expirationTtl: 120,
    });
    await kv.put("large", pattern(1, 3 * MiB + 5), { metadata: "big" });
    const entries = await rawEntries(db, "ns");
    assert(entries.length > 8, "entries were written");
    for (const entry of entries) {
      assert(
        entry.value instanceof Uint8Array,
        `${String(entry.key)} holds a Uint8Array`,
      );
    }
  }));

Deno.test("createDenoKv() keeps namespaces isolated for get, list and cursors", () =>
  withDb(async (db) => {
    const a = createDenoKv(db, { namespace: "a" });
    const ab = createDenoKv(db, { namespace: "ab" });
    for (let i = 0; i < 5; i++) {
      await a.put(`k${i}`, `a${i}`);
      await ab.put(`k${i}`, `ab${i}`, { metadata: i });
    }
    await ab.put("only-ab", "x");
    assertEquals(await a.get("k1"), "a1");
    assertEquals(await ab.get("k1"), "ab1");
    assertEquals(await a.get("only-ab"), null);
    assertEquals([...(await a.get(["k1", "only-ab"])).entries()], [
      ["k1", "a1"],
      ["only-ab", null],
    ]);
    assertEquals((await a.list()).keys.map((k) => k.name), [
      "k0",
      "k1",
      "k2",
      "k3",
      "k4",
    ]);
    const page = await ab.list({ limit: 2 });
    assert(!page.list_complete, "the first page is incomplete");
    // A cursor from namespace "ab" reads nothing in namespace "a".
    const foreign = await a.list({ limit: 2, cursor: page.cursor });
    assertEquals(foreign, { keys: [], list_complete: true, cacheStatus: null });
    const own = await ab.list({ limit: 10, cursor: page.cursor });
    assertEquals(own.keys.map((k) => k.name), ["k2", "k3", "k4", "only-ab"]);
    await a.delete("k1");
    assertEquals(await ab.get("k1"), "ab1");
  }));

/** Re-encodes an engine cursor with another last key (a forgery). */
function forge(cursor: string, key: string): string {
  const binary = atob(cursor.replace(/-/g, "+").replace(/_/g, "/"));
  const head = binary.slice(0, 5);
  const tail = String.fromCharCode(...new TextEncoder().encode(key));
  return btoa(head + tail).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

Deno.test("createDenoKv() binds cursors to the prefix; forged cursors stay inside it", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db, { namespace: "ns" });
    const other = createDenoKv(db, { namespace: "other" });
    for (const key of ["a1", "a2", "a3", "b1", "b2", "b3", "c1"]) {
      await kv.put(key, key);
      await other.put(key, key);
    }
    const page = await kv.list({ prefix: "a", limit: 1 });
    assert(!page.list_complete, "incomplete page");
    // Replayed on another prefix, the cursor reads nothing.
    assertEquals(
      (await kv.list({ prefix: "b", cursor: page.cursor })).keys,
      [],
    );
    // Forged with a key before, inside and after the prefix: never outside.
    for (
      const key of ["", "0", "a", "a2", "a9", "b", "b2", "\u{10FFFF}", "zzz"]
    ) {
      const forged = forge(page.cursor, key);
      const result = await kv.list({ prefix: "a", cursor: forged });
      for (const { name } of result.keys) {
        assert(
          name.startsWith("a"),
          `forged cursor after "${key}" escaped to ${name}`,
        );
      }
    }
    for (const junk of ["", "x", "AAAA", "////", "a".repeat(800)]) {
      const result = await kv.list({ prefix: "b", cursor: junk });
      for (const { name } of result.keys) {
        assert(name.startsWith("b"), `junk cursor escaped to ${name}`);
      }
    }
  }));

Deno.test("createDenoKv() lists with string ranges, never Deno's tuple prefix, reading records only", () =>
  withDb(async (db) => {
    const { kv: spied, log } = spyKv(db);
    const sizes = { tiny: 1, medium: 20_000, large: 200_000 };
    const spaces = Object.entries(sizes).map(([namespace, size]) => ({
      kv: createDenoKv(spied, { namespace }),
      size,
    }));
    for (const { kv, size } of spaces) {
      for (let i = 0; i < 20; i++) {
        await kv.put(`key${i}`, pattern(i, size + i), { metadata: { i } });
      }
    }
    const kv = spaces[0].kv;
    await kv.put("ab", "1");
    await kv.put("ab\u0000x", "2");
    await kv.put("ab\u{10FFFF}", "3");
    await kv.put("ac", "4");
    log.lists.length = 0;
    const names = (await kv.list({ prefix: "ab" })).keys.map((k) => k.name);
    assertEquals(names, ["ab", "ab\u0000x", "ab\u{10FFFF}"]);
    const pages = [];
    for (const { kv, size } of spaces) {
      log.listedBytes = 0;
      pages.push((await kv.list({ prefix: "key" })).keys);
      // A record: a 2-byte header, 4 + 8 bytes of metadata at most, and
      // a 1-byte value, nothing, or a 37-byte chunk pointer.
      assert(
        log.listedBytes <= 20 * 64,
        `a page over ${size}-byte values read ${log.listedBytes} bytes`,
      );
    }
    assertEquals(pages[1], pages[0]);
    assertEquals(pages[2], pages[0]);
    for (const selector of log.lists) {
      assert(
        "start" in selector && selector.start !== undefined,
        "a start key is given",
      );
      assertEquals(selector.start[1], "r", "only records are scanned");
    }
  }));

Deno.test("createDenoKv() bulk get runs getMany in concurrent groups of 10", () =>
  withDb(async (db) => {
    const { kv: spied, log } = spyKv(db);
    const kv = createDenoKv(spied);
    const keys = Array.from({ length: 100 }, (_, i) => `key-${i}`);
    for (const key of keys) await kv.put(key, key.toUpperCase());
    log.getManySizes.length = 0;
    const values = await kv.get(keys);
    assertEquals([...values.values()], keys.map((k) => k.toUpperCase()));
    assertEquals(log.getManySizes, Array(10).fill(10));
    assert(
      log.getManyPeak === 10,
      `all groups in flight at once, peak ${log.getManyPeak}`,
    );
  }));

Deno.test("createDenoKv() retries 'database is locked' and hides it from callers", () =>
  withDb(async (db) => {
    let commitFailures = 3, getFailures = 2;
    const { kv: spied, log } = spyKv(db, {
      beforeCommit() {
        if (commitFailures-- > 0) throw new TypeError("database is locked");
      },
      beforeGet() {
        if (getFailures-- > 0) throw new TypeError("database is locked");
      },
    });
    const kv = createDenoKv(spied);
    await kv.put("k", "v");
    assertEquals(await kv.get("k"), "v");
    assertEquals(
      log.commits.length,
      4,
      "three failed attempts, then one that landed",
    );
  }));

Deno.test("createDenoKv() reports other backend failures as KvError with the cause", () =>
  withDb(async (db) => {
    const boom = new Error("disk on fire");
    const { kv: spied } = spyKv(db, {
      beforeCommit() {
        throw boom;
      },
    });
    const kv = createDenoKv(spied);
    try {
      await kv.put("k", "v");
      throw new Error("put should fail");
    } catch (error) {
      assert(error instanceof KvError, "a KvError");
      assertEquals(error.message, "KV PUT failed: 500 Internal Server Error");
      assert(error.cause === boom, "the cause is the backend's error");
    }
  }));

Deno.test("createDenoKv() writes a small value with one commit of two keys and reads it with one get", () =>
  withDb(async (db) => {
    let gets = 0;
    const { kv: spied, log } = spyKv(db, { beforeGet: () => void gets++ });
    const kv = createDenoKv(spied);
    await kv.put("small", "x".repeat(1024), { metadata: "m".repeat(1000) });
    await kv.delete("gone");
    const shape = (c: CommitPlan) => [
      c.checks.length,
      c.sets.length,
      c.deletes.length,
    ];
    assertEquals(log.commits.map(shape), [[1, 1, 0], [1, 0, 1]]);
    assertEquals(gets, 0, "writes read nothing");
    assertEquals((await kv.get("small"))?.length, 1024);
    assertEquals(gets, 1, "a small value is in its record");
    assertEquals((await rawEntries(db, "kvkit")).length, 1, "one entry");
  }));

Deno.test("createDenoKv() writes a medium value with one commit once it knows the key", () =>
  withDb(async (db) => {
    let gets = 0;
    const { kv: spied, log } = spyKv(db, { beforeGet: () => void gets++ });
    const kv = createDenoKv(spied);
    const shape = (c: CommitPlan) => [
      c.checks.length,
      c.sets.length,
      c.deletes.length,
    ];
    await kv.put("medium", "y".repeat(64_000), { metadata: "m".repeat(500) });
    assertEquals(log.commits.map(shape), [[1, 3, 0]], "record, value, owned");
    assertEquals(gets, 1, "a new key's owned entry is read first");
    await kv.put("medium", "z".repeat(2000));
    assertEquals(log.commits.slice(1).map(shape), [[1, 2, 0]]);
    assertEquals(gets, 1, "an overwrite commits against what it knows");
    assertEquals(await kv.get("medium"), "z".repeat(2000));
    assertEquals(gets, 2, "and a get reads the value entry directly");
    // Another handle (or process) knows nothing yet.
    const other = createDenoKv(spied);
    assertEquals((await other.get("medium"))?.length, 2000);
    assertEquals(gets, 4, "record, then value");
    assertEquals((await other.getWithMetadata("medium")).metadata, null);
    assertEquals(gets, 5, "then the value alone");
    // Our guess goes stale when the other handle writes; the check catches it.
    await other.put("medium", "w".repeat(3000), { metadata: 1 });
    await kv.put("medium", "v".repeat(4000));
    assertEquals(await other.get("medium"), "v".repeat(4000));
    // A medium value that becomes small, large or deleted leaves nothing.
    await kv.put("medium", "small now");
    assertEquals(await other.get("medium"), "small now");
    assertEquals((await rawEntries(db, "kvkit")).length, 1, "the record");
    await other.put("medium", "z".repeat(5000));
    await kv.put("medium", "z".repeat(70_000));
    assertEquals((await other.get("medium"))?.length, 70_000);
    assertEquals(await countKind(db, "kvkit", "v"), 0);
    await kv.put("medium", "z".repeat(5000));
    await other.delete("medium");
    assertEquals(await kv.get("medium"), null);
    assertEquals((await rawEntries(db, "kvkit")).length, 0, "nothing is left");
  }));

Deno.test("createDenoKv() deletes old generations after overwrites and deletes", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db, { namespace: "ns" });
    const chunks = () => countKind(db, "ns", "c");
    await kv.put("k", pattern(1, 2 * MiB));
    assertEquals(await chunks(), 32);
    await kv.put("k", pattern(2, 1 * MiB + 1));
    assertEquals(await chunks(), 17, "the first generation is gone");
    assert(
      samePattern(
        new Uint8Array((await kv.get("k", "arrayBuffer"))!),
        2,
        MiB + 1,
      ),
      "new value",
    );
    await kv.put("k", "small");
    assertEquals(await chunks(), 0, "a small overwrite removes the chunks");
    assertEquals(await countKind(db, "ns", "o"), 0, "and the owned entry");
    await kv.put("k", pattern(3, 100_000));
    assertEquals(await chunks(), 2);
    await kv.delete("k");
    assertEquals(await chunks(), 0, "a delete removes the chunks");
    assertEquals((await rawEntries(db, "ns")).length, 0, "nothing is left");
  }));

Deno.test("createDenoKv() reclaims expired large and medium values with all they own", () =>
  withDb(async (db) => {
    const clock = createFakeClock();
    const kv = createDenoKv(db, { namespace: "ns", now: clock.now });
    await kv.put("big", pattern(4, 3 * MiB), { expirationTtl: 60 });
    await kv.put("medium", pattern(5, 30_000), { expirationTtl: 60 });
    await kv.put("small", "s", { expirationTtl: 60 });
    assertEquals(await countKind(db, "ns", "c"), 48);
    clock.advance(59_999);
    assert(
      (await kv.get("big", "arrayBuffer"))?.byteLength === 3 * MiB,
      "still live",
    );
    clock.advance(1);
    assertEquals(await kv.get("big"), null);
    assertEquals(await kv.get("medium"), null);
    assertEquals((await kv.list()).keys, []);
    assertEquals(
      (await rawEntries(db, "ns")).map((e) => e.key),
      [],
      "no records and no chunks",
    );
  }));

Deno.test("driver deleteExpired() keeps a fresh write that lands between its read and its commit", () =>
  withDb(async (db) => {
    const plain = createDenoKvDriver(db, { namespace: "ns", now: Date.now });
    for (const size of [10, 20_000, 200_000]) {
      // The read before the commit: of the record for a small value, of
      // the record and owned entry for a medium or large one.
      let reads = size === 10 ? 1 : 2;
      const { kv: spied } = spyKv(db, {
        async afterGetMany() {
          if (--reads === 0) await plain.put("k", { value: pattern(9, size) });
        },
      });
      const racing = createDenoKvDriver(spied, {
        namespace: "ns",
        now: Date.now,
      });
      await plain.put("k", { value: pattern(8, size), expiration: 100 });
      await racing.deleteExpired!(["k"], 200_000);
      assert(reads <= 0, "the race happened");
      const record = await plain.get("k");
      assert(
        record !== undefined && samePattern(record.value as Uint8Array, 9, size),
        `fresh ${size}-byte write survived`,
      );
      assertEquals(record.expiration, undefined);
      // Without a race, the expired record goes.
      await plain.put("k", { value: pattern(8, size), expiration: 100 });
      await plain.deleteExpired!(["k"], 200_000);
      assertEquals(await plain.get("k"), undefined);
      assertEquals((await rawEntries(db, "ns")).length, 0, "nothing is left");
    }
  }));

Deno.test("createDenoKv() readers never see mixed bytes while large values are overwritten", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db);
    const length = (seed: number) => MiB + seed * 4099;
    await kv.put("k", pattern(0, length(0)));
    let writing = true;
    const writer = (async () => {
      for (let seed = 1; seed <= 12; seed++) {
        await kv.put("k", pattern(seed, length(seed)));
      }
      writing = false;
    })();
    let reads = 0;
    const reader = async () => {
      while (writing) {
        const bytes = new Uint8Array((await kv.get("k", "arrayBuffer"))!);
        const seed = Math.round((bytes.byteLength - MiB) / 4099);
        assert(
          samePattern(bytes, seed, length(seed)),
          `read ${reads} is one whole value`,
        );
        reads++;
      }
    };
    await Promise.all([writer, reader(), reader()]);
    assert(reads > 4, `readers ran (${reads} reads)`);
    assertEquals(
      await countKind(db, "kvkit", "c"),
      16 + 1,
      "only the last generation is left",
    );
  }));

Deno.test("sweep() removes the chunks of a write that crashed before publishing", () =>
  withDb(async (db) => {
    let crash = false;
    const { kv: spied } = spyKv(db, {
      beforeCommit(plan) {
        if (crash && plan.sets.some(({ key }) => key[1] === "r")) {
          throw new Error("crash");
        }
      },
    });
    const kv = createDenoKv(spied, { namespace: "ns" });
    await kv.put("k", pattern(1, MiB));
    crash = true;
    await kv.put("k", pattern(2, 2 * MiB)).then(() => {
      throw new Error("the publish should fail");
    }, () => {});
    crash = false;
    assertEquals(
      await countKind(db, "ns", "c"),
      16 + 32,
      "the crashed generation is left behind",
    );
    assert(
      samePattern(new Uint8Array((await kv.get("k", "arrayBuffer"))!), 1, MiB),
      "old value intact",
    );
    assertEquals(
      await kv.sweep(),
      { keys: 0, generations: 0, chunks: 0 },
      "young ones are kept",
    );
    assertEquals(await kv.sweep({ graceMs: 0 }), {
      keys: 1,
      generations: 1,
      chunks: 32,
    });
    assertEquals(await countKind(db, "ns", "c"), 16);
    assert(
      samePattern(new Uint8Array((await kv.get("k", "arrayBuffer"))!), 1, MiB),
      "live value intact",
    );
    // A small put after the sweep takes the one-commit path again.
    await kv.delete("k");
    assertEquals((await rawEntries(db, "ns")).length, 0, "nothing is left");
  }));

Deno.test("sweep() removes what a key owned once Deno's expiry reclaimed its record", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db, { namespace: "ns" });
    await kv.put("k", pattern(1, MiB), { expirationTtl: 3600 });
    await kv.put("m", pattern(2, 5000), { expirationTtl: 3600 });
    // What Deno's sweeper does when the entries' expireIn passes.
    await db.atomic().delete(["ns", "r", "k"]).delete(["ns", "r", "m"])
      .delete(["ns", "v", "m"]).commit();
    assertEquals(await kv.get("k"), null);
    assertEquals(await kv.get("m"), null);
    assertEquals(await kv.sweep(), { keys: 1, generations: 1, chunks: 16 });
    assertEquals((await rawEntries(db, "ns")).length, 0, "nothing is left");
  }));

Deno.test("createDenoKv() sets expireIn on records and chunks, one hour after the expiration", async () => {
  const { DatabaseSync } = await import("node:sqlite");
  const dir = await Deno.makeTempDir();
  const path = `${dir}/kv.sqlite3`;
  try {
    const clock = createFakeClock();
    await withDb(async (db) => {
      const kv = createDenoKv(db, { namespace: "ns", now: clock.now });
      await kv.put("big", pattern(1, 200_000), { expirationTtl: 600 });
      await kv.put("small", "s", { expiration: clock.now() / 1000 + 120 });
      await kv.put("forever", "f");
      await kv.put("was-expiring", "w", { expirationTtl: 600 });
      await kv.put("was-expiring", "w");
    }, path);
    const sqlite = new DatabaseSync(path, { readOnly: true });
    const rows = sqlite.prepare("select k, v_encoding, expiration_ms from kv")
      .all() as {
        k: Uint8Array;
        v_encoding: number;
        expiration_ms: number;
      }[];
    sqlite.close();
    // Tuple-encoded keys: a type byte before each part, a NUL after it.
    const text = (k: Uint8Array) =>
      new TextDecoder().decode(k).replaceAll("\u0002", "")
        .replaceAll("\u0000", "|");
    const now = Date.now();
    const expiring = rows.filter((row) => row.expiration_ms !== -1).map((row) => text(row.k));
    assertEquals(
      expiring.length,
      2 + 4,
      "the records of two keys and four chunks expire",
    );
    for (const row of rows) {
      assertEquals(row.v_encoding, 3, `${text(row.k)} is stored as raw bytes`);
      const name = text(row.k);
      const ttl = name.includes("small") ? 120_000 : 600_000;
      if (row.expiration_ms === -1) {
        assert(
          /forever|was-expiring|\|o\|/.test(name),
          `${name} never expires`,
        );
        continue;
      }
      const expected = now + ttl + RECLAIM_SLACK_MS;
      assert(
        Math.abs(row.expiration_ms - expected) < 30_000,
        `${name} expires about ${expected}`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("createDenoKv() close() leaves the caller's handle open", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db);
    await kv.put("k", "v");
    await kv.close();
    assertEquals(
      (await db.get(["kvkit", "r", "k"])).versionstamp !== null,
      true,
    );
    const again = createDenoKv(db);
    assertEquals(await again.get("k"), "v");
  }));

Deno.test("openDenoKv() opens :memory: by default and closes it on dispose", async () => {
  let kv;
  {
    await using opened = await openDenoKv();
    kv = opened;
    await opened.put("k", "v");
    assertEquals(await opened.get("k"), "v");
  }
  try {
    await kv.get("k");
    throw new Error("get after dispose should fail");
  } catch (error) {
    assert(error instanceof KvError, "a closed namespace fails with KvError");
  }
});

Deno.test("openDenoKv() rejects an empty path, which would pick @deno/kv's limitless JS backend", async () => {
  try {
    await openDenoKv("");
    throw new Error("should reject");
  } catch (error) {
    assert(error instanceof TypeError, "a TypeError");
  }
});

Deno.test("a forged in-scope cursor with a key far over 512 bytes gives a normal page", async () => {
  const { cursorScope, encodeCursor } = await import("../_cursor.ts");
  await using kv = await openDenoKv(":memory:");
  for (const key of ["a", "b", "é", "\u{10FFFF}"]) await kv.put(key, "v");
  for (const forged of ["a".repeat(3000), "é".repeat(2000), "\u{10FFFF}".repeat(700)]) {
    const cursor = encodeCursor(cursorScope("kvkit", ""), forged);
    const page = await kv.list({ cursor });
    // Every stored key is at most 512 bytes, so the page starts after the
    // longest prefix of the forged key that a stored key could share.
    const expected = ["a", "b", "é", "\u{10FFFF}"].filter((k) => k > forged.slice(0, 2));
    assertEquals(page.keys.map((k) => k.name), expected);
    assertEquals(page.list_complete, true);
  }
});

Deno.test("a namespace too long for Deno's keys is refused when the namespace is made", async () => {
  const { MAX_NAMESPACE_BYTES } = await import("./deno_kv.ts");
  using db = await Deno.openKv(":memory:");
  for (const namespace of ["n".repeat(MAX_NAMESPACE_BYTES + 1), "\u0000".repeat(500)]) {
    let error: unknown;
    try {
      createDenoKv(db, { namespace });
    } catch (caught) {
      error = caught;
    }
    assert(error instanceof RangeError, `refused: ${error}`);
  }
  // The longest allowed namespace holds the longest key, listed with a
  // cursor and read back.
  const kv = createDenoKv(db, { namespace: "n".repeat(MAX_NAMESPACE_BYTES) });
  const key = "\u0000".repeat(512);
  await kv.put(key, "nul");
  await kv.put(`${"\u0000".repeat(511)}\u0001`, "after");
  const page = await kv.list({ limit: 1 });
  assert(!page.list_complete, "a second page");
  assertEquals((await kv.list({ cursor: page.cursor })).keys.length, 1);
  assertEquals(await kv.get(key), "nul");
  let lone: unknown;
  try {
    createDenoKv(db, { namespace: "a\uD800" });
  } catch (caught) {
    lone = caught;
  }
  assert(lone instanceof TypeError, "a lone surrogate is refused");
});

Deno.test("driver putMany() commits many keys at once and falls back to put for keys that own values", () =>
  withDb(async (db) => {
    const kv = createDenoKv(db);
    // A key holding a medium value owns an entry: a batch that includes it
    // fails its check and goes key by key; a large value goes alone.
    await kv.put("medium", pattern(1, 10_000));
    const { kv: spied, log } = spyKv(db);
    const driver = createDenoKvDriver(spied, { namespace: "kvkit", now: Date.now });
    const records: { key: string; record: KvRecord }[] = Array.from({ length: 250 }, (_, i) => ({
      key: `k${String(i).padStart(3, "0")}`,
      record: { value: `v${i}`, metadata: i % 2 ? `{"i":${i}}` : undefined },
    }));
    records.push({ key: "mid", record: { value: pattern(2, 5000), metadata: undefined } });
    await driver.putMany(records, 100);
    assert(log.commits.length <= 4, `3 batches, got ${log.commits.length} commits`);
    await driver.putMany([
      { key: "a", record: { value: "A", metadata: undefined } },
      { key: "medium", record: { value: "now small", metadata: undefined } },
      { key: "large", record: { value: pattern(3, 2 * MiB), metadata: undefined } },
    ], 100);
    assertEquals(await kv.get("k007"), "v7");
    assertEquals((await kv.getWithMetadata("k009")).metadata, { i: 9 });
    assert(samePattern(new Uint8Array((await kv.get("mid", "arrayBuffer"))!), 2, 5000), "mid");
    assertEquals(await kv.get("a"), "A");
    assertEquals(await kv.get("medium"), "now small");
    const large = await kv.get("large", "arrayBuffer");
    assert(large !== null && samePattern(new Uint8Array(large), 3, 2 * MiB), "large");
    assertEquals((await kv.list()).keys.length, 254);
    assertEquals((await kv.sweep()).chunks, 0, "nothing orphaned");
  }));
