/**
 * Workers KV on Postgres: one table, many namespaces, keys in UTF-8 byte
 * order, values up to 25 MiB, exact expiry. It runs on a PostgreSQL
 * server through `pg` (node-postgres) or `postgres` (postgres.js), and
 * embedded on PGlite (Postgres compiled to WebAssembly, no server).
 *
 * ```ts
 * import { openPostgresKv } from "@kvkit/kvkit/postgres";
 *
 * await using kv = await openPostgresKv(); // PGlite, in memory
 * await kv.put("user:1", JSON.stringify({ name: "Ada" }), { metadata: { v: 1 } });
 * const user = await kv.get<{ name: string }>("user:1", "json");
 * const { keys } = await kv.list({ prefix: "user:" });
 * console.log(user?.name, keys); // Ada [ { name: "user:1", metadata: { v: 1 } } ]
 * ```
 *
 * ## Storage layout
 *
 * One row per key, in one table (default `kvkit`) that every namespace
 * shares ({@linkcode postgresKvSchema} returns this DDL):
 *
 * ```sql
 * CREATE TABLE IF NOT EXISTS "kvkit" (
 *   namespace text COLLATE "C" NOT NULL,
 *   key bytea NOT NULL,          -- the key's UTF-8 bytes
 *   value bytea NOT NULL,        -- up to 25 MiB (TOASTed out of line)
 *   metadata text,               -- JSON text, NULL when none
 *   expiration bigint,           -- epoch seconds, NULL when none
 *   PRIMARY KEY (namespace, key)
 * );
 * CREATE INDEX IF NOT EXISTS "kvkit_expiration" ON "kvkit" (namespace, expiration)
 *   WHERE expiration IS NOT NULL;
 * ```
 *
 * Keys are `bytea`, not `text`: Workers KV keys may contain U+0000, which
 * `text` cannot hold, and `bytea` compares bytewise, which for UTF-8 is
 * exactly Workers KV's list order, whatever the database's collation.
 *
 * ## Statements
 *
 * Every operation is one statement, and so its own transaction:
 *
 * - `put`: `INSERT … ON CONFLICT (namespace, key) DO UPDATE`. A failed put
 *   leaves the previous row as it was.
 * - `get`: one primary-key lookup; bulk `get` one `WHERE key = ANY($2)`.
 * - `list`: one index range scan on the primary key, `key >= prefix` (or
 *   `key > cursor`) `AND key < prefixEnd ORDER BY key LIMIT n`, with no
 *   sort; it reads `key, metadata, expiration`, never a value.
 * - `delete`: one primary-key delete.
 *
 * ## Expiry
 *
 * Expiry is decided on every read with the injected clock (`now`), never
 * the database's. Expired rows are reclaimed with no timers: on average
 * one put in 32 also deletes up to 64 rows of its namespace that the
 * clock says are expired, in the same statement, through the
 * `(namespace, expiration)` index (oldest first, `SKIP LOCKED`, so it
 * never waits for another writer); reads delete the expired keys they
 * meet. Both check the expiration again inside the statement, so a row
 * rewritten fresh meanwhile survives. Tune or turn this off with
 * {@linkcode PostgresKvOptions.reclaim}.
 *
 * ## Clients, connections and failures
 *
 * {@linkcode createPostgresKv} takes a client you opened and never closes
 * it: a `pg.Pool` (recommended for a server: a pool replaces a broken
 * connection on the next query, where a single `pg.Client` stays broken
 * after its connection drops), a `pg.Client`, a postgres.js `sql`
 * (which reconnects too), or a `PGlite`. {@linkcode openPostgresKv} opens
 * PGlite (in memory, or a directory) or, for a `postgres://` URL, a
 * `pg.Pool`, and closes it on dispose. A backend failure (a dropped
 * connection, a server restart, a statement timeout) rejects the call
 * with `KvError` 500 carrying the client's error as `cause`; the next call
 * runs on a fresh connection. A write whose connection dropped before the
 * answer may or may not have committed, as with any database; one that
 * resolved is durable.
 *
 * ## PGlite
 *
 * PGlite runs Postgres in the process, in memory or in a directory. kvkit
 * sends bytea parameters to it in binary (PGlite's own codec builds one
 * string per byte), and the PGlite that {@linkcode openPostgresKv} opens
 * parses bytea fast too (see {@linkcode PGLITE_PARSERS}). PGlite starts
 * Postgres with `fsync` off, so a directory is not safe against power loss;
 * use a server for data you cannot lose.
 *
 * ## Permissions
 *
 * `SELECT, INSERT, UPDATE, DELETE` on the table. With `schema: "create"`
 * (the default), creating a missing table also needs `CREATE` on its
 * schema (on PostgreSQL 15 and later, `public` grants that only to its
 * owner); when the table and index exist, opening runs one catalog query
 * and no DDL. `schema: "verify"` never creates anything, and
 * `schema: "skip"` runs no query, for databases whose migrations you
 * manage (run {@linkcode postgresKvSchema}'s DDL in them).
 *
 * ## Postgres-compatible databases
 *
 * Nothing here is specific to one server: the driver needs `bytea` (with
 * `bytea[]` parameters), a btree index on `(text, bytea)`, `INSERT … ON
 * CONFLICT … DO UPDATE` as one atomic statement, `DELETE … USING` in a
 * `WITH` clause with `FOR UPDATE SKIP LOCKED`, and `to_regclass`,
 * `pg_attribute` and `format_type` for the schema check. Neon and other
 * managed PostgreSQL services run it as they run PostgreSQL. CockroachDB
 * and YugabyteDB speak the same protocol and document all of these, but
 * kvkit's tests run only on PostgreSQL 15 and PGlite; where a database
 * rejects part of the DDL (such as `COLLATE "C"`), create the table
 * yourself with the same column types and open with `schema: "verify"`.
 *
 * @module
 */

