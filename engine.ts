/**
 * The engine: every Workers KV rule in one place. It turns a small
 * {@linkcode KvDriver} (store records, scan keys) into a full
 * {@linkcode KvNamespace}: argument coercion and validation with Workers'
 * error classes and texts, value encoding and decoding, expiry against an
 * injected clock, metadata, list pagination with bound cursors, and bulk
 * reads.
 *
 * @module
 */

import { KvError, type KvOperation } from "./errors.ts";
import { isWellFormed, utf8Length } from "./keys.ts";
import type { KvDriver, KvKeyInfo, KvNamespaceHandle, KvRecord } from "./types.ts";

const MAX_KEY_BYTES = 512;
const MAX_VALUE_BYTES = 25 * 1024 * 1024;
const MAX_METADATA_BYTES = 1024;
const MAX_LIST_LIMIT = 1000;
const MAX_BULK_KEYS = 100;
const MAX_BULK_SIZE = 25 * 1024 * 1024;
const MIN_EXPIRATION_TTL = 60;
const MIN_CACHE_TTL = 30;

/** Workers KV's limits, as {@linkcode KV_LIMITS} lists them. */
export interface KvLimits {
  /** Largest key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Largest value, in bytes (25 MiB). */
  readonly maxValueBytes: number;
  /** Largest serialized metadata, in UTF-8 bytes. */
  readonly maxMetadataBytes: number;
  /** Most keys a `list` page returns, and the default page size. */
  readonly maxListLimit: number;
  /** Most keys one bulk `get` may request. */
  readonly maxBulkKeys: number;
  /** Largest total a bulk `get` may return, in decoded UTF-16 units. */
  readonly maxBulkSize: number;
  /** Smallest `expirationTtl`, and smallest distance of `expiration` from now, in seconds. */
  readonly minExpirationTtl: number;
  /** Smallest `cacheTtl`, in seconds. */
  readonly minCacheTtl: number;
}

/**
 * The limits the engine enforces, which are Workers KV's.
 *
 * @example
 * ```ts
 * import { KV_LIMITS } from "@kvkit/kvkit";
 *
 * const value = new Uint8Array(KV_LIMITS.maxValueBytes); // the largest value allowed
 * if (value.byteLength !== 26_214_400) throw new Error("25 MiB");
 * ```
 */
export const KV_LIMITS: KvLimits = Object.freeze({
  maxKeyBytes: MAX_KEY_BYTES,
  maxValueBytes: MAX_VALUE_BYTES,
  maxMetadataBytes: MAX_METADATA_BYTES,
  maxListLimit: MAX_LIST_LIMIT,
  maxBulkKeys: MAX_BULK_KEYS,
  maxBulkSize: MAX_BULK_SIZE,
  minExpirationTtl: MIN_EXPIRATION_TTL,
  minCacheTtl: MIN_CACHE_TTL,
});

/** Options for {@linkcode createEngineKv}. */
export interface EngineOptions {
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
  /**
   * A name cursors are bound to, so that a cursor from another namespace
   * sharing the same backend reads nothing here. Defaults to `""`.
   */
  namespace?: string;
}

const encoder = new TextEncoder();
// Workers' single-key text decode keeps a leading BOM; its bulk decode
// (Miniflare's default TextDecoder) strips it.
const singleDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
const bulkDecoder = new TextDecoder();

const GET_TYPES = new Set(["text", "json", "arrayBuffer", "stream"]);
const UNKNOWN_TYPE =
  'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".';
const PUT_VALUE_TYPES =
  "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.";

function argumentError(method: string, index: number, type: string): TypeError {
  return new TypeError(
    `Failed to execute '${method}' on 'KvNamespace': parameter ${index} is not of type '${type}'.`,
  );
}

/** `String(x)` as workerd converts arguments: symbols throw a TypeError. */
function toStringArg(value: unknown): string {
  if (typeof value === "string") return value;
  // V8's text, on every engine (JavaScriptCore words it differently).
  if (typeof value === "symbol") {
    throw new TypeError("Cannot convert a Symbol value to a string");
  }
  return `${value as string}`;
}

