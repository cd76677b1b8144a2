/**
 * The engine: every Workers KV rule in one place. {@linkcode createEngineKv}
 * turns a small {@linkcode KvDriver} (store records, list keys) into a full
 * {@linkcode KvNamespace}. The namespace class here sequences each
 * operation; the rules live beside it, one concept per file: argument
 * validation in Workers' order (`_validate.ts`), the value codec
 * (`_codec.ts`), expiry (`expiry.ts`), bulk decoding (`_bulk.ts`), the
 * cursor codec (`_cursor.ts`), the limits (`limits.ts`) and the lifecycle
 * (`_lifecycle.ts`).
 *
 * @module
 */

import { KvError, type KvOperation } from "./errors.ts";
import { isExpired } from "./expiry.ts";
import { compareKeys, utf8Length } from "./keys.ts";
import { KV_LIMITS } from "./limits.ts";
import type { KvNamespaceHandle } from "./types.ts";
import type {
  Awaitable,
  DriverContext,
  KvDriver,
  KvDriverSource,
  KvKeyInfo,
  KvRecord,
} from "./kv_driver.ts";
import {
  buildRecord,
  noKeyError,
  parseBulkArguments,
  parseDeleteArguments,
  parseListArguments,
  parsePutArguments,
  parseReadArguments,
} from "./_validate.ts";
import { decodeValue, readValueStream } from "./_codec.ts";
import { decodeBulkItem } from "./_bulk.ts";
import { cursorScope, decodeCursor, encodeCursor } from "./_cursor.ts";
import { Lifecycle } from "./_lifecycle.ts";

/** Options for {@linkcode createEngineKv}. */
export interface EngineOptions {
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * A name cursors are bound to, so that a cursor from another namespace
   * sharing the same backend reads nothing here. Drivers see it in their
   * {@linkcode DriverContext}. Defaults to `""`.
   */
  namespace?: string;
}

/** A namespace method's result before it is settled. */
function isPromise<T>(value: Awaitable<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === "function";
}

/**
 * Wraps a driver failure as a `KvError` carrying the native error, and
 * lets kvkit's own errors through unchanged.
 */
function backendError(op: KvOperation, error: unknown): unknown {
  if (error instanceof KvError) return error;
  return new KvError(op, 500, "Internal Server Error", { cause: error });
}

function parseMetadata(text: string | undefined): unknown {
  return text === undefined ? null : JSON.parse(text);
}

function missing(withMetadata: boolean): unknown {
  return withMetadata ? { value: null, metadata: null, cacheStatus: null } : null;
}

function nothing(): void {}

const COMPLETE_EMPTY = () => ({ keys: [], list_complete: true, cacheStatus: null });

/**
 * Where a list continues, from a cursor's key: inside the prefix as it is,
 * before the prefix from its start (`undefined`), past it nowhere
 * (`null`). A key longer than any stored key (512 bytes) is cut to the
 * shortest start that orders the same against every storable key: the
 * code points up to the first one that crosses 512 bytes, inclusive.
 */
function clampAfter(prefix: string, after: string): string | undefined | null {
  if (!after.startsWith(prefix)) return compareKeys(after, prefix) < 0 ? undefined : null;
  const max = KV_LIMITS.maxKeyBytes;
  if (after.length * 3 <= max || utf8Length(after) <= max) return after;
  let bytes = 0;
  let end = 0;
  for (const char of after) {
    bytes += utf8Length(char);
    end += char.length;
    if (bytes > max) break;
  }
  return after.slice(0, end);
}

/** Workers' 413 for a bulk read over 25 MiB in total. */
function bulkTooLarge(): KvError {
  return new KvError(
    "GET_BULK",
    413,
    `Total size of request exceeds the limit of ${KV_LIMITS.maxBulkSize / 1024 / 1024}MB`,
  );
}

/** A key as `list` returns it, in Workers' property order. */
interface ListKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
}

