// The Postgres adapter against the raw client doing the minimal equivalent
// on the same table, connection and data, in the same run: an upsert
// (`INSERT … ON CONFLICT … DO UPDATE`), a `SELECT value` by primary key,
// and a 1000-key page (`SELECT key, metadata, expiration … ORDER BY key
// LIMIT 1001`). The raw side encodes keys and values to UTF-8 and decodes
// what it reads back, as kvkit must. Realistic data: distinct 100-character
// values over 10k distinct keys, in random order. Ratios are medians over
// alternating rounds with their min–max; see _paired.ts.
//
//   deno run -A bench/postgres.ts [--target=pglite,server] [--keys=10000] [--json]
//
// `server` uses KVKIT_POSTGRES_URL through one pg.Pool (skipped when unset).
// PGlite is opened as openPostgresKv opens it (with kvkit's bytea parser),
// and the raw side sends its parameters with kvkit's bytea serializer, so
// both sides share every codec.

import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { createPostgresKv } from "../adapters/postgres.ts";
import type { PostgresQueryable, PostgresRow } from "../adapters/postgres.ts";
import { PGLITE_PARSERS, PGLITE_SERIALIZERS } from "../adapters/_postgres_client.ts";
import { cursorScope, encodeCursor } from "../_cursor.ts";
import { compareKeys } from "../keys.ts";
import {
  benchArgs,
  type Contender,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printRows,
  shuffled,
} from "./_paired.ts";

const args = benchArgs();
const targets = (args.get("target") ?? "pglite,server").split(",");
const n = Number(args.get("keys") ?? 10_000);
const url = Deno.env.get("KVKIT_POSTGRES_URL");
const rows: PairedRow[] = [];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TABLE = "kvkit_bench";
const NAMESPACE = "bench";

/** How a raw contender sends a statement. */
type Raw = (text: string, values: unknown[]) => Promise<{ rows: PostgresRow[] }>;

async function bench(
  name: string,
  client: PostgresQueryable,
  raws: [string, Raw][],
) {
  await client.query(`DROP TABLE IF EXISTS "${TABLE}"`);
  const kv = await createPostgresKv(client, { table: TABLE, namespace: NAMESPACE });
  const keys = makeKeys(n);
  const values = makeValues(n, 100);
  const fresh = makeValues(n, 100, () => Math.random());
  const order = shuffled(n);
  const key = (i: number) => keys[order[i % n]];
  for (let i = 0; i < n; i++) await kv.put(keys[i], values[i]);
  await client.query(`ANALYZE "${TABLE}"`);

  const upsert = `INSERT INTO "${TABLE}" (namespace, key, value, metadata, expiration) ` +
    `VALUES ($1, $2, $3, $4, $5) ON CONFLICT (namespace, key) DO UPDATE SET ` +
    `value = EXCLUDED.value, metadata = EXCLUDED.metadata, expiration = EXCLUDED.expiration`;
  const each = (make: (raw: Raw) => Contender["op"], label: string): Contender[] =>
    raws.map(([suffix, raw]) => ({ name: `${label}${suffix}`, op: make(raw) }));
  rows.push(
    ...await paired(`put @ ${n}, ${name}`, [
      ...each(
        (raw) => (i) =>
          raw(upsert, [
            NAMESPACE,
            encoder.encode(key(i)),
            encoder.encode(fresh[i % n]),
            null,
            null,
          ]),
        "raw upsert",
      ),
      { name: "kvkit put", op: (i) => kv.put(key(i), fresh[i % n]) },
    ], { batch: 200 }),
  );

  const select = `SELECT value FROM "${TABLE}" WHERE namespace = $1 AND key = $2`;
  rows.push(
    ...await paired(`get @ ${n}, ${name}`, [
      ...each((raw) => async (i) => {
        const { rows } = await raw(select, [NAMESPACE, encoder.encode(key(i))]);
        return rows.length === 0 ? null : decoder.decode(rows[0].value as Uint8Array);
      }, "raw SELECT value"),
      { name: "kvkit get", op: (i) => kv.get(key(i)) },
    ], { batch: 200 }),
  );

  // A page of 1000 keys after a random key, and 1001 rows to learn whether
  // more remain, as kvkit reads them.
  const sorted = [...keys].sort(compareKeys);
  const pageAt = (i: number) => sorted[order[i % n] % Math.max(1, n - 1000)];
  const scope = cursorScope(NAMESPACE, "");
  const cursors = Array.from({ length: 40 * 17 }, (_, i) => encodeCursor(scope, pageAt(i)));
  const page = `SELECT key, metadata, expiration FROM "${TABLE}" ` +
    `WHERE namespace = $1 AND key > $2 ORDER BY key LIMIT 1001`;
  rows.push(
    ...await paired(`list page of 1000 @ ${n}, ${name}`, [
      ...each((raw) => async (i) => {
        const { rows } = await raw(page, [NAMESPACE, encoder.encode(pageAt(i))]);
        return rows.map((row) => decoder.decode(row.key as Uint8Array));
      }, "raw SELECT … LIMIT 1001"),
      {
        name: "kvkit list",
        op: (i) => kv.list({ limit: 1000, cursor: cursors[i % cursors.length] }),
      },
    ], { batch: 20 }),
  );
  await kv.close();
  await client.query(`DROP TABLE "${TABLE}"`);
}

if (targets.includes("pglite")) {
  const db = await PGlite.create(PGLITE_PARSERS);
  await bench("PGlite", db, [["", (text, values) => db.query(text, values, PGLITE_SERIALIZERS)]]);
  await db.close();
}
if (targets.includes("server")) {
  if (url === undefined) {
    console.log("server: skipped, KVKIT_POSTGRES_URL is not set");
  } else {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await bench("server", pool, [["", (text, values) => pool.query(text, values)]]);
    await pool.end();
  }
}

printRows(rows);
if (args.has("json")) console.log(JSON.stringify(rows));
