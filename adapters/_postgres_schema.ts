// Schema preparation for the Postgres adapter: create the table and its
// index when missing, or only check that they exist. Private; the DDL and
// the permissions it needs are documented in postgres.ts.

import type { SqlRunner } from "./_postgres_client.ts";
import type { PostgresSql } from "./_postgres_sql.ts";

/**
 * What `createPostgresKv` does with the schema: `create` the table and
 * its index when missing (the default), `verify` that they exist and
 * fail otherwise, or `skip` every check.
 */
export type PostgresSchemaMode = "create" | "verify" | "skip";

/** Tries of the DDL before a failure is final. */
const DDL_ATTEMPTS = 4;

/** Encodings that keep metadata's UTF-8 text as it is. */
const ENCODINGS = new Set(["UTF8", "SQL_ASCII"]);

/** The columns kvkit reads and writes, with their types as format_type names them. */
const COLUMNS = [
  "namespace text",
  "key bytea",
  "value bytea",
  "metadata text",
  "expiration bigint",
];

interface Found {
  table: boolean;
  index: boolean;
  encoding: string;
  /** The table's columns, `name type`. */
  columns: string[];
}

async function inspect(runner: SqlRunner, sql: PostgresSql): Promise<Found> {
  const [row] = await runner.rows(
    "SELECT to_regclass($1::text)::text AS t, to_regclass($2::text)::text AS i, " +
      "current_setting('server_encoding') AS e, (SELECT string_agg(attname || ' ' || " +
      "format_type(atttypid, NULL), ',') FROM pg_attribute WHERE attrelid = " +
      "to_regclass($1::text) AND attnum > 0 AND NOT attisdropped) AS c",
    [sql.tableName, sql.indexName],
  );
  return {
    table: row.t != null,
    index: row.i != null,
    encoding: String(row.e),
    columns: row.c == null ? [] : String(row.c).split(","),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Prepares the schema by `mode`: one catalog query when the table and
 * index exist, the DDL and a second look when they do not. Idempotent,
 * and safe against another session creating the table at the same
 * moment. Fails with a plain `Error` naming what is wrong.
 */
export async function prepareSchema(
  runner: SqlRunner,
  sql: PostgresSql,
  mode: PostgresSchemaMode,
): Promise<void> {
  if (mode === "skip") return;
  let found = await inspect(runner, sql);
  if (!ENCODINGS.has(found.encoding)) {
    throw new Error(
      `kvkit: the database encoding is ${found.encoding}; the Postgres adapter needs UTF8`,
    );
  }
  if (!found.table || !found.index) {
    if (mode === "verify") {
      const missing = found.table ? `index ${sql.indexName}` : `table ${sql.tableName}`;
      throw new Error(
        `kvkit: ${missing} does not exist (schema: "verify" creates nothing); ` +
          `run the DDL of postgresKvSchema(), or open with schema: "create"`,
      );
    }
    // CREATE … IF NOT EXISTS still fails (on a catalog unique index) when
    // another session creates the same table or index at the same moment,
    // once that one commits: then a second try finds it. The table and the
    // index are two transactions, so a race can take a try for each.
    for (let attempt = 1;; attempt++) {
      try {
        // Each statement on its own: PGlite's query() takes one at a time.
        for (const ddl of sql.ddl) await runner.rows(ddl, []);
        break;
      } catch (error) {
        found = await inspect(runner, sql);
        if (found.table && found.index) break;
        if (attempt === DDL_ATTEMPTS) {
          throw new Error(`kvkit: could not create ${sql.tableName}: ${message(error)}`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
      }
    }
    found = await inspect(runner, sql);
  }
  const missing = COLUMNS.filter((column) => !found.columns.includes(column));
  if (missing.length > 0) {
    throw new Error(
      `kvkit: ${sql.tableName} is not a kvkit table: it lacks the column${
        missing.length > 1 ? "s" : ""
      } ${missing.join(", ")}`,
    );
  }
}
