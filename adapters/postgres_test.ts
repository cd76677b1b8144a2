// The Postgres adapter beyond the conformance suite: the storage layout,
// the plans of its statements, reclamation, namespaces, the schema, the
// clients it accepts and what it opens and closes. Each test runs on
// PGlite and, when KVKIT_POSTGRES_URL is set, on the server.

import {
  deepStrictEqual as assertEquals,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import postgres from "postgres";
import { createFakeClock } from "../conformance/clock.ts";
import { clockFixture } from "../conformance/clock.ts";
import { testKv } from "../conformance/runner.ts";
import { KvError } from "../errors.ts";
import { compareBytes, encodeKey } from "../keys.ts";
import { createPostgresKv, openPostgresKv, postgresKvSchema } from "./postgres.ts";
import {
  type Backend,
  closeBackends,
  explain,
  recording,
  rows,
  SERVER_URL,
  test,
  unique,
} from "./_postgres_test_backends.ts";
import entry, { parseStoreLocation } from "../targets/postgres.ts";
import type { StoreRecord } from "../targets/_entry.ts";

/** A namespace on a fresh table of its own, dropped by `drop`. */
async function fresh(backend: Backend, options: Parameters<typeof createPostgresKv>[1] = {}) {
  const table = unique("kvkit_test");
  const clock = createFakeClock();
  const kv = await createPostgresKv(backend.client, { table, now: clock.now, ...options });
  return {
    kv,
    table,
    clock,
    drop: async () => {
      await kv.close();
      await backend.client.query(`DROP TABLE IF EXISTS "${table}"`);
    },
  };
}

/** Fills a namespace with `n` rows `user:0000001`… by SQL, then analyzes. */
async function fill(backend: Backend, table: string, namespace: string, n: number) {
  await backend.client.query(
    `INSERT INTO "${table}" (namespace, key, value, metadata, expiration) ` +
      `SELECT $1, convert_to('user:' || lpad(i::text, 7, '0'), 'UTF8'), ` +
      `convert_to(repeat('v', 100), 'UTF8'), '{"i":' || i || '}', ` +
      `CASE WHEN i % 2 = 0 THEN 4000000000 + i END FROM generate_series(1, $2::int) AS i`,
    [namespace, n],
  );
  await backend.client.query(`ANALYZE "${table}"`);
}

function assertIndexPlan(plan: string, index: string) {
  assert(plan.includes(`Index Scan using ${index}`), plan);
  assert(!plan.includes("Seq Scan"), plan);
  assert(!plan.includes("Sort"), plan);
}

test("keys are stored as their UTF-8 bytes, U+0000 included, and list in byte order", async (b) => {
  const { kv, table, drop } = await fresh(b, { namespace: "keys" });
  const keys = ["\u0000", "\u0000x", "a", "a\u0000", "é", "\uFFFF", "\u{1F600}", "\u{10FFFF}"];
  for (const key of [...keys].reverse()) await kv.put(key, `value of ${key}`);
  const stored = await rows(b.client, `SELECT key FROM "${table}" ORDER BY key`);
  assertEquals(
    stored.map((row) => [...row.key as Uint8Array]),
    keys.map((key) => [...encodeKey(key)]).sort((x, y) =>
      compareBytes(new Uint8Array(x), new Uint8Array(y))
    ),
  );
  assertEquals((await kv.list()).keys.map((key) => key.name), keys);
  assertEquals(await kv.get("\u0000x"), "value of \u0000x");
  await drop();
});

test("a list page is one primary-key index range scan: no Sort, no Seq Scan, no value read", async (b) => {
  // 20 000 rows in each of two namespaces, analyzed: enough that the
  // planner would pick a Seq Scan if it could; enable_seqscan stays on.
  const { table, drop } = await fresh(b, { namespace: "listed" });
  await fill(b, table, "listed", 20_000);
  await fill(b, table, "other", 20_000);
  const { client, sent } = recording(b.client);
  const watched = await createPostgresKv(client, { table, namespace: "listed", schema: "skip" });
  const first = await watched.list({ prefix: "user:", limit: 1000 });
  assertEquals(first.keys.length, 1000);
  assert(!first.list_complete);
  const second = await watched.list({ prefix: "user:", cursor: first.cursor });
  assertEquals(second.keys[0].name, "user:0001001");
  await watched.list({ limit: 10 });
  const lists = sent.filter((s) => s.text.startsWith("SELECT key, metadata, expiration"));
  assertEquals(lists.length, 3);
  for (const statement of lists) {
    const plan = await explain(b.client, statement);
    assertIndexPlan(plan, `${table}_pkey`);
    assert(/Output: key, metadata, expiration/.test(plan), plan);
    assert(!/Output:.*\bvalue\b/.test(plan), plan);
  }
  assert(/ORDER BY key LIMIT \$\d+$/.test(lists[0].text), lists[0].text);
  await watched.close();
  await drop();
});

test("bulk get is one statement, key = ANY($2), on the primary key", async (b) => {
  const { table, drop } = await fresh(b, { namespace: "bulk" });
  await fill(b, table, "bulk", 20_000);
  const { client, sent } = recording(b.client);
  const kv = await createPostgresKv(client, { table, namespace: "bulk", schema: "skip" });
  const keys = Array.from({ length: 99 }, (_, i) => `user:${String(i * 7 + 1).padStart(7, "0")}`);
  const found = await kv.get([...keys, "missing"]);
  assertEquals(found.size, 100);
  assertEquals(found.get("user:0000008"), "v".repeat(100));
  assertEquals(found.get("missing"), null);
  assertEquals(sent.length, 1);
  assert(sent[0].text.includes("key = ANY($2)"), sent[0].text);
  assertIndexPlan(await explain(b.client, sent[0]), `${table}_pkey`);
  await kv.close();
  await drop();
});

test("a put is one INSERT … ON CONFLICT … DO UPDATE statement, sweeping or not", async (b) => {
  const { table, drop } = await fresh(b);
  for (const reclaim of [false, { every: 1 }] as const) {
    const { client, sent } = recording(b.client);
    const kv = await createPostgresKv(client, { table, schema: "skip", reclaim });
    await kv.put("k", "v", { metadata: { a: 1 }, expirationTtl: 60 });
    assertEquals(sent.length, 1);
    assert(/INSERT INTO .* ON CONFLICT \(namespace, key\) DO UPDATE/.test(sent[0].text));
    assertEquals(sent[0].text.startsWith("WITH swept AS (DELETE"), reclaim !== false);
    await kv.close();
  }
  await drop();
});

test("a sweep reads the expiration index up to its limit and deletes by primary key", async (b) => {
  const { table, drop } = await fresh(b, { namespace: "swept" });
  await fill(b, table, "swept", 20_000);
  const { client, sent } = recording(b.client);
  const kv = await createPostgresKv(client, {
    table,
    namespace: "swept",
    schema: "skip",
    reclaim: { every: 1, limit: 64 },
    now: () => 5_000_000_000_000, // every expiring row is expired
  });
  const before = await rows(b.client, `SELECT count(*)::int AS n FROM "${table}"`);
  await kv.put("new", "v");
  const after = await rows(b.client, `SELECT count(*)::int AS n FROM "${table}"`);
  assertEquals(Number(before[0].n) - Number(after[0].n), 64 - 1);
  const plan = await explain(b.client, sent[0]);
  assert(plan.includes(`Index Scan using ${table}_expiration`), plan);
  assert(/Limit/.test(plan), plan);
  assert(plan.includes(`Index Scan using ${table}_pkey`), plan);
  assert(!plan.includes("Seq Scan"), plan);
  await kv.close();
  await drop();
});

test("a sweep deletes at most `limit` rows, only of its namespace, expired by the injected clock", async (b) => {
  const { kv: other, table, clock, drop } = await fresh(b, { namespace: "b", reclaim: false });
  const kv = await createPostgresKv(b.client, {
    table,
    namespace: "a",
    now: clock.now,
    reclaim: { every: 1, limit: 4 },
  });
  const count = async (namespace: string, expired: boolean) => {
    const seconds = Math.floor(clock.now() / 1000);
    const [row] = await rows(
      b.client,
      `SELECT count(*)::int AS n FROM "${table}" WHERE namespace = $1 AND ` +
        `(expiration <= $2) IS ${expired ? "TRUE" : "NOT TRUE"}`,
      [namespace, seconds],
    );
    return Number(row.n);
  };
  for (let i = 0; i < 10; i++) {
    await other.put(`short${i}`, "x", { expirationTtl: 60 });
    await kv.put(`short${i}`, "x", { expirationTtl: 60 });
    // Expired by the database's clock (the fake clock is in 2025), never
    // by the injected one within this test.
    await kv.put(`long${i}`, "x", { expirationTtl: 86_400 });
  }
  clock.advance(61_000);
  assertEquals([await count("a", true), await count("b", true)], [10, 10]);
  await kv.put("trigger", "x");
  assertEquals([await count("a", true), await count("b", true)], [6, 10]);
  await kv.put("trigger", "y");
  await kv.put("trigger", "z");
  assertEquals([await count("a", true), await count("b", true)], [0, 10]);
  assertEquals(await count("a", false), 11); // the ten long ones and the trigger
  await kv.close();
  await drop();
});

test("a read deletes the expired rows it meets; a list does too", async (b) => {
  const { kv, table, clock, drop } = await fresh(b, { reclaim: false });
  await kv.put("one", "1", { expirationTtl: 60 });
  await kv.put("two", "2", { expirationTtl: 60 });
  await kv.put("three", "3", { expirationTtl: 60 });
  await kv.put("kept", "4");
  clock.advance(60_000);
  const names = async () =>
    (await rows(b.client, `SELECT convert_from(key, 'UTF8') AS k FROM "${table}" ORDER BY key`))
      .map((row) => row.k);
  assertEquals(await kv.get("one"), null);
  assertEquals(await names(), ["kept", "three", "two"]);
  assertEquals((await kv.get(["two", "kept"])).get("two"), null);
  assertEquals(await names(), ["kept", "three"]);
  assertEquals((await kv.list()).keys, [{ name: "kept" }]);
  assertEquals(await names(), ["kept"]);
  await drop();
});

test("namespaces in one table are isolated: reads, lists, deletes, cursors", async (b) => {
  const { kv: a, table, drop } = await fresh(b, { namespace: "a" });
  const other = await createPostgresKv(b.client, { table, namespace: "b" });
  await a.put("shared", "in a", { metadata: { ns: "a" } });
  await other.put("shared", "in b");
  await a.put("only-a", "1");
  await a.put("only-a2", "2");
  assertEquals(await a.get("shared"), "in a");
  assertEquals(await other.get("shared"), "in b");
  assertEquals(await other.get("only-a"), null);
  assertEquals([...(await other.get(["shared", "only-a"])).values()], ["in b", null]);
  assertEquals((await other.list()).keys, [{ name: "shared" }]);
  const page = await a.list({ limit: 1 });
  assertEquals(page.list_complete, false);
  assertEquals(await other.list({ limit: 1, cursor: page.cursor }), {
    keys: [],
    list_complete: true,
    cacheStatus: null,
  });
  await other.delete("shared");
  assertEquals(await a.getWithMetadata("shared"), {
    value: "in a",
    metadata: { ns: "a" },
    cacheStatus: null,
  });
  await other.close();
  await drop();
});

test("creating the table is idempotent: the second open runs one catalog query and no DDL", async (b) => {
  const table = unique("kvkit_schema");
  const first = recording(b.client);
  const kv = await createPostgresKv(first.client, { table });
  assertEquals(
    first.sent.filter((s) => s.text.startsWith("CREATE")).map((s) => s.text),
    postgresKvSchema(table),
  );
  const second = recording(b.client);
  await createPostgresKv(second.client, { table });
  assertEquals(second.sent.length, 1);
  assert(second.sent[0].text.startsWith("SELECT to_regclass"), second.sent[0].text);
  await kv.put("k", "v");
  await b.client.query(`DROP TABLE "${table}"`);
});

test("a table opened at once from six connections is created once, every time", async () => {
  const clients = Array.from({ length: 6 }, () => new pg.Client({ connectionString: SERVER_URL }));
  await Promise.all(clients.map((client) => client.connect()));
  try {
    for (let round = 0; round < 5; round++) {
      const table = unique("kvkit_race");
      const spaces = await Promise.all(
        clients.map((client, i) => createPostgresKv(client, { table, namespace: `n${i}` })),
      );
      await Promise.all(spaces.map((kv, i) => kv.put("k", `${i}`)));
      const [row] = await rows(clients[0], `SELECT count(*)::int AS n FROM "${table}"`);
      assertEquals(Number(row.n), 6);
      await clients[0].query(`DROP TABLE "${table}"`);
    }
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}, "server");

test('schema: "verify" fails clearly on a missing table or index and creates nothing', async (b) => {
  const table = unique("kvkit_missing");
  await assertRejects(
    createPostgresKv(b.client, { table, schema: "verify" }),
    (error: Error) =>
      error.message === `kvkit: table "${table}" does not exist (schema: ` +
          `"verify" creates nothing); run the DDL of postgresKvSchema(), or open with schema: "create"`,
  );
  const [row] = await rows(b.client, "SELECT to_regclass($1::text)::text AS t", [table]);
  assertEquals(row.t, null);
  await b.client.query(postgresKvSchema(table)[0]);
  await assertRejects(
    createPostgresKv(b.client, { table, schema: "verify" }),
    /index "kvkit_missing_\w+_expiration" does not exist/,
  );
  await b.client.query(postgresKvSchema(table)[1]);
  await createPostgresKv(b.client, { table, schema: "verify" });
  await b.client.query(`DROP TABLE "${table}"`);
});

test("a table of the name without kvkit's column types is refused, not used", async (b) => {
  const table = unique("kvkit_foreign");
  await b.client.query(
    `CREATE TABLE "${table}" (namespace text, key text, value bytea, metadata text, ` +
      `expiration bigint, PRIMARY KEY (namespace, key))`,
  );
  await b.client.query(postgresKvSchema(table)[1]);
  await assertRejects(
    createPostgresKv(b.client, { table }),
    new RegExp(`"${table}" is not a kvkit table: it lacks the column key bytea$`),
  );
  await b.client.query(`DROP TABLE "${table}"`);
});

test('schema: "skip" sends nothing until the first call', async (b) => {
  const { client, sent } = recording(b.client);
  const kv = await createPostgresKv(client, { table: unique("kvkit_skip"), schema: "skip" });
  assertEquals(sent.length, 0);
  await assertRejects(kv.get("k"), (error: KvError) => error.status === 500);
});

test("a schema-qualified table is created in its schema", async (b) => {
  const schema = unique("kvkit_ns", "SCHEMA");
  await b.client.query(`CREATE SCHEMA "${schema}"`);
  const kv = await createPostgresKv(b.client, { table: `${schema}.kv` });
  await kv.put("k", "v");
  const stored = await rows(b.client, `SELECT count(*)::int AS n FROM "${schema}"."kv"`);
  assertEquals(Number(stored[0].n), 1);
  await b.client.query(`DROP SCHEMA "${schema}" CASCADE`);
});

Deno.test("bad options fail with TypeError or RangeError before any query", async () => {
  const client = { query: () => Promise.reject(new Error("no query expected")) };
  await assertRejects(createPostgresKv(client, { table: 'kv"; DROP TABLE x' }), TypeError);
  await assertRejects(createPostgresKv(client, { table: "a.b.c" }), TypeError);
  await assertRejects(createPostgresKv(client, { table: "t".repeat(53) }), RangeError);
  await assertRejects(createPostgresKv(client, { namespace: "a\u0000b" }), TypeError);
  await assertRejects(createPostgresKv(client, { namespace: "a\uD800" }), TypeError);
  await assertRejects(createPostgresKv(client, { namespace: "n".repeat(513) }), RangeError);
  await assertRejects(createPostgresKv(client, { reclaim: { every: 0 } }), RangeError);
  await assertRejects(createPostgresKv(client, { reclaim: { limit: 1.5 } }), RangeError);
  await assertRejects(
    createPostgresKv(client, { schema: "drop" as "skip" }),
    TypeError,
  );
  await assertRejects(createPostgresKv({} as never), TypeError);
});

test("values come back as plain Uint8Arrays of their own, never pooled node Buffers", async (b) => {
  const { kv, drop } = await fresh(b);
  await kv.put("k", new Uint8Array([1, 2, 3]));
  const buffer = await kv.get("k", "arrayBuffer");
  assertEquals(buffer?.byteLength, 3);
  const reader = (await kv.get("k", "stream"))!.getReader();
  const { value: chunk } = await reader.read();
  assertEquals(Object.getPrototypeOf(chunk), Uint8Array.prototype);
  assertEquals(chunk!.buffer.byteLength, 3);
  await drop();
});

Deno.test("a backend failure rejects with KvError 500 carrying the client's error", async () => {
  const db = await PGlite.create();
  const kv = await createPostgresKv(db);
  await kv.put("k", "v");
  await db.close();
  for (const call of [() => kv.get("k"), () => kv.put("k", "w"), () => kv.list()]) {
    await assertRejects(call(), (error: KvError) => {
      assert(error instanceof KvError);
      assertEquals(error.status, 500);
      assert(error.cause instanceof Error && /closed/.test(error.cause.message), String(error));
      return true;
    });
  }
});

test("closing a namespace made by createPostgresKv leaves the caller's client open", async (b) => {
  const { kv, table } = await fresh(b);
  await kv.put("k", "v");
  await kv.close();
  assertEquals(await rows(b.client, `SELECT count(*)::int AS n FROM "${table}"`), [{ n: 1 }]);
  await b.client.query(`DROP TABLE "${table}"`);
});

test("openPostgresKv(url) opens a pg.Pool and closes it on dispose", async () => {
  const app = unique("kvkit_app");
  const url = new URL(SERVER_URL!);
  url.searchParams.set("application_name", app);
  const table = unique("kvkit_open");
  const pool = new pg.Pool({ connectionString: SERVER_URL });
  const connections = async () =>
    Number(
      (await rows(
        pool,
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1",
        [app],
      ))[0].n,
    );
  {
    await using kv = await openPostgresKv(url.href, { table });
    await Promise.all([kv.put("a", "1"), kv.put("b", "2"), kv.get("a")]);
    assert(await connections() >= 1);
  }
  for (let i = 0; i < 50 && await connections() > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assertEquals(await connections(), 0);
  await pool.query(`DROP TABLE "${table}"`);
  await pool.end();
}, "server");

Deno.test("openPostgresKv(dir) with schema verify refuses a directory without a database", async () => {
  const dir = await Deno.makeTempDir();
  await assertRejects(
    openPostgresKv(`${dir}/db`, { schema: "verify" }),
    new RegExp(`^Error: kvkit: no PGlite database in ${dir}/db`),
  );
  assertEquals([...Deno.readDirSync(dir)], []);
  await Deno.remove(dir, { recursive: true });
});

test("the CLI store opens a server URL or a PGlite directory, and read mode creates nothing", async (b) => {
  assertEquals(parseStoreLocation("//kvkit@host:5432/db#my%20ns"), {
    location: "postgres://kvkit@host:5432/db",
    namespace: "my ns",
  });
  assertEquals(parseStoreLocation("./data/kv"), { location: "./data/kv" });
  assertEquals(parseStoreLocation("/tmp/x#"), { location: "/tmp/x" });
  const store = entry.store!;
  if (b.name === "server") {
    // A database of its own, so that the default table is missing there.
    const database = unique("kvkit_cli", "DATABASE");
    await b.client.query(`CREATE DATABASE "${database}"`);
    const url = new URL(SERVER_URL!);
    url.pathname = `/${database}`;
    const location = `${url.href.slice("postgres:".length)}#cli`;
    try {
      await assertRejects(store.open(location, { mode: "read" }), /table "kvkit" does not exist/);
      const opened = await store.open(location, { mode: "write" });
      await opened.kv.put("k", "v");
      await opened.kv.close();
      const again = await store.open(location, { mode: "read" });
      assertEquals(await again.kv.get("k"), "v");
      assertEquals((await again.kv.list()).keys, [{ name: "k" }]);
      await again.kv.close();
    } finally {
      await b.client.query(`DROP DATABASE "${database}" WITH (FORCE)`);
    }
    return;
  }
  const dir = await Deno.makeTempDir();
  await assertRejects(store.open(`${dir}/db`, { mode: "read" }), /no PGlite database/);
  assertEquals([...Deno.readDirSync(dir)], []);
  const bare = await PGlite.create(`${dir}/db`); // a database without the table
  await bare.close();
  await assertRejects(store.open(`${dir}/db`, { mode: "read" }), /table "kvkit" does not exist/);
  const opened = await store.open(`${dir}/db#ns`, { mode: "write" });
  await opened.kv.put("k", "v");
  await opened.kv.close();
  const again = await store.open(`${dir}/db`, { mode: "read", namespace: "ns" });
  assertEquals(await again.kv.get("k"), "v");
  await again.kv.close();
  await Deno.remove(dir, { recursive: true });
});

test("the CLI store's writeMany upserts in multi-row batches, the last of a repeated key winning", async (b) => {
  const database = b.name === "server" ? unique("kvkit_batch", "DATABASE") : undefined;
  let location: string;
  let dir: string | undefined;
  if (database !== undefined) {
    await b.client.query(`CREATE DATABASE "${database}"`);
    const url = new URL(SERVER_URL!);
    url.pathname = `/${database}`;
    location = url.href.slice("postgres:".length);
  } else {
    dir = await Deno.makeTempDir();
    location = `${dir}/db`;
  }
  try {
    const opened = await entry.store!.open(location, { mode: "write" });
    await opened.kv.put("old", "before");
    const records: StoreRecord[] = Array.from({ length: 1200 }, (_, i) => ({
      key: `k${String(i).padStart(4, "0")}`,
      record: { value: `v${i}`, metadata: `{"i":${i}}`, expiration: 2_000_000_000 },
    }));
    records.push({ key: "k0000", record: { value: "last", metadata: `{"i":-1}` } });
    records.push({ key: "old", record: { value: new Uint8Array([1]) } });
    await opened.writeMany!(records);
    assertEquals((await opened.kv.getWithMetadata("k0000")).value, "last");
    assertEquals(await opened.kv.get("k1199"), "v1199");
    assertEquals(await opened.kv.get("old", "arrayBuffer"), new Uint8Array([1]).buffer);
    const listed = await opened.kv.list({ prefix: "k", limit: 2 });
    assertEquals(listed.keys[1], { name: "k0001", metadata: { i: 1 }, expiration: 2_000_000_000 });
    let total = 0;
    let cursor: string | undefined;
    while (true) {
      const page = await opened.kv.list({ cursor });
      total += page.keys.length;
      if (page.list_complete) break;
      cursor = page.cursor;
    }
    assertEquals(total, 1201);
    await opened.kv.close();
    await assertRejects(opened.writeMany!(records), /Namespace is closed/);
  } finally {
    if (database !== undefined) await b.client.query(`DROP DATABASE "${database}" WITH (FORCE)`);
    if (dir !== undefined) await Deno.remove(dir, { recursive: true });
  }
});

// The conformance suite on postgres.js (porsager), which the registry's
// targets (PGlite, pg) do not use: one client, a namespace per case.
if (SERVER_URL !== undefined) {
  const sql = postgres(SERVER_URL, { onnotice: () => {}, max: 4 });
  let cases = 0;
  const run = unique("postgresjs");
  const registrar = Object.assign(
    (name: string, fn: () => Promise<void>) =>
      Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false }),
    { ignore: (name: string, fn: () => Promise<void>) => Deno.test({ name, fn, ignore: true }) },
  );
  testKv(registrar, "postgres.js", async () => {
    const namespace = `${run}-${++cases}`;
    const fixture = await clockFixture((now) => createPostgresKv(sql, { namespace, now }));
    return {
      ...fixture,
      close: async () => {
        await fixture.close?.();
        await sql.unsafe(`DELETE FROM "kvkit" WHERE namespace = $1`, [namespace]);
      },
    };
  });
  Deno.test({
    name: "(closes the postgres.js client)",
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => sql.end(),
  });
}

closeBackends();
