// The SQL of the Postgres driver, built once per table: the DDL and every
// statement the driver sends, as plain text with numbered parameters, so
// that pg, postgres.js and PGlite all run them unchanged. Pure; the
// layout and the reasons are documented in postgres.ts.
//
// Parameter $1 is always the namespace: every statement names the whole
// primary key prefix, so each one is an index lookup or an index range
// scan on (namespace, key), or, for the sweep, on (namespace, expiration).

/** The default table name. */
export const DEFAULT_TABLE = "kvkit";

/** One identifier part: letters, digits and `_`, not starting with a digit. */
const PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Postgres truncates identifiers to 63 bytes; the index name adds 11. */
const MAX_TABLE_NAME = 63 - "_expiration".length;

/** Where a list page starts: anywhere, at the prefix, or after a key. */
export type ListStart = "any" | "from" | "after";

/** Every statement of one table, as text. */
export interface PostgresSql {
  /** The table, quoted and qualified as given, for `FROM`. */
  readonly table: string;
  /** The table as `to_regclass` takes it. */
  readonly tableName: string;
  /** The expiration index as `to_regclass` takes it. */
  readonly indexName: string;
  /** `CREATE TABLE IF NOT EXISTS` and `CREATE INDEX IF NOT EXISTS`, in order. */
  readonly ddl: readonly string[];
  /** `$1` namespace, `$2` key: `value, metadata, expiration`. */
  readonly get: string;
  /** `$1` namespace, `$2` bytea[] of keys: `key, value, metadata, expiration`. */
  readonly getMany: string;
  /** `$1`–`$5`: namespace, key, value, metadata, expiration. One upsert. */
  readonly put: string;
  /**
   * The upsert of {@linkcode PostgresSql.put}, and, in the same statement,
   * the deletion of up to `limit` rows of the namespace expired at `$6`
   * (epoch seconds), other than the key being put. Returns `swept`, the
   * number deleted.
   */
  putSweeping(limit: number): string;
  /** `$1` namespace, `$2` key. */
  readonly delete: string;
  /** `$1` namespace, `$2` bytea[] of keys, `$3` epoch seconds: expired ones only. */
  readonly deleteExpired: string;
  /**
   * `$1` namespace, then the start bound when `start` is not `any`, then
   * the exclusive end when `bounded`, then the limit: `key, metadata,
   * expiration` in key order.
   */
  list(start: ListStart, bounded: boolean): string;
  /** A multi-row upsert of `rows` rows: `$1` namespace, then 4 per row. */
  putMany(rows: number): string;
}

/**
 * Checks a `table` option and quotes it: `name` or `schema.name`, each
 * part an unquoted-style identifier, quoted so that case is kept.
 */
export function quoteTable(table: string): { schema?: string; name: string } {
  if (typeof table !== "string") {
    throw new TypeError(`table must be a string, got ${typeof table}`);
  }
  const parts = table.split(".");
  if (parts.length > 2 || !parts.every((part) => PART.test(part))) {
    throw new TypeError(
      `table must be "name" or "schema.name" of letters, digits and _, got ${
        JSON.stringify(table)
      }`,
    );
  }
  const name = parts[parts.length - 1];
  if (name.length > MAX_TABLE_NAME || parts[0].length > 63) {
    throw new RangeError(
      `table name must be at most ${MAX_TABLE_NAME} characters, got ${JSON.stringify(table)}`,
    );
  }
  return parts.length === 2 ? { schema: parts[0], name } : { name };
}

const UPSERT_TAIL = " ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, " +
  "metadata = EXCLUDED.metadata, expiration = EXCLUDED.expiration";

/** Builds every statement for `table` (default `kvkit`). */
export function postgresSql(table: string = DEFAULT_TABLE): PostgresSql {
  const { schema, name } = quoteTable(table);
  const qualify = (part: string) => schema === undefined ? `"${part}"` : `"${schema}"."${part}"`;
  const t = qualify(name);
  const index = `${name}_expiration`;
  const insert = `INSERT INTO ${t} (namespace, key, value, metadata, expiration)`;
  const put = `${insert} VALUES ($1, $2, $3, $4, $5)${UPSERT_TAIL}`;
  const lists = new Map<string, string>();
  return {
    table: t,
    tableName: t,
    indexName: qualify(index),
    ddl: [
      `CREATE TABLE IF NOT EXISTS ${t} (\n` +
      `  namespace text COLLATE "C" NOT NULL,\n` +
      `  key bytea NOT NULL,\n` +
      `  value bytea NOT NULL,\n` +
      `  metadata text,\n` +
      `  expiration bigint,\n` +
      `  PRIMARY KEY (namespace, key)\n` +
      `)`,
      `CREATE INDEX IF NOT EXISTS "${index}" ON ${t} (namespace, expiration)\n` +
      `  WHERE expiration IS NOT NULL`,
    ],
    get: `SELECT value, metadata, expiration FROM ${t} WHERE namespace = $1 AND key = $2`,
    getMany: `SELECT key, value, metadata, expiration FROM ${t} ` +
      `WHERE namespace = $1 AND key = ANY($2)`,
    put,
    putSweeping: (limit) =>
      // The upsert runs first and the sweep after it: the CTE is read only
      // by RETURNING, once the row is written. The keys to delete are one
      // InitPlan (ARRAY(…)), run once: an index range scan of the oldest
      // expired rows, stopped at the limit, then primary-key deletes, so
      // no plan can scan every expired row. SKIP LOCKED: the sweep never
      // waits, so it cannot deadlock with other writers; a row it locked
      // was expired in its newest version and stays so until it is gone.
      `WITH swept AS (DELETE FROM ${t} WHERE namespace = $1 AND key = ANY(ARRAY(` +
      `SELECT key FROM ${t} WHERE namespace = $1 AND expiration <= $6 AND key <> $2 ` +
      `ORDER BY expiration LIMIT ${limit} FOR UPDATE SKIP LOCKED)) RETURNING 1) ` +
      `${put} RETURNING (SELECT count(*) FROM swept) AS swept`,
    delete: `DELETE FROM ${t} WHERE namespace = $1 AND key = $2`,
    // `IS TRUE` keeps the planner on the primary key: a plain
    // `expiration <= $3` lets it pick the expiration index whenever its
    // statistics say few rows are expired, and scan every expired row.
    deleteExpired: `DELETE FROM ${t} WHERE namespace = $1 AND key = ANY($2) ` +
      `AND (expiration <= $3) IS TRUE`,
    list(start, bounded) {
      const id = `${start}${bounded}`;
      let text = lists.get(id);
      if (text === undefined) {
        let n = 1;
        let where = "namespace = $1";
        if (start !== "any") where += ` AND key ${start === "from" ? ">=" : ">"} $${++n}`;
        if (bounded) where += ` AND key < $${++n}`;
        text = `SELECT key, metadata, expiration FROM ${t} WHERE ${where} ` +
          `ORDER BY key LIMIT $${++n}`;
        lists.set(id, text);
      }
      return text;
    },
    putMany(rows) {
      const values: string[] = [];
      for (let i = 0; i < rows; i++) {
        const p = 2 + i * 4;
        values.push(`($1, $${p}, $${p + 1}, $${p + 2}, $${p + 3})`);
      }
      return `${insert} VALUES ${values.join(", ")}${UPSERT_TAIL}`;
    },
  };
}
