import { deepStrictEqual as assertEquals, ok as assert, rejects, throws } from "node:assert/strict";
import { UsageError } from "./_cli_args.ts";
import { openStore, parseStoreName, sameStore, StoreError, storesOf } from "./_cli_stores.ts";
import type { StoreEntry, StoreOptions, StoreRecord } from "./targets/_entry.ts";
import { registry } from "./targets/mod.ts";

const opened: [string, StoreOptions][] = [];
const fake: StoreEntry = {
  scheme: "fake",
  schemes: ["alias"],
  syntax: "fake:<where>",
  summary: "a store for this test",
  open(location, options) {
    opened.push([location, options]);
    if (location === "bad") return Promise.reject(new TypeError("fake needs a good location"));
    if (location === "down") return Promise.reject(new Error("connection refused"));
    return Promise.reject(new Error("not opened in this test"));
  },
};

Deno.test("the CLI's stores are the registry's, each under its own scheme", () => {
  const stores = storesOf(registry);
  assertEquals(stores, registry.flatMap((e) => e.store === undefined ? [] : [e.store]));
  for (const scheme of ["deno-kv", "miniflare"]) {
    assert(stores.some((s) => s.scheme === scheme), scheme);
  }
  const schemes = stores.flatMap((s) => [s.scheme, ...s.schemes ?? []]);
  assertEquals(new Set(schemes).size, schemes.length, "no scheme is taken twice");
});

Deno.test("parseStoreName splits scheme, location and the namespace after the last #", () => {
  const stores = [fake];
  assertEquals(parseStoreName("fake:./a.db", stores).location, "./a.db");
  const named = parseStoreName("fake:./a#b.db#users", stores);
  assertEquals([named.location, named.namespace], ["./a#b.db", "users"]);
  const empty = parseStoreName("fake:./a#b.db#", stores);
  assertEquals([empty.location, empty.namespace], ["./a#b.db", undefined]);
  const url = parseStoreName("alias://u:p@host:5432/db#ns", stores);
  assertEquals([url.scheme, url.location, url.namespace, url.entry], [
    "alias",
    "//u:p@host:5432/db",
    "ns",
    fake,
  ]);
  throws(
    () => parseStoreName("./a.db", stores),
    /"\.\/a\.db" is not a store: name one as <scheme>:<location>, one of fake:<where>/,
  );
  throws(
    () => parseStoreName("nope:x", stores),
    /unknown store "nope:" in "nope:x"; stores are fake:<where>/,
  );
});

Deno.test("sameStore tells the same store and namespace apart from others", () => {
  const name = (text: string) => parseStoreName(text, [fake]);
  assert(sameStore(name("fake:a#n"), name("fake:a#n")));
  assert(!sameStore(name("fake:a#n"), name("fake:a#m")));
  assert(!sameStore(name("fake:a"), name("fake:b")));
});

Deno.test("openStore passes mode, namespace and scheme, and sorts usage from store errors", async () => {
  opened.length = 0;
  await rejects(
    openStore(parseStoreName("alias:bad#ns", [fake]), "read"),
    (e: Error) =>
      e instanceof UsageError &&
      /^cannot use "alias:bad#ns": fake needs a good location$/.test(e.message),
  );
  await rejects(
    openStore(parseStoreName("fake:down", [fake]), "write"),
    (e: Error) =>
      e instanceof StoreError &&
      e.message === 'cannot open "fake:down" for writing: connection refused' &&
      (e.cause as Error).message === "connection refused",
  );
  assertEquals(opened, [
    ["bad", { mode: "read", namespace: "ns", scheme: "alias" }],
    ["down", { mode: "write" }],
  ]);
});

const denoKv = registry.find((e) => e.name === "deno-kv")!.store!;
const miniflare = registry.find((e) => e.name === "miniflare")!.store!;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

