// The Postgres driver behind adapters/postgres.ts: every operation is one
// statement of _postgres_sql.ts on one namespace of the table. Private;
// the layout and the reasons are documented in postgres.ts.

import { decodeKey, encodeKey, prefixEndBytes } from "../keys.ts";
import { type KvDriver, type KvKeyInfo, type KvRecord, valueBytes } from "../kv_driver.ts";
import type { PostgresRow, SqlRunner } from "./_postgres_client.ts";
import type { ListStart, PostgresSql } from "./_postgres_sql.ts";

/** How puts reclaim expired rows: see PostgresKvOptions.reclaim. */
export interface ReclaimPolicy {
  /** On average one put in `every` sweeps. */
  every: number;
  /** The most rows one sweep deletes. */
  limit: number;
}

/** What one driver is built from. */
export interface PostgresDriverOptions {
  /** The namespace column's value for every row this driver touches. */
  namespace: string;
  /** The engine's clock, epoch ms: what a sweep counts as expired. */
  now: () => number;
  /** Sweeps on puts, or none. */
  reclaim: ReclaimPolicy | false;
  /** Decides which puts sweep; `Math.random` by default. */
  random?: () => number;
}

/** One record to write, as the CLI's batched writes hand it over. */
export interface PostgresEntry {
  /** The key. */
  key: string;
  /** The record, built by the engine's validators. */
  record: KvRecord;
}

/** The driver, plus the batched write of the CLI's stores. */
export interface PostgresDriver extends KvDriver {
  /**
   * Upserts records in multi-row statements of at most
   * {@linkcode BATCH_ROWS} rows and about {@linkcode BATCH_BYTES} of
   * values, each its own transaction; a key repeated in the input keeps
   * its last record.
   */
  putMany(entries: readonly PostgresEntry[]): Promise<void>;
}

/** Rows per multi-row upsert. */
export const BATCH_ROWS = 500;
/** Value bytes after which a multi-row upsert takes no more rows. */
export const BATCH_BYTES = 16 * 1024 * 1024;

function nothing(): void {}

/**
 * The bytes as a plain `Uint8Array`. pg and postgres.js return node
 * `Buffer`s, often views of a shared 8 KiB pool, and `Buffer#slice` is a
 * view too, so the engine's copy (`slice()`) would hand a caller the whole
 * pool. A plain view over the same bytes costs nothing and copies right.
 */
function plainBytes(value: unknown): Uint8Array {
  const bytes = value as Uint8Array;
  if (Object.getPrototypeOf(bytes) === Uint8Array.prototype) return bytes;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toRecord(row: PostgresRow): KvRecord {
  const record: KvRecord = { value: plainBytes(row.value) };
  if (row.metadata != null) record.metadata = row.metadata as string;
  // int8 arrives as a string from pg and postgres.js, a number from PGlite.
  if (row.expiration != null) record.expiration = Number(row.expiration);
  return record;
}

function toKeyInfo(row: PostgresRow): KvKeyInfo {
  const info: KvKeyInfo = { name: decodeKey(row.key as Uint8Array) };
  if (row.metadata != null) info.metadata = row.metadata as string;
  if (row.expiration != null) info.expiration = Number(row.expiration);
  return info;
}

/** Builds the driver of one namespace of the table that `sql` names. */
export function createPostgresDriver(
  runner: SqlRunner,
  sql: PostgresSql,
  options: PostgresDriverOptions,
): PostgresDriver {
  const { namespace, now, reclaim, random = Math.random } = options;
  const putSweeping = reclaim === false ? "" : sql.putSweeping(reclaim.limit);
  // Set after a sweep that hit its limit: more expired rows may be left.
  let backlog = false;

  const sweeps = () => reclaim !== false && (backlog || random() * reclaim.every < 1);

  return {
    get(key) {
      return runner.rows(sql.get, [namespace, encodeKey(key)]).then((rows) =>
        rows.length === 0 ? undefined : toRecord(rows[0])
      );
    },

    async getMany(keys) {
      const rows = await runner.rows(sql.getMany, [
        namespace,
        runner.byteaArray(keys.map(encodeKey)),
      ]);
      const found = new Map<string, KvRecord>();
      for (const row of rows) found.set(decodeKey(row.key as Uint8Array), toRecord(row));
      return keys.map((key) => found.get(key));
    },

    put(key, record) {
      const params: unknown[] = [
        namespace,
        encodeKey(key),
        valueBytes(record.value),
        record.metadata ?? null,
        record.expiration ?? null,
      ];
      if (!sweeps()) return runner.rows(sql.put, params).then(nothing);
      params.push(Math.floor(now() / 1000));
      return runner.rows(putSweeping, params).then((rows) => {
        backlog = Number(rows[0]?.swept ?? 0) >= (reclaim as ReclaimPolicy).limit;
      });
    },

    delete(key) {
      return runner.rows(sql.delete, [namespace, encodeKey(key)]).then(nothing);
    },

    list(prefix, after, limit) {
      const params: unknown[] = [namespace];
      let start: ListStart = "any";
      const prefixBytes = encodeKey(prefix);
      if (after !== undefined) {
        start = "after";
        params.push(encodeKey(after));
      } else if (prefix !== "") {
        start = "from";
        params.push(prefixBytes);
      }
      // UTF-8 never has a 0xFF byte, so a non-empty prefix always has an end.
      const end = prefixEndBytes(prefixBytes);
      if (end !== undefined) params.push(end);
      params.push(limit);
      return runner.rows(sql.list(start, end !== undefined), params).then((rows) =>
        rows.map(toKeyInfo)
      );
    },

    deleteExpired(keys, nowMs) {
      // Expired again inside the statement: a row rewritten fresh survives.
      return runner.rows(sql.deleteExpired, [
        namespace,
        runner.byteaArray(keys.map(encodeKey)),
        Math.floor(nowMs / 1000),
      ]).then(nothing);
    },

    async putMany(entries) {
      // ON CONFLICT cannot touch one row twice in a statement: last one wins.
      const latest = new Map<string, KvRecord>();
      for (const { key, record } of entries) {
        latest.delete(key);
        latest.set(key, record);
      }
      let params: unknown[] = [namespace];
      let bytes = 0;
      const flush = async () => {
        const rows = (params.length - 1) / 4;
        if (rows > 0) await runner.rows(sql.putMany(rows), params);
        params = [namespace];
        bytes = 0;
      };
      for (const [key, record] of latest) {
        const value = valueBytes(record.value);
        params.push(encodeKey(key), value, record.metadata ?? null, record.expiration ?? null);
        bytes += value.byteLength;
        if ((params.length - 1) / 4 >= BATCH_ROWS || bytes >= BATCH_BYTES) await flush();
      }
      await flush();
    },
  };
}
