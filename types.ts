/**
 * The Workers KV binding interface, overload for overload: the namespace
 * every kvkit adapter returns, and its options and results. (The driver
 * contract behind engine adapters is in `@kvkit/kvkit/driver`.)
 *
 * The shapes follow `KVNamespace` from `@cloudflare/workers-types` so that a
 * real binding is assignable to {@linkcode KvNamespace}, and every kvkit
 * adapter is assignable to `KVNamespace`.
 *
 * @module
 */

/** The value types a single-key `get` can decode to. */
export type KvValueType = "text" | "json" | "arrayBuffer" | "stream";

/**
 * Options for `get` and `getWithMetadata`: the decode type and a cache TTL.
 *
 * `cacheTtl` is validated like Workers KV (at least 30 seconds) and then
 * ignored, since kvkit adapters are strongly consistent.
 */
export interface KvGetOptions<Type> {
  /** How the value is decoded. Defaults to `"text"`. */
  type: Type;
  /** Edge cache TTL in seconds; validated, then ignored. */
  cacheTtl?: number;
}

/** Options for `put`. */
export interface KvPutOptions {
  /** Absolute expiry in seconds since the epoch, at least now + 60. */
  expiration?: number;
  /** Expiry in seconds from now, at least 60. Wins over `expiration`. */
  expirationTtl?: number;
  /**
   * Any JSON-serializable value, at most 1024 bytes once serialized.
   * `null` and `undefined` mean no metadata.
   */
  // deno-lint-ignore no-explicit-any
  metadata?: any | null;
}

/** Options for `list`. */
export interface KvListOptions {
  /** Only keys starting with this string. `null` and `""` mean all keys. */
  prefix?: string | null;
  /** Keys per page, 1 to 1000; the default and any value `<= 0` mean 1000. */
  limit?: number;
  /** The `cursor` of the previous page, to continue after it. */
  cursor?: string | null;
}

/** One key in a `list` page. */
export interface KvListKey<Metadata = unknown, Key extends string = string> {
  /** The key. */
  name: Key;
  /** Absolute expiry in seconds since the epoch, when the key has one. */
  expiration?: number;
  /** The key's metadata, when non-null metadata was stored. */
  metadata?: Metadata;
}

/**
 * A `list` page. An incomplete page carries a `cursor`; a complete page has
 * no `cursor` property at all.
 */
export type KvListResult<Metadata = unknown, Key extends string = string> =
  | {
    list_complete: false;
    keys: KvListKey<Metadata, Key>[];
    cursor: string;
    cacheStatus: string | null;
  }
  | {
    list_complete: true;
    keys: KvListKey<Metadata, Key>[];
    cacheStatus: string | null;
  };

/**
 * The result of `getWithMetadata`.
 *
 * In a bulk `getWithMetadata` Map, a missing key maps to `null` at runtime
 * and present items carry no `cacheStatus`, exactly as Workers KV does. The
 * item type keeps the `@cloudflare/workers-types` shape so that the two
 * interfaces stay assignable to each other.
 */
export interface KvGetWithMetadataResult<Value, Metadata> {
  /** The decoded value, or `null` when the key is missing or expired. */
  value: Value | null;
  /** The stored metadata, or `null` when there is none. */
  metadata: Metadata | null;
  /** Always `null` outside Cloudflare's edge cache. */
  cacheStatus: string | null;
}

/** A value `put` accepts. */
export type KvPutValue =
  | string
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream;

/**
 * The Workers KV binding API. Every kvkit adapter returns one, and a real
 * Cloudflare `KVNamespace` binding is one.
 *
 * @example Use any adapter through the one interface
 * ```ts
 * import type { KvNamespace } from "@kvkit/kvkit";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * async function visit(kv: KvNamespace): Promise<number> {
 *   const count = Number(await kv.get("visits") ?? "0") + 1;
 *   await kv.put("visits", String(count));
 *   return count;
 * }
 *
 * const kv = createMemoryKv();
 * await visit(kv);
 * if (await visit(kv) !== 2) throw new Error("expected 2 visits");
 * ```
 */