function toListKey(info: KvKeyInfo): ListKey {
  const { name, expiration, metadata } = info;
  if (expiration === undefined && metadata === undefined) return { name };
  const key: ListKey = { name };
  if (expiration !== undefined) key.expiration = expiration;
  if (metadata !== undefined) key.metadata = JSON.parse(metadata);
  return key;
}

/** The namespace an engine adapter returns. */
class EngineKv {
  readonly #driver: KvDriver;
  readonly #now: () => number;
  readonly #namespace: string;
  readonly #life: Lifecycle;

  constructor(driver: KvDriver, now: () => number, namespace: string, life: Lifecycle) {
    this.#driver = driver;
    this.#now = now;
    this.#namespace = namespace;
    this.#life = life;
    life.attach(this);
  }

  get(key: unknown, options?: unknown): Promise<unknown> {
    const refused = this.#life.refuse(Array.isArray(key) ? "GET_BULK" : "GET");
    if (refused !== undefined) return refused;
    if (arguments.length === 0) return Promise.reject(noKeyError("get"));
    return Array.isArray(key)
      ? this.#getBulk(key, options, false)
      : this.#getSingle(key, options, false);
  }

  getWithMetadata(key: unknown, options?: unknown): Promise<unknown> {
    const refused = this.#life.refuse(Array.isArray(key) ? "GET_BULK" : "GET");
    if (refused !== undefined) return refused;
    if (arguments.length === 0) return Promise.reject(noKeyError("getWithMetadata"));
    return Array.isArray(key)
      ? this.#getBulk(key, options, true)
      : this.#getSingle(key, options, true);
  }