Deno.test("the deno-kv store opens for reading only an existing Deno KV database", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-store-" });
  try {
    const read = (path: string) => denoKv.open(path, { mode: "read" });
    await rejects(
      read(`${dir}/typo.db`),
      /typo\.db does not exist \(reading a store never creates one\)/,
    );
    assert(!await exists(`${dir}/typo.db`), "reading creates nothing");
    await rejects(read(dir), /is a directory, not a Deno KV database/);
    await Deno.writeTextFile(
      `${dir}/notes.txt`,
      "not a database, but long enough to have a header",
    );
    await rejects(
      read(`${dir}/notes.txt`),
      /notes\.txt is not a Deno KV database \(not an SQLite file\)/,
    );
    const { DatabaseSync } = await import("node:sqlite");
    const other = new DatabaseSync(`${dir}/other.db`);
    other.exec("CREATE TABLE t (x)");
    other.close();
    const before = await Deno.readFile(`${dir}/other.db`);
    await rejects(
      read(`${dir}/other.db`),
      /an SQLite database, but not a Deno KV one \(it has no kv table\)/,
    );
    assertEquals(await Deno.readFile(`${dir}/other.db`), before, "the other database is untouched");
    for (const mode of ["read", "write"] as const) {
      await rejects(
        denoKv.open(":memory:", { mode }),
        (e: Error) =>
          e instanceof TypeError &&
          /in-memory database lives only as long as the process/.test(e.message),
      );
    }
    await rejects(
      denoKv.open(`${dir}/missing/kv.db`, { mode: "write" }),
      /the directory .*missing does not exist/,
    );
    const made = await denoKv.open(`${dir}/kv.db`, { mode: "write" });
    await made.kv.put("k", "v");
    await made.kv.close();
    await using again = (await read(`${dir}/kv.db`)).kv;
    assertEquals(await again.get("k"), "v");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the deno-kv store's writeMany writes the driver's layout, many keys per commit", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-store-" });
  try {
    const path = `${dir}/kv.db`;
    const expiration = Math.floor(Date.now() / 1000) + 3600;
    const bytes = (n: number, seed: number) => new Uint8Array(n).map((_, i) => (i * seed) % 251);
    const records: StoreRecord[] = [
      ...Array.from({ length: 250 }, (_, i) => ({ key: `small:${i}`, record: { value: `v${i}` } })),
      { key: "\uFEFF\uFEFFbom", record: { value: "", metadata: '{"m":1}', expiration } },
      { key: "medium", record: { value: bytes(2000, 7), metadata: '"x"' } },
      { key: "medium-text", record: { value: "é".repeat(20_000), expiration } },
      { key: "large", record: { value: bytes(300_000, 13) } },
    ];
    {
      const store = await denoKv.open(path, { mode: "write", namespace: "ns" });
      await store.writeMany!(records);
      await store.kv.close();
    }
    const { openDenoKv } = await import("./adapters/deno_kv.ts");
    {
      await using kv = await openDenoKv(path, { namespace: "ns" });
      for (const { key, record } of records) {
        const got = await kv.getWithMetadata(key, "arrayBuffer");
        const want = typeof record.value === "string"
          ? new TextEncoder().encode(record.value)
          : record.value;
        assertEquals(new Uint8Array(got.value!), want, key);
        assertEquals(
          got.metadata,
          record.metadata === undefined ? null : JSON.parse(record.metadata),
          key,
        );
      }
      const listed = (await kv.list({ prefix: "\uFEFF" })).keys;
      assertEquals(listed, [{ name: "\uFEFF\uFEFFbom", expiration, metadata: { m: 1 } }]);
      assertEquals((await kv.list()).keys.length, records.length);
    }
    // Keys written in one commit share its versionstamp: 250 small keys
    // took a few commits, not 250.
    const raw = await Deno.openKv(path);
    const stamps = new Set<string>();
    for await (const entry of raw.list({ prefix: ["ns", "r"] })) {
      if (String(entry.key[2]).startsWith("small:")) stamps.add(entry.versionstamp);
    }
    raw.close();
    assert(stamps.size <= 3, `${stamps.size} commits for 250 small keys`);
    // Over keys that hold medium and large values, the batch falls back to
    // the driver's own put, which retires what they owned.
    {
      const store = await denoKv.open(path, { mode: "write", namespace: "ns" });
      await store.writeMany!([
        { key: "medium", record: { value: "now small" } },
        { key: "large", record: { value: "small too" } },
        { key: "small:0", record: { value: bytes(5000, 3) } },
      ]);
      await store.kv.close();
    }
    // What each key owns beyond its record, as the layout keeps it: only
    // the keys that now hold medium values own a value entry.
    const layout = await Deno.openKv(path);
    const owned = async (part: string) => {
      const names: string[] = [];
      for await (const e of layout.list({ prefix: ["ns", part] })) names.push(String(e.key[2]));
      return names;
    };
    assertEquals(await owned("v"), ["medium-text", "small:0"]);
    assertEquals(await owned("o"), ["medium-text", "small:0"]);
    layout.close();
    await using kv = await openDenoKv(path, { namespace: "ns" });
    assertEquals(await kv.get("medium"), "now small");
    assertEquals(await kv.get("large"), "small too");
    assertEquals(new Uint8Array((await kv.get("small:0", "arrayBuffer"))!), bytes(5000, 3));
    assertEquals(await kv.sweep({ graceMs: 0 }), { keys: 0, generations: 0, chunks: 0 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "the miniflare store reads wrangler's --persist-to directory and names the namespaces there",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kvkit-store-mf-" });
    try {
      const read = (path: string, namespace?: string) =>
        miniflare.open(path, { mode: "read", ...namespace === undefined ? {} : { namespace } });
      await rejects(
        read(`${dir}/none`),
        /none does not exist \(reading a store never creates one\)/,
      );
      assert(!await exists(`${dir}/none`));
      await Deno.mkdir(`${dir}/empty`);
      await rejects(read(`${dir}/empty`), /is not a Miniflare KV directory/);
      // wrangler keeps KV in <persist-to>/v3/kv, one directory per namespace id.
      await Deno.mkdir(`${dir}/state/v3`, { recursive: true });
      const written = await miniflare.open(`${dir}/state`, { mode: "write", namespace: "0f2a" });
      await written.kv.put("k", "v");
      await written.kv.close();
      assert(await exists(`${dir}/state/v3/kv/0f2a`));
      await rejects(
        read(`${dir}/state`),
        /state has no namespace "kvkit"; it has "0f2a" \(name one: miniflare:.*state#<id>\)/,
      );
      await using kv = (await read(`${dir}/state`, "0f2a")).kv;
      assertEquals(await kv.get("k"), "v");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("server stores refuse an in-memory database and malformed URLs as usage errors", async () => {
  const stores = storesOf(registry);
  for (const text of ["postgres::memory:", "postgres:memory://", "redis:nohost", "rediss:"]) {
    await rejects(
      openStore(parseStoreName(text, stores), "write"),
      (e: Error) => e instanceof UsageError,
      text,
    );
  }
  await rejects(
    openStore(parseStoreName("postgres::memory:", stores), "read"),
    /in-memory PGlite database lives only as long as the process/,
  );
  await rejects(
    openStore(parseStoreName("rediss:host", stores), "read"),
    /redis needs a URL: .*, got "rediss:host"/,
  );
});
