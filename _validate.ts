// Argument coercion and validation, in Workers' order, with Workers' error
// classes and texts (spec §2). Private to the engine and the Workers
// wrapper.
//
// Each operation has a parse step that converts and checks its arguments
// as workerd does on the client side. A put then builds its record, which
// runs the checks Workers' backend makes (expiration, metadata, size).

import { KvError, type KvOperation } from "./errors.ts";
import { putExpiration } from "./expiry.ts";
import { isWellFormed, utf8Length } from "./keys.ts";
import { KV_LIMITS } from "./limits.ts";
import type { KvRecord } from "./kv_driver.ts";
import {
  checkValueSize,
  isArrayBuffer,
  objectValue,
  PUT_VALUE_TYPES,
  type PutValue,
  textValue,
} from "./_codec.ts";

const MAX_KEY_BYTES = KV_LIMITS.maxKeyBytes;

/** workerd's TypeError for an argument of the wrong type. */
export function argumentError(method: string, index: number, type: string): TypeError {
  return new TypeError(
    `Failed to execute '${method}' on 'KvNamespace': parameter ${index} is not of type '${type}'.`,
  );
}

/** `String(x)` as workerd converts arguments: symbols throw a TypeError. */
export function toStringArg(value: unknown): string {
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
export function toInt32(value: unknown): number {
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

/** An options argument workerd reads as a struct: any object, functions included. */
function isObjectLike(value: unknown): value is object {
  return typeof value === "object" ? value !== null : typeof value === "function";
}

const lockedOf = typeof ReadableStream === "function"
  ? Object.getOwnPropertyDescriptor(ReadableStream.prototype, "locked")?.get
  : undefined;
const sharedByteLengthOf = typeof SharedArrayBuffer === "function"
  ? Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, "byteLength")?.get
  : undefined;

/** A brand check: true only for a real instance, and it runs no trap of a Proxy. */
function hasBrand(getter: ((this: unknown) => unknown) | undefined, value: object): boolean {
  if (getter === undefined) return false;
  try {
    getter.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * An object put value converted as workerd converts it: a real
 * `ArrayBuffer`, `SharedArrayBuffer`, view or `ReadableStream` is taken
 * (a detached buffer as no bytes); anything else, a Proxy of one or an
 * object that only looks like one included, is first tried as a string,
 * calling its `toString` (whose error wins), then refused.
 */
function putObjectValue(value: object): PutValue {
  if (ArrayBuffer.isView(value) || isArrayBuffer(value)) {
    // A detached buffer (or a view of one) has no bytes to copy.
    return value.byteLength === 0 ? new Uint8Array(0) : objectValue(value);
  }
  if (hasBrand(sharedByteLengthOf, value)) {
    return objectValue(new Uint8Array(value as SharedArrayBuffer));
  }
  if (hasBrand(lockedOf, value)) return objectValue(value);
  toStringArg(value);
  throw new TypeError(PUT_VALUE_TYPES);
}

/** workerd's 414 for a key (or prefix) over 512 UTF-8 bytes. */
export function checkKeyLength(op: KvOperation, key: string): void {
  // At most 3 bytes per UTF-16 unit: most keys need no count.
  if (key.length * 3 <= MAX_KEY_BYTES) return;
  const bytes = utf8Length(key);
  if (bytes > MAX_KEY_BYTES) {
    throw new KvError(
      op,
      414,
      `UTF-8 encoded length of ${bytes} exceeds key length limit of ${MAX_KEY_BYTES}.`,
    );
  }
}

/** workerd's client-side key checks, for single-key operations. */
function checkKeyName(op: KvOperation, key: string): void {
  if (key === "") throw new TypeError("Key name cannot be empty.");
  if (key === "." || key === "..") {
    throw new TypeError(`"${key}" is not allowed as a key name.`);
  }
  checkKeyLength(op, key);
}

/** Lone surrogates would alias U+FFFD on several backends, so they fail. */
function checkWellFormed(op: KvOperation, key: string): void {
  if (!isWellFormed(key)) {
    throw new KvError(op, 400, "Could not URL-decode key name");
  }
}

function checkCacheTtl(op: KvOperation, cacheTtl: number | undefined): void {
  const min = KV_LIMITS.minCacheTtl;
  if (cacheTtl !== undefined && cacheTtl < min) {
    throw new KvError(
      op,
      400,
      `Invalid cache_ttl of ${cacheTtl}. Cache TTL must be at least ${min}.`,
    );
  }
}

/** The second argument of `get` and `getWithMetadata`, converted. */
export interface ReadOptions {
  /** The read type, not yet checked (an unknown type fails only on a hit). */
  type: string;
  /** The int32 `cacheTtl`, when given. */
  cacheTtl?: number;
}

const TEXT: ReadOptions = { type: "text" };

/** Converts the second argument of `get` and `getWithMetadata`. */
export function parseReadOptions(options: unknown): ReadOptions {
  if (options === undefined || options === null) return TEXT;
  if (typeof options === "string") return options === "text" ? TEXT : { type: options };
  if (typeof options !== "object" && typeof options !== "function") {
    return { type: toStringArg(options) };
  }
  // Each field is read, then converted, in turn, as workerd reads a struct.
  const raw = options as { type?: unknown; cacheTtl?: unknown };
  const type = raw.type;
  const text = type === undefined ? "text" : toStringArg(type);
  const cacheTtl = raw.cacheTtl;
  return { type: text, cacheTtl: cacheTtl === undefined ? undefined : toInt32(cacheTtl) };
}

/** A single-key `get` or `getWithMetadata`, checked. */
export interface ReadArguments extends ReadOptions {
  /** The key. */
  key: string;
}

/** Converts and checks a single-key read's arguments, in workerd's order. */
export function parseReadArguments(key: unknown, options: unknown): ReadArguments {
  const name = toStringArg(key);
  const { type, cacheTtl } = parseReadOptions(options);
  checkKeyName("GET", name);
  checkWellFormed("GET", name);
  checkCacheTtl("GET", cacheTtl);
  return { key: name, type, cacheTtl };
}

/** A bulk read, checked up to its first invalid key. */
export interface BulkArguments {
  /** Every requested key, converted with `String()`. */
  keys: string[];
  /** Whether the values are parsed as JSON. */
  json: boolean;
  /** How many leading keys are valid: they are read before `invalid` is thrown. */
  valid: number;
  /** The error of the first invalid key, thrown after the valid ones are read. */
  invalid?: KvError;
}

/**
 * Converts and checks a bulk read's arguments as Miniflare's backend does:
 * the type, the key count, then each key in turn. Workers reads and
 * decodes the keys before the first invalid one, so a value error there
 * wins over the key error: the caller throws `invalid` after reading.
 */
export function parseBulkArguments(rawKeys: unknown[], options: unknown): BulkArguments {
  // Array.from visits holes, which convert to "undefined" like any argument.
  const keys = Array.from(rawKeys, toStringArg);
  const { type, cacheTtl } = parseReadOptions(options);
  if (type !== "" && type !== "text" && type !== "json") {
    throw new KvError("GET_BULK", 400, `"${type}" is not a valid type. Use "json" or "text"`);
  }
  if (keys.length > KV_LIMITS.maxBulkKeys) {
    throw new KvError(
      "GET_BULK",
      400,
      `You can request a maximum of ${KV_LIMITS.maxBulkKeys} keys`,
    );
  }
  if (keys.length < 1) {
    throw new KvError("GET_BULK", 400, "You must request a minimum of 1 key");
  }
  for (let i = 0; i < keys.length; i++) {
    const invalid = bulkKeyError(keys[i], cacheTtl);
    if (invalid !== undefined) return { keys, json: type === "json", valid: i, invalid };
  }
  return { keys, json: type === "json", valid: keys.length };
}

/** The per-key checks Workers' backend runs in a bulk get, in its order. */
function bulkKeyError(key: string, cacheTtl: number | undefined): KvError | undefined {
  if (key === "") return new KvError("GET_BULK", 400, "Key names must not be empty");
  if (key === "." || key === "..") {
    return new KvError(
      "GET_BULK",
      400,
      `Illegal key name "${key}". Please use a different name.`,
    );
  }
  try {
    checkKeyLength("GET_BULK", key);
    checkWellFormed("GET_BULK", key);
    checkCacheTtl("GET_BULK", cacheTtl);
  } catch (error) {
    return error as KvError;
  }
  return undefined;
}

/** A put's arguments, converted and checked as workerd does client-side. */
export interface PutArguments {
  /** The key. */
  key: string;
  /** The value: text, a private copy of the bytes, or a stream to read. */
  value: PutValue;
  /** The int32 `expiration` option, when given. */
  expiration?: number;
  /** The int32 `expirationTtl` option, when given. */
  expirationTtl?: number;
  /** Whether non-null metadata was given. */
  hasMetadata: boolean;
  /** The metadata's JSON, `undefined` when it serializes to nothing. */
  metadata?: string;
}

/**
 * Converts and checks a put's arguments in workerd's order: the argument
 * count, the key's conversion, a primitive value's conversion, the
 * options (each field read once, then converted), the key name, the
 * metadata's serialization, an object value's type (its bytes are copied
 * now: a caller may reuse its buffer once `put` returns; a refused object
 * is converted to a string first), and the key's well-formedness.
 */
export function parsePutArguments(
  count: number,
  key: unknown,
  value: unknown,
  options: unknown,
): PutArguments {
  if (count === 0) throw argumentError("put", 1, "string");
  if (count === 1) throw argumentError("put", 2, "string or JsObject");
  const name = toStringArg(key);
  // Primitives (numbers, booleans, null, undefined, bigints) become
  // strings; a symbol throws V8's TypeError. Objects, functions included,
  // are checked after the key and the metadata.
  const primitive = isObjectLike(value) ? undefined : textValue(toStringArg(value));
  let expiration: number | undefined;
  let expirationTtl: number | undefined;
  let metadata: unknown;
  if (options !== undefined && options !== null) {
    if (!isObjectLike(options)) throw argumentError("put", 3, "PutOptions");
    // Each field is read once, then converted, in turn.
    const raw = options as { expiration?: unknown; expirationTtl?: unknown; metadata?: unknown };
    const rawExpiration = raw.expiration;
    if (rawExpiration !== undefined) expiration = toInt32(rawExpiration);
    const rawTtl = raw.expirationTtl;
    if (rawTtl !== undefined) expirationTtl = toInt32(rawTtl);
    metadata = raw.metadata;
  }
  checkKeyName("PUT", name);
  const hasMetadata = metadata !== undefined && metadata !== null;
  const json = hasMetadata ? serializeMetadata(metadata) : undefined;
  const converted = primitive ?? putObjectValue(value as object);
  checkWellFormed("PUT", name);
  return { key: name, value: converted, expiration, expirationTtl, hasMetadata, metadata: json };
}

/**
 * Builds the record a put stores, with the checks Workers' backend makes,
 * in its order: the expiration, the metadata, then the value's size. A
 * stream value is left to read; its record gets the bytes afterwards.
 */
export function buildRecord(args: PutArguments, now: () => number): KvRecord {
  const expiration = putExpiration(args.expiration, args.expirationTtl, now);
  const record: KvRecord = { value: "" };
  if (expiration !== undefined) record.expiration = expiration;
  if (args.hasMetadata) {
    // A function or symbol serializes to nothing, which the Workers
    // backend fails to parse.
    if (args.metadata === undefined) throw new KvError("PUT", 500, "Internal Server Error");
    const length = utf8Length(args.metadata);
    if (length > KV_LIMITS.maxMetadataBytes) {
      throw new KvError(
        "PUT",
        413,
        `Metadata length of ${length} exceeds limit of ${KV_LIMITS.maxMetadataBytes}.`,
      );
    }
    record.metadata = args.metadata;
  }
  if (typeof args.value === "string" || args.value instanceof Uint8Array) {
    checkValueSize(args.value);
    record.value = args.value;
  }
  return record;
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

/** Converts and checks a delete's arguments. */
export function parseDeleteArguments(count: number, key: unknown): string {
  if (count === 0) throw argumentError("delete", 1, "string");
  const name = toStringArg(key);
  checkKeyName("DELETE", name);
  checkWellFormed("DELETE", name);
  return name;
}

/** A list's options, converted and checked. */
export interface ListArguments {
  /** The prefix, `""` for every key. */
  prefix: string;
  /** Keys per page, 1 to 1000. */
  limit: number;
  /** The cursor, `""` for the first page. */
  cursor: string;
}

/** Converts and checks a list's options, in workerd's order. */
export function parseListArguments(options: unknown): ListArguments {
  if (options !== undefined && options !== null && !isObjectLike(options)) {
    throw argumentError("list", 1, "ListOptions");
  }
  // Each field is read, then converted, in turn, as workerd reads a struct.
  const raw = (options ?? {}) as { limit?: unknown; prefix?: unknown; cursor?: unknown };
  const rawLimit = raw.limit;
  const requested = rawLimit === undefined ? 0 : toInt32(rawLimit);
  const rawPrefix = raw.prefix;
  // A lone surrogate cannot occur in a stored key; Workers turns one in a
  // prefix into U+FFFD, and so does kvkit.
  const prefix = rawPrefix === undefined || rawPrefix === null
    ? ""
    : toStringArg(rawPrefix).toWellFormed();
  const rawCursor = raw.cursor;
  const cursor = rawCursor === undefined || rawCursor === null ? "" : toStringArg(rawCursor);
  const max = KV_LIMITS.maxListLimit;
  if (requested > max) {
    throw new KvError(
      "GET",
      400,
      `Invalid key_count_limit of ${requested}. Please specify an integer less than ${max}.`,
    );
  }
  checkKeyLength("GET", prefix);
  // workerd sends a limit only when it is positive.
  return { prefix, limit: requested > 0 ? requested : max, cursor };
}

/** workerd's TypeError for a read called with no key. */
export function noKeyError(method: "get" | "getWithMetadata"): TypeError {
  return argumentError(method, 1, method === "get" ? "string or Array" : "Array or string");
}

/**
 * Runs every check a call makes before it reaches storage, in Workers'
 * order, and throws the first failure: for callers that cannot make the
 * call itself (Miniflare's proxy cannot carry some arguments) but must
 * fail as Workers would.
 */
export function checkCall(
  method: "get" | "getWithMetadata" | "put" | "delete" | "list",
  args: readonly unknown[],
  now: () => number,
): void {
  switch (method) {
    case "get":
    case "getWithMetadata":
      if (args.length === 0) throw noKeyError(method);
      if (Array.isArray(args[0])) {
        const { invalid } = parseBulkArguments(args[0], args[1]);
        if (invalid !== undefined) throw invalid;
      } else parseReadArguments(args[0], args[1]);
      return;
    case "put":
      buildRecord(parsePutArguments(args.length, args[0], args[1], args[2]), now);
      return;
    case "delete":
      parseDeleteArguments(args.length, args[0]);
      return;
    case "list":
      parseListArguments(args[0]);
  }
}