/**
 * workerd's conversion to a 32-bit int: `NaN` and infinities become 0,
 * numbers outside the int32 range throw, the rest truncate.
 */
function toInt32(value: unknown): number {
  if (typeof value === "symbol" || typeof value === "bigint") {
    throw new TypeError(
      `Cannot convert a ${typeof value === "symbol" ? "Symbol" : "BigInt"} value to a number`,
    );
  }
  const number = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(number)) return 0;
  if (number > 2147483647 || number < -2147483648) {
    throw new TypeError(
      "Value out of range. Must be between -2147483648 and 2147483647 (inclusive).",
    );
  }
  return Math.trunc(number) | 0;
}

/** workerd's client-side key checks, for single-key operations. */
function checkKeyName(op: KvOperation, key: string): void {
  if (key === "") throw new TypeError("Key name cannot be empty.");
  if (key === "." || key === "..") {
    throw new TypeError(`"${key}" is not allowed as a key name.`);
  }
  if (key.length * 3 > MAX_KEY_BYTES) checkKeyLength(op, key);
}

function checkKeyLength(op: KvOperation, key: string): void {
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new KvError(
      op,
      414,
      `UTF-8 encoded length of ${bytes} exceeds key length limit of ${MAX_KEY_BYTES}.`,
    );
  }
}

/** Lone surrogates would alias U+FFFD on several backends, so they fail. */
function checkWellFormed(op: KvOperation, key: string): void {
  if (!isWellFormed(key)) {
    throw new KvError(op, 400, "Could not URL-decode key name");
  }
}

function checkCacheTtl(op: KvOperation, cacheTtl: number | undefined): void {
  if (cacheTtl !== undefined && cacheTtl < MIN_CACHE_TTL) {
    throw new KvError(
      op,
      400,
      `Invalid cache_ttl of ${cacheTtl}. Cache TTL must be at least ${MIN_CACHE_TTL}.`,
    );
  }
}

interface ReadOptions {
  type: string;
  cacheTtl?: number;
}

const TEXT: ReadOptions = { type: "text" };

/** Coerces the second argument of `get` and `getWithMetadata`. */
function readOptions(options: unknown): ReadOptions {
  if (options === undefined || options === null) return TEXT;
  if (typeof options === "string") return { type: options };
  if (typeof options !== "object" && typeof options !== "function") {
    return { type: toStringArg(options) };
  }
  const { type, cacheTtl } = options as { type?: unknown; cacheTtl?: unknown };
  return {
    type: type === undefined ? "text" : toStringArg(type),
    cacheTtl: cacheTtl === undefined ? undefined : toInt32(cacheTtl),
  };
}

/**
 * Whether a record with this expiration (whole epoch seconds, or none) is
 * expired at `nowMs`: Workers KV hides a key from the millisecond its
 * expiration second begins. Drivers use it in `deleteExpired`.
 *
 * @param expiration The record's expiration in epoch seconds, if any.
 * @param nowMs The current time in epoch milliseconds.
 * @returns True when the record must no longer be served.
 *
 * @example
 * ```ts
 * import { isExpired } from "@kvkit/kvkit";
 *
 * if (!isExpired(1000, 1_000_000) || isExpired(1000, 999_999)) throw new Error();
 * if (isExpired(undefined, Date.now())) throw new Error("no expiration never expires");
 * ```
 */
export function isExpired(expiration: number | undefined, nowMs: number): boolean {
  return expiration !== undefined && expiration * 1000 <= nowMs;
}

function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

/** A byte stream, as Workers returns, so BYOB readers work too. */
function toStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const copy = bytes.slice();
  return new ReadableStream({
    type: "bytes",
    start(controller: ReadableByteStreamController) {
      if (copy.byteLength > 0) controller.enqueue(copy);
      controller.close();
    },
  }) as ReadableStream<Uint8Array>;
}