export interface KvNamespace<Key extends string = string> {
  /** Reads a value as text, or `null` when the key is missing or expired. */
  get(
    key: Key,
    options?: Partial<KvGetOptions<undefined>>,
  ): Promise<string | null>;
  /** Reads a value as text, or `null` when the key is missing or expired. */
  get(key: Key, type: "text"): Promise<string | null>;
  /** Reads a value parsed as JSON, or `null` when the key is missing or expired. */
  get<ExpectedValue = unknown>(
    key: Key,
    type: "json",
  ): Promise<ExpectedValue | null>;
  /** Reads a value as an ArrayBuffer, or `null` when the key is missing or expired. */
  get(key: Key, type: "arrayBuffer"): Promise<ArrayBuffer | null>;
  /** Reads a value as a byte stream, or `null` when the key is missing or expired. */
  get(key: Key, type: "stream"): Promise<ReadableStream | null>;
  /** Reads a value as text, or `null` when the key is missing or expired. */
  get(key: Key, options?: KvGetOptions<"text">): Promise<string | null>;
  /** Reads a value parsed as JSON, or `null` when the key is missing or expired. */
  get<ExpectedValue = unknown>(
    key: Key,
    options?: KvGetOptions<"json">,
  ): Promise<ExpectedValue | null>;
  /** Reads a value as an ArrayBuffer, or `null` when the key is missing or expired. */
  get(
    key: Key,
    options?: KvGetOptions<"arrayBuffer">,
  ): Promise<ArrayBuffer | null>;
  /** Reads a value as a byte stream, or `null` when the key is missing or expired. */
  get(
    key: Key,
    options?: KvGetOptions<"stream">,
  ): Promise<ReadableStream | null>;
  /** Reads 1 to 100 keys at once, as text; a missing key maps to `null`. */
  get(key: Array<Key>, type: "text"): Promise<Map<string, string | null>>;
  /** Reads 1 to 100 keys at once, parsed as JSON; a missing key maps to `null`. */
  get<ExpectedValue = unknown>(
    key: Array<Key>,
    type: "json",
  ): Promise<Map<string, ExpectedValue | null>>;
  /** Reads 1 to 100 keys at once, as text; a missing key maps to `null`. */
  get(
    key: Array<Key>,
    options?: Partial<KvGetOptions<undefined>>,
  ): Promise<Map<string, string | null>>;
  /** Reads 1 to 100 keys at once, as text; a missing key maps to `null`. */
  get(
    key: Array<Key>,
    options?: KvGetOptions<"text">,
  ): Promise<Map<string, string | null>>;
  /** Reads 1 to 100 keys at once, parsed as JSON; a missing key maps to `null`. */
  get<ExpectedValue = unknown>(
    key: Array<Key>,
    options?: KvGetOptions<"json">,
  ): Promise<Map<string, ExpectedValue | null>>;

  /** Lists keys with their expiration and metadata, in UTF-8 order, a page at a time. */
  list<Metadata = unknown>(
    options?: KvListOptions,
  ): Promise<KvListResult<Metadata, Key>>;

  /** Stores a value, replacing any previous value, metadata and expiration. */
  put(key: Key, value: KvPutValue, options?: KvPutOptions): Promise<void>;

  /** Reads a value as text with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    options?: Partial<KvGetOptions<undefined>>,
  ): Promise<KvGetWithMetadataResult<string, Metadata>>;
  /** Reads a value as text with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    type: "text",
  ): Promise<KvGetWithMetadataResult<string, Metadata>>;
  /** Reads a value parsed as JSON with its metadata; all `null` when missing. */
  getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(
    key: Key,
    type: "json",
  ): Promise<KvGetWithMetadataResult<ExpectedValue, Metadata>>;
  /** Reads a value as an ArrayBuffer with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    type: "arrayBuffer",
  ): Promise<KvGetWithMetadataResult<ArrayBuffer, Metadata>>;
  /** Reads a value as a byte stream with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    type: "stream",
  ): Promise<KvGetWithMetadataResult<ReadableStream, Metadata>>;
  /** Reads a value as text with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    options: KvGetOptions<"text">,
  ): Promise<KvGetWithMetadataResult<string, Metadata>>;
  /** Reads a value parsed as JSON with its metadata; all `null` when missing. */
  getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(
    key: Key,
    options: KvGetOptions<"json">,
  ): Promise<KvGetWithMetadataResult<ExpectedValue, Metadata>>;
  /** Reads a value as an ArrayBuffer with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    options: KvGetOptions<"arrayBuffer">,
  ): Promise<KvGetWithMetadataResult<ArrayBuffer, Metadata>>;
  /** Reads a value as a byte stream with its metadata; all `null` when missing. */
  getWithMetadata<Metadata = unknown>(
    key: Key,
    options: KvGetOptions<"stream">,
  ): Promise<KvGetWithMetadataResult<ReadableStream, Metadata>>;
  /** Reads 1 to 100 keys with their metadata, as text; a missing key maps to `null`. */
  getWithMetadata<Metadata = unknown>(
    key: Array<Key>,
    type: "text",
  ): Promise<Map<string, KvGetWithMetadataResult<string, Metadata>>>;
  /** Reads 1 to 100 keys with their metadata, parsed as JSON; a missing key maps to `null`. */
  getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(
    key: Array<Key>,
    type: "json",
  ): Promise<Map<string, KvGetWithMetadataResult<ExpectedValue, Metadata>>>;
  /** Reads 1 to 100 keys with their metadata, as text; a missing key maps to `null`. */
  getWithMetadata<Metadata = unknown>(
    key: Array<Key>,
    options?: Partial<KvGetOptions<undefined>>,
  ): Promise<Map<string, KvGetWithMetadataResult<string, Metadata>>>;
  /** Reads 1 to 100 keys with their metadata, as text; a missing key maps to `null`. */
  getWithMetadata<Metadata = unknown>(
    key: Array<Key>,
    options?: KvGetOptions<"text">,
  ): Promise<Map<string, KvGetWithMetadataResult<string, Metadata>>>;
  /** Reads 1 to 100 keys with their metadata, parsed as JSON; a missing key maps to `null`. */
  getWithMetadata<ExpectedValue = unknown, Metadata = unknown>(
    key: Array<Key>,
    options?: KvGetOptions<"json">,
  ): Promise<Map<string, KvGetWithMetadataResult<ExpectedValue, Metadata>>>;

  /** Removes a key; removing a missing key succeeds. */
  delete(key: Key): Promise<void>;
}

/**
 * A {@linkcode KvNamespace} that holds a resource and must be disposed,
 * with `await using` or by calling `close()`.
 */
export interface KvNamespaceHandle<Key extends string = string>
  extends KvNamespace<Key>, AsyncDisposable {
  /** Releases the resource. Calls after `close()` fail. */
  close(): Promise<void>;
}
