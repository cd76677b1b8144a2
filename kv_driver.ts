/**
 * The driver contract: what a storage backend implements so that
 * {@linkcode createEngineKv} can turn it into a Workers KV namespace. It is
 * the one thing a backend author reads; every rule a driver must follow is
 * on {@linkcode KvDriver}.
 *
 * @module
 */

/** A value, or a promise of one. Drivers may answer either way. */
export type Awaitable<T> = T | Promise<T>;

/**
 * What the engine tells a driver once, when it builds the namespace: the
 * clock every expiry decision uses, and the namespace name cursors are
 * bound to.
 */
export interface DriverContext {
  /**
   * The namespace's clock, epoch milliseconds. A driver that tells its
   * backend when to reclaim storage (a TTL, `expireIn`, `PEXPIREAT`)
   * measures from this clock, never from `Date.now()`, so a fake clock in
   * tests and the engine agree.
   */
  now(): number;
  /** The `namespace` option given to the engine, `""` by default. */
  readonly namespace: string;
}

/**
 * One record as a driver stores it: the engine builds it, the driver keeps
 * it and hands it back unchanged.
 */
export interface KvRecord {
  /**
   * The value: a well-formed string (the value was put as text, and this
   * is exactly the text its UTF-8 bytes decode to), or bytes.
   *
   * Bytes are the driver's to keep: the engine copied them from the
   * caller, never changes them, and copies them again before a caller
   * sees them. A driver may return either form from a read, whatever it
   * was given; {@linkcode valueBytes} turns a value into bytes.
   */
  value: string | Uint8Array;
  /** Metadata as JSON text, absent when there is none. */
  metadata?: string;
  /** Absolute expiry in whole seconds since the epoch, absent when none. */
  expiration?: number;
  /**
   * Set by a driver on a record it returns from a read when `value` is
   * bytes it made for this read alone (assembled from chunks, say): a
   * buffer of their own (`byteOffset` 0, the whole `buffer`) that the
   * driver keeps no reference to. The engine may then hand them to the
   * caller without copying, once. Never set it on a record the driver
   * keeps.
   */
  fresh?: boolean;
}

/** A key as a driver lists it: everything but the value. */
export interface KvKeyInfo {
  /** The key. */
  name: string;
  /** Metadata as JSON text, absent when there is none. */
  metadata?: string;
  /** Absolute expiry in whole seconds since the epoch, absent when none. */
  expiration?: number;
}

/**
 * The storage contract behind every engine adapter: store records and list
 * keys in UTF-8 byte order, nothing more. Argument validation, value
 * encoding and decoding, expiry, metadata, cursors, pagination and bulk
 * reads all live in the engine.
 *
 * Rules:
 * - **Keys** reaching a driver are well-formed strings (no lone
 *   surrogates) of 1 to 512 UTF-8 bytes. Compare them in UTF-8 byte
 *   order, which is Unicode code-point order and not JavaScript's `<`:
 *   use {@linkcode compareKeys} or {@linkcode codePointSortKey} on
 *   strings, or {@linkcode encodeKey} and {@linkcode compareBytes} in a
 *   backend that orders bytes.
 * - **Expired records** may be returned by every method; the engine
 *   filters them with {@linkcode isExpired} on its own clock. A driver
 *   must never drop a record the engine would still serve.
 * - **Answers** may be values or promises. A failure (a throw or a
 *   rejection) reaches the caller as `KvError` 500 with the native error as
 *   `cause`. Whatever `put`, `delete` or `close` return is ignored.
 * - **Writes** replace the whole record and are atomic: a failed `put`
 *   leaves the previous record as it was.
 * - **Closing**: the engine calls `close` once, and calls nothing after.
 *
 * @example A complete driver over a `Map`, run through the suite
 * ```ts
 * import { compareKeys, createEngineKv, type KvDriver, type KvRecord } from "@kvkit/kvkit/driver";
 * import { clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 *
 * function createMapDriver(): KvDriver {
 *   const records = new Map<string, KvRecord>();
 *   return {
 *     get: (key) => records.get(key),
 *     put: (key, record) => void records.set(key, record),
 *     delete: (key) => void records.delete(key),
 *     // No ordered index: fine for a small example, O(n log n) per page.
 *     list: (prefix, after, limit) =>
 *       [...records.keys()]
 *         .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
 *         .sort(compareKeys)
 *         .slice(0, limit)
 *         .map((name) => ({ ...records.get(name)!, value: undefined, name })),
 *   };
 * }
 *
 * const report = await runConformance(
 *   () => clockFixture((now) => createEngineKv(createMapDriver(), { now })),
 * );
 * const failed = report.filter((r) => r.status !== "pass");
 * if (failed.length > 0) throw new Error(`${failed[0].id}: ${failed[0].error}`);
 * ```
 */
export interface KvDriver {
  /** The record stored under `key`, expired or not; `undefined` when none. */
  get(key: string): Awaitable<KvRecord | undefined>;
  /**
   * Records for 1 to 100 distinct keys, in the order asked; in one
   * snapshot where the backend allows it. Optional: without it the engine
   * calls `get` for each key.
   */
  getMany?(keys: string[]): Awaitable<(KvRecord | undefined)[]>;
  /**
   * Replaces the whole record under `key`. It either lands completely or
   * leaves the previous record untouched.
   */
  put(key: string, record: KvRecord): Awaitable<void>;
  /** Removes `key`; a missing key is not an error. */
  delete(key: string): Awaitable<void>;
  /**
   * Up to `limit` keys (1 to 1001) that start with `prefix` and sort
   * strictly after `after` when it is given, ascending in UTF-8 byte
   * order, without loading values. `after`, when given, starts with
   * `prefix`: the engine clamps cursors into the prefix before calling.
   * Returning fewer than `limit` keys means there are no more.
   */
  list(
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Awaitable<KvKeyInfo[]>;
  /**
   * Removes those of `keys` whose records are expired at `nowMs`, checking
   * again inside the backend so that a concurrent fresh write survives.
   * Optional: the engine calls it for expired records it meets on reads.
   */
  deleteExpired?(keys: string[], nowMs: number): Awaitable<void>;
  /** Releases the backend. Called once, by the namespace's `close()`. */
  close?(): Awaitable<void>;
}

/**
 * A driver, or a function that builds one from the engine's
 * {@linkcode DriverContext}: the form to use when the driver needs the
 * clock or the namespace.
 */
export type KvDriverSource = KvDriver | ((context: DriverContext) => KvDriver);

const encoder = new TextEncoder();

/**
 * A record value as bytes: strings are UTF-8 encoded, bytes returned as
 * they are. For backends that store only bytes.
 *
 * @param value A {@linkcode KvRecord}'s value.
 * @returns Its UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { valueBytes } from "@kvkit/kvkit/driver";
 *
 * if (valueBytes("é").byteLength !== 2) throw new Error("UTF-8");
 * ```
 */
export function valueBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? encoder.encode(value) : value;
}