function decodeValue(bytes: Uint8Array, type: string): unknown {
  switch (type) {
    case "text":
      return singleDecoder.decode(bytes);
    case "json":
      return JSON.parse(singleDecoder.decode(bytes));
    case "arrayBuffer":
      return copyToArrayBuffer(bytes);
    default:
      return toStream(bytes);
  }
}

/**
 * `JSON.stringify`, failing with V8's TypeError texts (which Workers
 * shows) on every engine; JavaScriptCore words them differently.
 */
function serializeMetadata(metadata: unknown): string | undefined {
  try {
    return JSON.stringify(metadata);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    if (/bigint/i.test(error.message) && !/^Do not know/.test(error.message)) {
      throw new TypeError("Do not know how to serialize a BigInt", { cause: error });
    }
    if (/cycl|circular/i.test(error.message) && !/^Converting/.test(error.message)) {
      throw new TypeError("Converting circular structure to JSON", { cause: error });
    }
    throw error;
  }
}

/**
 * One item of a Workers KV bulk read, as the binding delivers it: the
 * bytes decoded as text (a leading BOM dropped), parsed when `json`, and
 * carried across the backend as JSON (so -0 reads as 0 and 1e400 as null);
 * with metadata, wrapped as `{ value, metadata }`, except that a stored
 * JSON null is `null`. Adapters that pass reads through use it to refill
 * items a binding lost.
 *
 * @param bytes The stored value.
 * @param json Whether the bulk read asked for `"json"`.
 * @param withMetadata Whether it is a bulk `getWithMetadata`.
 * @param metadata The parsed metadata, used when `withMetadata`.
 * @returns The item, and its decoded length, which counts toward the
 * 25 MiB bulk total.
 * @throws {KvError} 400 when `json` and the value is not JSON.
 *
 * @example
 * ```ts
 * import { decodeBulkItem } from "@kvkit/kvkit";
 *
 * const bytes = new TextEncoder().encode("-0");
 * const { item } = decodeBulkItem(bytes, true, true, { m: 1 });
 * if (JSON.stringify(item) !== '{"value":0,"metadata":{"m":1}}') throw new Error();
 * ```
 */
export function decodeBulkItem(
  bytes: Uint8Array,
  json: boolean,
  withMetadata: boolean,
  metadata: unknown,
): { item: unknown; size: number } {
  const text = bulkDecoder.decode(bytes);
  let value: unknown = text;
  if (json) {
    try {
      value = JSON.parse(text, bulkJsonReviver);
    } catch {
      throw new KvError(
        "GET_BULK",
        400,
        "At least one of the requested keys corresponds to a non-json value",
      );
    }
    // A stored JSON null maps to null; an overflowing number that reads
    // as null still gets its { value, metadata } item.
    if (text.trim() === "null") return { item: null, size: text.length };
  }
  return { item: withMetadata ? { value, metadata } : value, size: text.length };
}

/**
 * Workers' bulk reads carry parsed values across the backend as JSON, so
 * -0 arrives as 0 and numbers beyond double range (1e400) as null.
 */
function bulkJsonReviver(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : value;
}

function parseMetadata(text: string | undefined): unknown {
  return text === undefined ? null : JSON.parse(text);
}

/** A value reduced to bytes that the caller can no longer change. */
type PutBytes = Uint8Array | ReadableStream<unknown>;

// Small values are carved out of shared 8 KiB slabs, as Node's Buffer pool
// does: allocating a fresh typed array costs several times more than the
// copy itself. A stored value may therefore be a view into a larger buffer.
const SLAB_SIZE = 8192;
const SLAB_VALUE_MAX = 1024;
let slab = new Uint8Array(SLAB_SIZE);
let slabOffset = 0;

function reserve(maxBytes: number): number {
  if (slabOffset + maxBytes > SLAB_SIZE) {
    slab = new Uint8Array(SLAB_SIZE);
    slabOffset = 0;
  }
  return slabOffset;
}

function seal(start: number, length: number): Uint8Array {
  // Keep 8-byte alignment so views stay cheap for wide typed arrays.
  slabOffset = start + ((length + 7) & ~7);
  return slab.subarray(start, start + length);
}