import type { KvNamespaceHandle } from "../types.ts";
import { PGLITE_PARSERS as PARSERS, type PostgresClient } from "./_postgres_client.ts";
import { buildPostgresKv, checkOptions, type PostgresKvOptions } from "./_postgres_namespace.ts";
import { openClient } from "./_postgres_open.ts";
import { postgresSql } from "./_postgres_sql.ts";

export type {
  PostgresClient,
  PostgresJsLike,
  PostgresQueryable,
  PostgresRow,
} from "./_postgres_client.ts";
export type { PostgresKvOptions } from "./_postgres_namespace.ts";
export type { PostgresSchemaMode } from "./_postgres_schema.ts";
// The namespace types, so that this entry point documents on its own.
export type {
  KvGetOptions,
  KvGetWithMetadataResult,
  KvListKey,
  KvListOptions,
  KvListResult,
  KvNamespace,
  KvNamespaceHandle,
  KvPutOptions,
  KvPutValue,
  KvValueType,
} from "../types.ts";

/**
 * Options for `PGlite.create` that give a PGlite you open yourself the
 * bytea parser {@linkcode openPostgresKv} gives its own: PGlite's default
 * builds one string per byte, so a 25 MiB value reads in about 6.5 s
 * instead of 1 s. kvkit sends bytea parameters with a fast serializer on
 * any PGlite.
 *
 * @example
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * import { createPostgresKv, PGLITE_PARSERS } from "@kvkit/kvkit/postgres";
 *
 * await using db = await PGlite.create({ ...PGLITE_PARSERS });
 * const kv = await createPostgresKv(db);
 * await kv.put("blob", new Uint8Array(1024 * 1024));
 * if ((await kv.get("blob", "arrayBuffer"))?.byteLength !== 1024 * 1024) throw new Error();
 * ```
 */
export const PGLITE_PARSERS: { parsers: Record<number, (text: string) => Uint8Array> } = PARSERS;

/**
 * The DDL that creates kvkit's table and its expiration index, for
 * migrations you run yourself: the statements `schema: "create"` runs
 * when they are missing, in order.
 *
 * @param table The table, `name` or `schema.name`. Defaults to `"kvkit"`.
 * @returns The `CREATE TABLE IF NOT EXISTS` and `CREATE INDEX IF NOT
 * EXISTS` statements.
 *
 * @example Print the migration
 * ```ts
 * import { postgresKvSchema } from "@kvkit/kvkit/postgres";
 *
 * const ddl = postgresKvSchema("app.kv");
 * if (!ddl[0].startsWith('CREATE TABLE IF NOT EXISTS "app"."kv"')) throw new Error(ddl[0]);
 * console.log(ddl.join(";\n") + ";");
 * ```
 */