  #getSingle(rawKey: unknown, rawOptions: unknown, withMetadata: boolean): Promise<unknown> {
    let key: string;
    let type: string;
    try {
      ({ key, type } = parseReadArguments(rawKey, rawOptions));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#call("GET", () => this.#driver.get(key), (record) => {
      if (record === undefined) return missing(withMetadata);
      // No clock read for a record that never expires.
      if (record.expiration !== undefined) {
        const nowMs = this.#now();
        if (isExpired(record.expiration, nowMs)) {
          return this.#reclaim([key], nowMs).then(() => missing(withMetadata));
        }
      }
      const value = decodeValue(record.value, type, record.fresh === true);
      if (!withMetadata) return value;
      return { value, metadata: parseMetadata(record.metadata), cacheStatus: null };
    });
  }

  /**
   * Runs one driver call and hands its answer to `then`, settling one
   * promise whether the driver answered synchronously or not. A driver
   * failure becomes a `KvError` carrying the native error; what `then`
   * throws passes unchanged.
   */
  #call<T, R>(
    op: KvOperation,
    run: () => Awaitable<T>,
    then: (value: T) => R | Promise<R>,
  ): Promise<R> {
    let result: Awaitable<T>;
    try {
      result = run();
    } catch (error) {
      return Promise.reject(backendError(op, error));
    }
    if (isPromise(result)) {
      return result.then(then, (error) => {
        throw backendError(op, error);
      });
    }
    try {
      return Promise.resolve(then(result));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Deletes records found expired. A failure here never fails the read. */
  async #reclaim(keys: string[], nowMs: number): Promise<void> {
    if (keys.length === 0 || this.#driver.deleteExpired === undefined) return;
    try {
      await this.#driver.deleteExpired(keys, nowMs);
    } catch {
      // The record stays expired and is filtered again on the next read.
    }
  }

  async #getBulk(
    rawKeys: unknown[],
    rawOptions: unknown,
    withMetadata: boolean,
  ): Promise<Map<string, unknown>> {
    const { keys, json, valid, invalid } = parseBulkArguments(rawKeys, rawOptions);
    // As text, no value can fail, so an invalid key fails the call unread.
    if (invalid !== undefined && !json) throw invalid;
    // Distinct keys in order of first appearance, read once each.
    const distinct = [...new Set(keys.slice(0, valid))];
    const records = await this.#readMany(distinct);
    const results = new Map<string, unknown>();
    // Decoded lengths of repeated keys: a repeated key counts toward the
    // total again, as in Workers, but is decoded once.
    const sizes = distinct.length < valid ? new Map<string, number>() : undefined;
    let next = 0;
    let size = 0;
    for (let i = 0; i < valid; i++) {
      const key = keys[i];
      let itemSize = 0;
      if (sizes !== undefined && results.has(key)) itemSize = sizes.get(key)!;
      else {
        const record = records[next++];
        let item: unknown = null;
        if (record !== undefined) {
          const decoded = decodeBulkItem({
            value: record.value,
            json,
            withMetadata,
            metadata: withMetadata ? parseMetadata(record.metadata) : null,
          });
          itemSize = decoded.size;
          item = decoded.item;
        }
        results.set(key, item);
        sizes?.set(key, itemSize);
      }
      size += itemSize;
      // As text nothing later can fail first: stop once over the total.
      if (!json && size > KV_LIMITS.maxBulkSize) throw bulkTooLarge();
    }
    if (invalid !== undefined) throw invalid;
    if (size > KV_LIMITS.maxBulkSize) throw bulkTooLarge();
    return results;
  }

  /**
   * Live records for distinct keys, in their order (`undefined` where a
   * key is missing or expired); reclaims the expired ones.
   */
  #readMany(keys: string[]): Promise<(KvRecord | undefined)[]> {
    if (keys.length === 0) return Promise.resolve([]);
    const driver = this.#driver;
    const read = driver.getMany === undefined
      ? () => Promise.all(keys.map((key) => driver.get(key)))
      : () => driver.getMany!(keys);
    return this.#call("GET_BULK", read, (records) => {
      let nowMs: number | undefined;
      let expired: string[] | undefined;
      const live: (KvRecord | undefined)[] = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) {
        const record = records[i];
        if (
          record !== undefined && record.expiration !== undefined &&
          isExpired(record.expiration, nowMs ??= this.#now())
        ) {
          (expired ??= []).push(keys[i]);
        } else live[i] = record;
      }
      if (expired === undefined) return live;
      return this.#reclaim(expired, nowMs!).then(() => live);
    });
  }

  put(key: unknown, value: unknown, options?: unknown): Promise<void> {
    const refused = this.#life.refuse("PUT");
    if (refused !== undefined) return refused;
    let name: string;
    let record: KvRecord;
    let stream: ReadableStream<unknown> | undefined;
    try {
      const args = parsePutArguments(arguments.length, key, value, options);
      record = buildRecord(args, this.#now);
      name = args.key;
      if (typeof args.value !== "string" && !(args.value instanceof Uint8Array)) {
        stream = args.value;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (stream === undefined) {
      return this.#call("PUT", () => this.#driver.put(name, record), nothing);
    }
    return readValueStream(stream).then((bytes) => {
      record.value = bytes;
      return this.#call("PUT", () => this.#driver.put(name, record), nothing);
    });
  }

  delete(key: unknown): Promise<void> {
    const refused = this.#life.refuse("DELETE");
    if (refused !== undefined) return refused;
    let name: string;
    try {
      name = parseDeleteArguments(arguments.length, key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#call("DELETE", () => this.#driver.delete(name), nothing);
  }

  async list(options?: unknown): Promise<unknown> {
    const refused = this.#life.refuse("GET");
    if (refused !== undefined) return refused;
    const { prefix, limit, cursor } = parseListArguments(options);
    const scope = cursorScope(this.#namespace, prefix);
    let after: string | undefined;
    if (cursor !== "") {
      // A cursor from elsewhere reads nothing, as a garbage cursor does in
      // Workers KV: it never reaches outside this namespace and prefix.
      const decoded = decodeCursor(cursor, scope);
      const clamped = decoded === undefined ? null : clampAfter(prefix, decoded);
      if (clamped === null) return COMPLETE_EMPTY();
      after = clamped;
    }
    // Fill the page from live keys, one past the limit to learn whether
    // more remain. The clock is read only if some key has an expiration.
    const keys: ListKey[] = [];
    const expired: string[] = [];
    let nowMs: number | undefined;
    let more = false;
    for (;;) {
      const want = limit + 1 - keys.length;
      const from = after;
      const batch = await this.#call("GET", () => this.#driver.list(prefix, from, want), (b) => b);
      for (const info of batch) {
        if (info.expiration !== undefined && isExpired(info.expiration, nowMs ??= this.#now())) {
          expired.push(info.name);
        } else if (keys.length === limit) {
          more = true;
          break;
        } else keys.push(toListKey(info));
      }
      if (more || batch.length < want) break;
      after = batch[batch.length - 1].name;
    }
    if (expired.length > 0) await this.#reclaim(expired, nowMs!);
    if (!more) return { keys, list_complete: true, cacheStatus: null };
    return {
      keys,
      list_complete: false,
      cursor: encodeCursor(scope, keys[limit - 1].name),
      cacheStatus: null,
    };
  }
}

/**
 * The engine with what kvkit's own adapters need beside the namespace: its
 * lifecycle, to guard methods an adapter adds, and the driver it built.
 * Not part of the public API.
 */
export function buildEngine(
  source: KvDriverSource,
  options: EngineOptions = {},
): { kv: KvNamespaceHandle; lifecycle: Lifecycle; driver: KvDriver } {
  const now = options.now ?? Date.now;
  const namespace = options.namespace ?? "";
  if (typeof now !== "function") throw new TypeError(`now must be a function, got ${typeof now}`);
  if (typeof namespace !== "string") {
    throw new TypeError(`namespace must be a string, got ${typeof namespace}`);
  }
  const context: DriverContext = { now, namespace };
  const driver = typeof source === "function" ? source(context) : source;
  const lifecycle = new Lifecycle(() => driver.close?.());
  const kv = new EngineKv(driver, now, namespace, lifecycle) as unknown as KvNamespaceHandle;
  return { kv, lifecycle, driver };
}

/**
 * Builds a Workers KV namespace on a {@linkcode KvDriver}. This is how
 * every kvkit storage adapter is made, and how you make your own: write a
 * driver that stores records and lists keys in UTF-8 byte order, and the
 * engine supplies every Workers KV rule.
 *
 * @param driver The driver, or a function that builds it from the
 * engine's {@linkcode DriverContext} (its clock and namespace).
 * @param options The clock and the namespace name.
 * @returns A namespace that behaves like a Workers KV binding. `close()`
 * (the same function as `[Symbol.asyncDispose]`) closes the driver once;
 * every call after it rejects with `KvError` 500 `Namespace is closed.`
 *
 * @example A driver that needs the clock gets it from its context
 * ```ts
 * import { createEngineKv, type KvRecord } from "@kvkit/kvkit/driver";
 *
 * const records = new Map<string, KvRecord>();
 * let clock = 1_700_000_000_000;
 * await using kv = createEngineKv(({ now }) => ({
 *   get: (key) => records.get(key),
 *   put: (key, record) => void records.set(key, record),
 *   delete: (key) => void records.delete(key),
 *   list: () => [], // listing left out of this example
 *   close: () => console.log("closed at", now()),
 * }), { now: () => clock });
 * await kv.put("session", "abc", { expirationTtl: 60 });
 * clock += 60_000;
 * if (await kv.get("session") !== null) throw new Error("should have expired");
 * ```
 */
export function createEngineKv(
  driver: KvDriverSource,
  options: EngineOptions = {},
): KvNamespaceHandle {
  return buildEngine(driver, options).kv;
}