function encodeText(text: string): Uint8Array {
  if (text.length * 3 > SLAB_VALUE_MAX) return encoder.encode(text);
  const start = reserve(text.length * 3);
  const { written } = encoder.encodeInto(
    text,
    slab.subarray(start, start + text.length * 3),
  );
  return seal(start, written);
}

function copyBytes(view: Uint8Array): Uint8Array {
  if (view.byteLength > SLAB_VALUE_MAX) return view.slice();
  const start = reserve(view.byteLength);
  slab.set(view, start);
  return seal(start, view.byteLength);
}

function toPutBytes(value: unknown): PutBytes {
  if (typeof value === "string") return encodeText(value);
  if (
    value === null || (typeof value !== "object" && typeof value !== "function")
  ) {
    // Workers coerces primitives (numbers, booleans, null, undefined,
    // bigints) to strings; symbols throw a TypeError here.
    return encodeText(toStringArg(value));
  }
  if (value instanceof ArrayBuffer) return copyBytes(new Uint8Array(value));
  if (ArrayBuffer.isView(value)) {
    return copyBytes(
      new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    );
  }
  if (typeof (value as ReadableStream).getReader === "function") {
    return value as ReadableStream<unknown>;
  }
  throw new TypeError(PUT_VALUE_TYPES);
}

function valueTooLarge(length: number): KvError {
  return new KvError(
    "PUT",
    413,
    `Value length of ${length} exceeds limit of ${MAX_VALUE_BYTES}.`,
  );
}

/**
 * Reads a `put` value stream to bytes by Workers' rules: every chunk must
 * be an `ArrayBuffer` or a view (else the TypeError workerd throws), and
 * the 25 MiB limit is enforced while chunks arrive. Past the limit it
 * keeps no bytes but goes on counting, because Workers reports the
 * stream's full length in the error. Adapters that pass values through to
 * another store use it too.
 *
 * @param stream The value stream.
 * @returns The bytes, in a buffer of their own.
 * @throws {KvError} 413 when the stream is longer than 25 MiB.
 *
 * @example
 * ```ts
 * import { readValueStream } from "@kvkit/kvkit";
 *
 * const bytes = await readValueStream(new Blob(["ab", "c"]).stream());
 * if (new TextDecoder().decode(bytes) !== "abc") throw new Error("lost bytes");
 * ```
 */