export function postgresKvSchema(table?: string): string[] {
  return [...postgresSql(table).ddl];
}

/**
 * Builds a Workers KV namespace on a Postgres client you opened, first
 * creating the table and its index when they are missing (see
 * `schema`). Closing the namespace does not close the client.
 *
 * @param client A `pg.Pool` (recommended for a server), a `pg.Client`, a
 * postgres.js `sql`, or a `PGlite` (open it with {@linkcode PGLITE_PARSERS}
 * for fast reads of large values).
 * @param options The namespace, the clock, the table, what to do with the
 * schema, and how puts reclaim expired rows.
 * @returns A namespace that behaves like a Workers KV binding.
 * @throws {TypeError} For bad options. An `Error` naming the problem when
 * the schema cannot be created or, with `schema: "verify"`, is missing.
 *
 * @example Two isolated namespaces in one PGlite database
 * ```ts
 * import { PGlite } from "@electric-sql/pglite";
 * import { createPostgresKv } from "@kvkit/kvkit/postgres";
 *
 * await using db = await PGlite.create();
 * const users = await createPostgresKv(db, { namespace: "users" });
 * const cache = await createPostgresKv(db, { namespace: "cache" });
 * await users.put("ada", "Ada Lovelace");
 * if (await cache.get("ada") !== null) throw new Error("namespaces leak");
 * if (await users.get("ada") !== "Ada Lovelace") throw new Error("lost");
 * ```
 *
 * @example On a server, through a pg.Pool
 * ```ts ignore
 * import pg from "pg";
 * import { createPostgresKv } from "@kvkit/kvkit/postgres";
 *
 * const pool = new pg.Pool({ connectionString: "postgres://app@db.internal/app" });
 * pool.on("error", () => {}); // idle connections the server drops; the pool replaces them
 * const kv = await createPostgresKv(pool, { namespace: "sessions" });
 * await kv.put("s:1", "…", { expirationTtl: 3600 });
 * ```
 */
export async function createPostgresKv(
  client: PostgresClient,
  options: PostgresKvOptions = {},
): Promise<KvNamespaceHandle> {
  return (await buildPostgresKv(client, checkOptions(options))).kv;
}

/**
 * Opens a Postgres database and builds a Workers KV namespace on it:
 * PGlite in memory by default, PGlite in a directory, or a server through
 * a `pg.Pool` (loaded on demand, like PGlite). Dispose the result
 * (`await using`) or call `close()` to close what it opened.
 *
 * @param location `undefined` or `"memory://"` for PGlite in memory; a
 * `postgres://…` or `postgresql://…` URL for a server; anything else is a
 * PGlite data directory (a path, `file://…`, or `idb://…` in browsers).
 * @param options As for {@linkcode createPostgresKv}. With
 * `schema: "verify"` a missing PGlite directory is an error, not a new
 * database.
 * @returns A namespace that must be disposed.
 *
 * @example A PGlite directory that persists
 * ```ts
 * import { openPostgresKv } from "@kvkit/kvkit/postgres";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using kv = await openPostgresKv(dir);
 *   await kv.put("greeting", "hello", { expirationTtl: 3600 });
 * }
 * await using again = await openPostgresKv(dir, { schema: "verify" });
 * if (await again.get("greeting") !== "hello") throw new Error("not persisted");
 * await again.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example A server
 * ```ts ignore
 * import { openPostgresKv } from "@kvkit/kvkit/postgres";
 *
 * await using kv = await openPostgresKv("postgres://app@db.internal/app", { table: "kv" });
 * ```
 */
export async function openPostgresKv(
  location?: string,
  options: PostgresKvOptions = {},
): Promise<KvNamespaceHandle> {
  if (location !== undefined && (typeof location !== "string")) {
    throw new TypeError(`location must be a string, got ${typeof location}`);
  }
  const checked = checkOptions(options);
  const opened = await openClient(location, checked.schema === "verify");
  try {
    return (await buildPostgresKv(opened.client, checked, opened.close)).kv;
  } catch (error) {
    await opened.close().catch(() => {});
    throw error;
  }
}
