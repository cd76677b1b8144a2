// Builds a Postgres namespace: checks the options, prepares the schema,
// and puts the driver under the engine. Shared by the facade
// (postgres.ts) and the registry entry (targets/postgres.ts), which also
// needs the batched write. Private.

import { buildEngine } from "../engine.ts";
import { isWellFormed, utf8Length } from "../keys.ts";
import type { KvNamespaceHandle } from "../types.ts";
import { type PostgresClient, sqlRunner } from "./_postgres_client.ts";
import {
  createPostgresDriver,
  type PostgresEntry,
  type ReclaimPolicy,
} from "./_postgres_driver.ts";
import { type PostgresSchemaMode, prepareSchema } from "./_postgres_schema.ts";
import { DEFAULT_TABLE, type PostgresSql, postgresSql } from "./_postgres_sql.ts";

/** Options for `createPostgresKv` and `openPostgresKv`. */
export interface PostgresKvOptions {
  /**
   * The value of the `namespace` column of every row, and what cursors
   * are bound to. Namespaces in one table are isolated from each other.
   * Defaults to `"kvkit"`.
   */
  namespace?: string;
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * The table, `name` or `schema.name` (letters, digits and `_`; quoted,
   * so case is kept). Defaults to `"kvkit"`.
   */
  table?: string;
  /**
   * `"create"` (the default) creates the table and its index when
   * missing; `"verify"` only checks that they exist, with the right
   * column types, and fails otherwise; `"skip"` runs no query at all.
   */
  schema?: PostgresSchemaMode;
  /**
   * How puts reclaim expired rows: on average one put in `every`
   * (default 32) also deletes up to `limit` (default 64) rows of its
   * namespace that are expired by the clock, in the same statement; a
   * sweep that hits its limit makes the next put sweep too. `false`
   * turns it off (reads still delete the expired keys they meet).
   */
  reclaim?: false | { every?: number; limit?: number };
}

/** A namespace and the batched write the CLI's stores use. */
export interface BuiltPostgresKv {
  /** The namespace. */
  kv: KvNamespaceHandle;
  /** Upserts records in multi-row statements, each its own transaction. */
  putMany(entries: readonly PostgresEntry[]): Promise<void>;
}

/** The default namespace. */
export const DEFAULT_NAMESPACE = "kvkit";

const MAX_NAMESPACE_BYTES = 512;

function checkCount(name: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
  }
  return value;
}

function checkReclaim(reclaim: PostgresKvOptions["reclaim"]): ReclaimPolicy | false {
  if (reclaim === false) return false;
  if (reclaim === undefined) return { every: 32, limit: 64 };
  if (typeof reclaim !== "object" || reclaim === null) {
    throw new TypeError(`reclaim must be false or { every?, limit? }, got ${reclaim}`);
  }
  const { every = 32, limit = 64 } = reclaim;
  return {
    every: checkCount("reclaim.every", every, 1_000_000),
    limit: checkCount("reclaim.limit", limit, 10_000),
  };
}

/** The options, checked, with their defaults. */
export interface CheckedOptions {
  /** The namespace. */
  namespace: string;
  /** The clock. */
  now: () => number;
  /** What to do with the schema. */
  schema: PostgresSchemaMode;
  /** The statements of the table. */
  sql: PostgresSql;
  /** Sweeps on puts, or none. */
  reclaim: ReclaimPolicy | false;
}

/** Checks options and fills in their defaults. */
export function checkOptions(options: PostgresKvOptions): CheckedOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object, got ${options}`);
  }
  const { namespace = DEFAULT_NAMESPACE, now = Date.now, table = DEFAULT_TABLE } = options;
  const { schema = "create" } = options;
  if (typeof namespace !== "string") {
    throw new TypeError(`namespace must be a string, got ${typeof namespace}`);
  }
  // The column is text: it cannot hold U+0000, and a lone surrogate would
  // become U+FFFD and alias another namespace.
  if (namespace.includes("\u0000") || !isWellFormed(namespace)) {
    throw new TypeError("namespace must be well-formed text without U+0000");
  }
  if (utf8Length(namespace) > MAX_NAMESPACE_BYTES) {
    throw new RangeError(`namespace must be at most ${MAX_NAMESPACE_BYTES} UTF-8 bytes`);
  }
  if (typeof now !== "function") {
    throw new TypeError(`now must be a function, got ${typeof now}`);
  }
  if (schema !== "create" && schema !== "verify" && schema !== "skip") {
    throw new TypeError(`schema must be "create", "verify" or "skip", got ${String(schema)}`);
  }
  return {
    namespace,
    now,
    schema,
    sql: postgresSql(table),
    reclaim: checkReclaim(options.reclaim),
  };
}

/**
 * Builds a namespace on `client` with checked options. `close` releases
 * what the caller opened for it, once, when the namespace closes.
 */
export async function buildPostgresKv(
  client: PostgresClient,
  checked: CheckedOptions,
  close?: () => Promise<void>,
): Promise<BuiltPostgresKv> {
  const runner = sqlRunner(client);
  const { namespace, now, schema, sql, reclaim } = checked;
  await prepareSchema(runner, sql, schema);
  const engine = buildEngine((context) => {
    const driver = createPostgresDriver(runner, sql, { namespace, now: context.now, reclaim });
    if (close !== undefined) driver.close = close;
    return driver;
  }, { now, namespace });
  const driver = engine.driver as ReturnType<typeof createPostgresDriver>;
  return {
    kv: engine.kv,
    putMany: engine.lifecycle.guard("PUT", (entries) => driver.putMany(entries)),
  };
}