export async function readValueStream(
  stream: ReadableStream<unknown>,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk: Uint8Array;
      if (value instanceof Uint8Array) chunk = value;
      else if (ArrayBuffer.isView(value)) {
        chunk = new Uint8Array(
          value.buffer,
          value.byteOffset,
          value.byteLength,
        );
      } else if (value instanceof ArrayBuffer) chunk = new Uint8Array(value);
      else throw new TypeError("This ReadableStream did not return bytes.");
      length += chunk.byteLength;
      // Copied as it arrives: a producer may reuse its buffer once read.
      if (length <= MAX_VALUE_BYTES) chunks.push(chunk.slice());
      else chunks.length = 0;
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
  if (length > MAX_VALUE_BYTES) throw valueTooLarge(length);
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

// Cursors: base64url of [version, 4-byte scope hash, UTF-8 of the last key].
const CURSOR_VERSION = 1;

function scopeHash(namespace: string, prefix: string): number {
  // FNV-1a over UTF-16 units. Not a secret: the cursor only ever positions
  // a scan that the prefix range already confines.
  let hash = 0x811c9dc5;
  const text = `${namespace}\u0000${prefix}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) {
    binary += String.fromCharCode(bytes[i]);
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

function encodeCursor(scope: number, lastKey: string): string {
  const key = encoder.encode(lastKey);
  const bytes = new Uint8Array(5 + key.byteLength);
  bytes[0] = CURSOR_VERSION;
  new DataView(bytes.buffer).setUint32(1, scope);
  bytes.set(key, 5);
  return toBase64Url(bytes);
}

const strictDecoder = new TextDecoder("utf-8", {
  fatal: true,
  ignoreBOM: true,
});

/** The key a cursor continues after, or `undefined` if it is not ours. */
function decodeCursor(cursor: string, scope: number): string | undefined {
  const bytes = fromBase64Url(cursor);
  if (bytes === undefined || bytes.byteLength < 6) return undefined;
  if (bytes[0] !== CURSOR_VERSION) return undefined;
  if (new DataView(bytes.buffer).getUint32(1) !== scope) return undefined;
  try {
    return strictDecoder.decode(bytes.subarray(5));
  } catch {
    return undefined;
  }
}

function toListKey(info: KvKeyInfo): {
  name: string;
  expiration?: number;
  metadata?: unknown;
} {
  const key: { name: string; expiration?: number; metadata?: unknown } = {
    name: info.name,
  };
  if (info.expiration !== undefined) key.expiration = info.expiration;
  if (info.metadata !== undefined) key.metadata = JSON.parse(info.metadata);
  return key;
}

const closedError = (op: KvOperation) => new KvError(op, 500, "Namespace is closed.");

/**
 * Wraps a driver failure as a `KvError` carrying the native error, and
 * lets kvkit's own errors through unchanged.
 */
function backendError(op: KvOperation, error: unknown): unknown {
  if (error instanceof KvError) return error;
  return new KvError(op, 500, "Internal Server Error", { cause: error });
}

class EngineKv {
  readonly #driver: KvDriver;
  readonly #now: () => number;
  readonly #namespace: string;
  #closed = false;

  constructor(driver: KvDriver, options: EngineOptions) {
    this.#driver = driver;
    this.#now = options.now ?? Date.now;
    this.#namespace = options.namespace ?? "";
  }

  get(key: unknown, options?: unknown): Promise<unknown> {
    if (arguments.length === 0) {
      return Promise.reject(argumentError("get", 1, "string or Array"));
    }
    return Array.isArray(key)
      ? this.#getBulk(key, options, false)
      : this.#getSingle(key, options, false);
  }

  getWithMetadata(key: unknown, options?: unknown): Promise<unknown> {
    if (arguments.length === 0) {
      return Promise.reject(
        argumentError("getWithMetadata", 1, "Array or string"),
      );
    }
    return Array.isArray(key)
      ? this.#getBulk(key, options, true)
      : this.#getSingle(key, options, true);
  }

  #getSingle(
    rawKey: unknown,
    rawOptions: unknown,
    withMetadata: boolean,
  ): Promise<unknown> {
    let key: string;
    let type: string;
    try {
      key = toStringArg(rawKey);
      const options = readOptions(rawOptions);
      type = options.type;
      checkKeyName("GET", key);
      checkWellFormed("GET", key);
      checkCacheTtl("GET", options.cacheTtl);
    } catch (error) {
      return Promise.reject(error);
    }
    const decode = (record: KvRecord | undefined) => {
      if (record === undefined) {
        return withMetadata ? { value: null, metadata: null, cacheStatus: null } : null;
      }
      if (!GET_TYPES.has(type)) throw new TypeError(UNKNOWN_TYPE);
      const value = decodeValue(record.value, type);
      if (!withMetadata) return value;
      return {
        value,
        metadata: parseMetadata(record.metadata),
        cacheStatus: null,
      };
    };
    return this.#call("GET", () => this.#driver.get(key)).then((record) => {
      if (record === undefined) return decode(undefined);
      const nowMs = this.#now();
      if (!isExpired(record.expiration, nowMs)) return decode(record);
      return this.#reclaim([key], nowMs).then(() => decode(undefined));
    });
  }

  /**
   * Runs one driver call; a failure becomes a `KvError` carrying the
   * native error, and a closed namespace fails before the call.
   */
  #call<T>(op: KvOperation, run: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError(op));
    let promise: Promise<T>;
    try {
      promise = run();
    } catch (error) {
      return Promise.reject(backendError(op, error));
    }
    return promise.catch((error) => {
      throw backendError(op, error);
    });
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
    const keys = rawKeys.map(toStringArg);
    const { type, cacheTtl } = readOptions(rawOptions);
    if (type !== "" && type !== "text" && type !== "json") {
      throw new KvError(
        "GET_BULK",
        400,
        `"${type}" is not a valid type. Use "json" or "text"`,
      );
    }
    if (keys.length > MAX_BULK_KEYS) {
      throw new KvError(
        "GET_BULK",
        400,
        `You can request a maximum of ${MAX_BULK_KEYS} keys`,
      );
    }
    if (keys.length < 1) {
      throw new KvError("GET_BULK", 400, "You must request a minimum of 1 key");
    }
    // Workers checks each key, then reads and decodes it, in request order:
    // a value error before the first invalid key wins over the key error.
    let invalid: KvError | undefined;
    let valid = keys.length;
    for (let i = 0; i < keys.length; i++) {
      invalid = bulkKeyError(keys[i], cacheTtl);
      if (invalid !== undefined) {
        valid = i;
        break;
      }
    }
    const unique = [...new Set(keys.slice(0, valid))];
    const records = await this.#readMany(unique);
    const json = type === "json";
    const results = new Map<string, unknown>();
    let size = 0;
    for (let i = 0; i < valid; i++) {
      const key = keys[i];
      const record = records.get(key);
      let value: unknown = null;
      if (record !== undefined) {
        const decoded = decodeBulkItem(
          record.value,
          json,
          withMetadata,
          withMetadata ? parseMetadata(record.metadata) : null,
        );
        size += decoded.size;
        value = decoded.item;
      }
      if (!results.has(key)) results.set(key, value);
    }
    if (invalid !== undefined) throw invalid;
    if (size > MAX_BULK_SIZE) {
      throw new KvError(
        "GET_BULK",
        413,
        `Total size of request exceeds the limit of ${MAX_BULK_SIZE / 1024 / 1024}MB`,
      );
    }
    return results;
  }

  /** Live records for distinct keys; reclaims the expired ones. */
  async #readMany(keys: string[]): Promise<Map<string, KvRecord>> {
    const live = new Map<string, KvRecord>();
    if (keys.length === 0) return live;
    const records = await this.#call(
      "GET_BULK",
      () => this.#driver.getMany(keys),
    );
    const nowMs = this.#now();
    const expired: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const record = records[i];
      if (record === undefined) continue;
      if (isExpired(record.expiration, nowMs)) expired.push(keys[i]);
      else live.set(keys[i], record);
    }
    await this.#reclaim(expired, nowMs);
    return live;
  }

  put(key: unknown, value: unknown, options?: unknown): Promise<void> {
    let name: string;
    let record: KvRecord;
    let stream: ReadableStream<unknown> | undefined;
    try {
      [name, record, stream] = this.#preparePut(
        arguments.length,
        key,
        value,
        options,
      );
    } catch (error) {
      return Promise.reject(error);
    }
    if (stream === undefined) {
      return this.#call("PUT", () => this.#driver.put(name, record));
    }
    return readValueStream(stream).then((bytes) => {
      record.value = bytes;
      return this.#call("PUT", () => this.#driver.put(name, record));
    });
  }

  /**
   * Every put check, in Workers' order, without touching storage. Returns
   * the record, and the stream still to read when the value is one.
   */
  #preparePut(
    count: number,
    key: unknown,
    value: unknown,
    options: unknown,
  ): [string, KvRecord, ReadableStream<unknown> | undefined] {
    if (count === 0) throw argumentError("put", 1, "string");
    if (count === 1) throw argumentError("put", 2, "string or JsObject");
    const name = toStringArg(key);
    // Copy the bytes now: a caller may reuse its buffer once put returns.
    const isObject = typeof value === "object" && value !== null;
    const primitive = isObject ? undefined : toPutBytes(value);
    let expiration: number | undefined;
    let expirationTtl: number | undefined;
    let metadata: unknown;
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") {
        throw argumentError("put", 3, "PutOptions");
      }
      const raw = options as {
        expiration?: unknown;
        expirationTtl?: unknown;
        metadata?: unknown;
      };
      if (raw.expiration !== undefined) expiration = toInt32(raw.expiration);
      if (raw.expirationTtl !== undefined) {
        expirationTtl = toInt32(raw.expirationTtl);
      }
      metadata = raw.metadata;
    }
    checkKeyName("PUT", name);
    const hasMetadata = metadata !== undefined && metadata !== null;
    const metadataJson = hasMetadata ? serializeMetadata(metadata) : undefined;
    const bytes = primitive ?? toPutBytes(value);
    checkWellFormed("PUT", name);
    const record: KvRecord = {
      value: EMPTY,
      metadata: undefined,
      expiration: undefined,
    };
    if (expirationTtl !== undefined) {
      const nowSeconds = Math.floor(this.#now() / 1000);
      if (expirationTtl <= 0) {
        throw new KvError(
          "PUT",
          400,
          `Invalid expiration_ttl of ${expirationTtl}. Please specify integer greater than 0.`,
        );
      }
      if (expirationTtl < MIN_EXPIRATION_TTL) {
        throw new KvError(
          "PUT",
          400,
          `Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${MIN_EXPIRATION_TTL}.`,
        );
      }
      record.expiration = nowSeconds + expirationTtl;
    } else if (expiration !== undefined) {
      const nowSeconds = Math.floor(this.#now() / 1000);
      if (expiration <= nowSeconds) {
        throw new KvError(
          "PUT",
          400,
          `Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
        );
      }
      if (expiration < nowSeconds + MIN_EXPIRATION_TTL) {
        throw new KvError(
          "PUT",
          400,
          `Invalid expiration of ${expiration}. Expiration times must be at least ${MIN_EXPIRATION_TTL} seconds in the future.`,
        );
      }
      record.expiration = expiration;
    }
    if (hasMetadata) {
      // A function or symbol serializes to nothing, which the Workers
      // backend fails to parse.
      if (metadataJson === undefined) {
        throw new KvError("PUT", 500, "Internal Server Error");
      }
      const length = utf8Length(metadataJson);
      if (length > MAX_METADATA_BYTES) {
        throw new KvError(
          "PUT",
          413,
          `Metadata length of ${length} exceeds limit of ${MAX_METADATA_BYTES}.`,
        );
      }
      record.metadata = metadataJson;
    }
    if (!(bytes instanceof Uint8Array)) return [name, record, bytes];
    if (bytes.byteLength > MAX_VALUE_BYTES) {
      throw valueTooLarge(bytes.byteLength);
    }
    record.value = bytes;
    return [name, record, undefined];
  }

  delete(key: unknown): Promise<void> {
    let name: string;
    try {
      if (arguments.length === 0) throw argumentError("delete", 1, "string");
      name = toStringArg(key);
      checkKeyName("DELETE", name);
      checkWellFormed("DELETE", name);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#call("DELETE", () => this.#driver.delete(name));
  }

  async list(options?: unknown): Promise<unknown> {
    if (
      options !== undefined && options !== null && typeof options !== "object"
    ) {
      throw argumentError("list", 1, "ListOptions");
    }
    const { limit: rawLimit, prefix: rawPrefix, cursor: rawCursor } = (options ?? {}) as {
      limit?: unknown;
      prefix?: unknown;
      cursor?: unknown;
    };
    const requested = rawLimit === undefined ? 0 : toInt32(rawLimit);
    // A lone surrogate cannot occur in a stored key; Workers turns one in a
    // prefix into U+FFFD, and so does kvkit.
    const prefix = rawPrefix === undefined || rawPrefix === null
      ? ""
      : toStringArg(rawPrefix).toWellFormed();
    const cursor = rawCursor === undefined || rawCursor === null ? "" : toStringArg(rawCursor);
    if (requested > MAX_LIST_LIMIT) {
      throw new KvError(
        "GET",
        400,
        `Invalid key_count_limit of ${requested}. Please specify an integer less than ${MAX_LIST_LIMIT}.`,
      );
    }
    checkKeyLength("GET", prefix);
    const limit = requested > 0 ? requested : MAX_LIST_LIMIT;
    const scope = scopeHash(this.#namespace, prefix);
    let after: string | undefined;
    if (cursor !== "") {
      after = decodeCursor(cursor, scope);
      // A cursor from elsewhere reads nothing, as a garbage cursor does in
      // Workers KV: it never reaches outside this namespace and prefix.
      if (after === undefined) {
        return { keys: [], list_complete: true, cacheStatus: null };
      }
    }
    // Fill the page from live keys, one past the limit to learn whether
    // more remain.
    const page: KvKeyInfo[] = [];
    const expired: string[] = [];
    const nowMs = this.#now();
    while (page.length <= limit) {
      const want = limit + 1 - page.length;
      const from = after;
      const batch = await this.#call(
        "GET",
        () => this.#driver.list(prefix, from, want),
      );
      for (const info of batch) {
        if (isExpired(info.expiration, nowMs)) expired.push(info.name);
        else page.push(info);
      }
      if (batch.length < want) break;
      after = batch[batch.length - 1].name;
    }
    await this.#reclaim(expired, nowMs);
    const keys = page.slice(0, limit).map(toListKey);
    if (page.length <= limit) {
      return { keys, list_complete: true, cacheStatus: null };
    }
    return {
      keys,
      list_complete: false,
      cursor: encodeCursor(scope, page[limit - 1].name),
      cacheStatus: null,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#driver.close?.();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

const EMPTY = new Uint8Array(0);

/** The per-key checks Workers' backend runs in a bulk get, in its order. */
function bulkKeyError(
  key: string,
  cacheTtl: number | undefined,
): KvError | undefined {
  if (key === "") {
    return new KvError("GET_BULK", 400, "Key names must not be empty");
  }
  if (key === "." || key === "..") {
    return new KvError(
      "GET_BULK",
      400,
      `Illegal key name "${key}". Please use a different name.`,
    );
  }
  try {
    if (key.length * 3 > MAX_KEY_BYTES) checkKeyLength("GET_BULK", key);
    checkWellFormed("GET_BULK", key);
    checkCacheTtl("GET_BULK", cacheTtl);
  } catch (error) {
    return error as KvError;
  }
  return undefined;
}

/**
 * Builds a Workers KV namespace on top of a {@linkcode KvDriver}. This is
 * how every kvkit storage adapter is made, and how you make your own: write
 * a driver that stores records and lists keys in UTF-8 byte order, and the
 * engine supplies every Workers KV rule.
 *
 * @param driver The storage to build on.
 * @param options The clock and the cursor namespace.
 * @returns A namespace that behaves like a Workers KV binding; `close()`
 * closes the driver.
 *
 * @example A driver over a plain Map (no ordering index, so small data only)
 * ```ts
 * import { compareKeys, createEngineKv, type KvDriver, type KvRecord } from "@kvkit/kvkit";
 *
 * const records = new Map<string, KvRecord>();
 * const driver: KvDriver = {
 *   get: async (key) => records.get(key),
 *   getMany: async (keys) => keys.map((key) => records.get(key)),
 *   put: async (key, record) => void records.set(key, record),
 *   delete: async (key) => void records.delete(key),
 *   list: async (prefix, after, limit) =>
 *     [...records.keys()]
 *       .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
 *       .sort(compareKeys)
 *       .slice(0, limit)
 *       .map((name) => ({ name, ...records.get(name)!, value: undefined })),
 * };
 *
 * const kv = createEngineKv(driver);
 * await kv.put("greeting", "hello", { metadata: { lang: "en" } });
 * const { value, metadata } = await kv.getWithMetadata("greeting");
 * if (value !== "hello" || (metadata as { lang: string }).lang !== "en") {
 *   throw new Error("round trip failed");
 * }
 * ```
 */
export function createEngineKv(
  driver: KvDriver,
  options: EngineOptions = {},
): KvNamespaceHandle {
  return new EngineKv(driver, options) as unknown as KvNamespaceHandle;
}
