// The Postgres driver on its own, where the namespace's API cannot reach:
// the sweep's backlog rule, deleteExpired's second check, and the batches
// of putMany. On PGlite and, when KVKIT_POSTGRES_URL is set, the server.

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { sqlRunner } from "./_postgres_client.ts";
import { BATCH_ROWS, createPostgresDriver, type PostgresEntry } from "./_postgres_driver.ts";
import { prepareSchema } from "./_postgres_schema.ts";
import { postgresSql } from "./_postgres_sql.ts";
import {
  type Backend,
  closeBackends,
  recording,
  rows,
  test,
  unique,
} from "./_postgres_test_backends.ts";

const NOW_MS = 1_000_000_000;

async function setUp(backend: Backend, random: () => number = () => 1) {
  const table = unique("kvkit_driver");
  const sql = postgresSql(table);
  const watched = recording(backend.client);
  const runner = sqlRunner(watched.client);
  await prepareSchema(runner, sql, "create");
  watched.sent.length = 0;
  const driver = createPostgresDriver(runner, sql, {
    namespace: "ns",
    now: () => NOW_MS,
    reclaim: { every: 1_000, limit: 4 },
    random,
  });
  return {
    driver,
    sent: watched.sent,
    count: async (where = "true") =>
      Number(
        (await rows(backend.client, `SELECT count(*)::int AS n FROM "${table}" WHERE ${where}`))[0]
          .n,
      ),
    drop: () => backend.client.query(`DROP TABLE "${table}"`),
  };
}

test("a sweep that hits its limit makes the next put sweep too, until one does not", async (b) => {
  const draws: number[] = []; // below 1/1000 draws a sweep; none left says no
  const { driver, sent, count, drop } = await setUp(b, () => draws.shift() ?? 0.999);
  for (let i = 0; i < 10; i++) {
    await driver.put(`old${i}`, { value: "x", expiration: NOW_MS / 1000 - 1 - i });
  }
  const expired = () => count(`expiration <= ${NOW_MS / 1000}`);
  sent.length = 0;
  draws.push(0);
  const remaining: number[] = [];
  for (let i = 0; i < 5; i++) {
    await driver.put(`new${i}`, { value: "y" });
    remaining.push(await expired());
  }
  assertEquals(remaining, [6, 2, 0, 0, 0]);
  assertEquals(
    sent.map((s) => s.text.startsWith("WITH swept")),
    [true, true, true, false, false],
  );
  // Oldest first: the four with the earliest expirations went first.
  assertEquals(await count(`convert_from(key, 'UTF8') LIKE 'old%'`), 0);
  await drop();
});

test("deleteExpired checks again inside the statement: fresh and lasting rows survive", async (b) => {
  const { driver, count, drop } = await setUp(b);
  const past = NOW_MS / 1000 - 10;
  await driver.put("expired", { value: "1", expiration: past });
  await driver.put("rewritten", { value: "2", expiration: past });
  await driver.put("rewritten", { value: "3", expiration: past + 3600 });
  await driver.put("lasting", { value: "4" });
  await driver.deleteExpired!(["expired", "rewritten", "lasting", "absent"], NOW_MS);
  assertEquals(await count(), 2);
  assertEquals((await driver.get("rewritten"))?.expiration, past + 3600);
  assertEquals((await driver.get("lasting"))?.expiration, undefined);
  await drop();
});

test("putMany sends one multi-row upsert per batch of rows or bytes", async (b) => {
  const { driver, sent, count, drop } = await setUp(b);
  const entries: PostgresEntry[] = Array.from({ length: BATCH_ROWS * 2 + 7 }, (_, i) => ({
    key: `k${i}`,
    record: { value: `v${i}` },
  }));
  await driver.putMany(entries);
  assertEquals(sent.length, 3);
  assertEquals(sent.map((s) => (s.values.length - 1) / 4), [BATCH_ROWS, BATCH_ROWS, 7]);
  assertEquals(await count(), BATCH_ROWS * 2 + 7);
  sent.length = 0;
  const big = new Uint8Array(9 * 1024 * 1024);
  await driver.putMany([0, 1, 2].map((i) => ({ key: `big${i}`, record: { value: big } })));
  assertEquals(sent.map((s) => (s.values.length - 1) / 4), [2, 1]);
  await drop();
});

closeBackends();
