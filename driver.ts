/**
 * The driver kit: everything a storage backend author needs to put Workers
 * KV semantics on a new store, and nothing else.
 *
 * Write a {@linkcode KvDriver} (store records, list keys in UTF-8 byte
 * order) and pass it to {@linkcode createEngineKv}; the engine supplies
 * every Workers KV rule: validation with Workers' error texts, value
 * encoding, expiry on the clock you inject, metadata, bound cursors and
 * pagination, bulk reads. Then prove the result with
 * `@kvkit/kvkit/conformance`.
 *
 * - The contract: {@linkcode KvDriver}, {@linkcode KvRecord},
 *   {@linkcode KvKeyInfo}, {@linkcode DriverContext}.
 * - Expiry: {@linkcode isExpired}, the one rule.
 * - Order for backends that compare strings: {@linkcode compareKeys},
 *   {@linkcode codePointSortKey}, {@linkcode prefixEnd}.
 * - Order for backends that compare bytes: {@linkcode encodeKey},
 *   {@linkcode decodeKey}, {@linkcode compareBytes},
 *   {@linkcode prefixEndBytes}.
 * - Sizes and well-formedness: {@linkcode utf8Length},
 *   {@linkcode isWellFormed}, {@linkcode valueBytes}.
 *
 * @example A driver over a `Map`, checked against one conformance case
 * ```ts
 * import { compareKeys, createEngineKv, type KvRecord } from "@kvkit/kvkit/driver";
 * import { cases } from "@kvkit/kvkit/conformance";
 *
 * const records = new Map<string, KvRecord>();
 * const kv = createEngineKv({
 *   get: (key) => records.get(key),
 *   put: (key, record) => void records.set(key, record),
 *   delete: (key) => void records.delete(key),
 *   list: (prefix, after, limit) =>
 *     [...records.keys()]
 *       .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
 *       .sort(compareKeys)
 *       .slice(0, limit)
 *       .map((name) => ({ name, metadata: records.get(name)!.metadata })),
 * });
 * await cases.find((c) => c.id === "ordering.utf8")!.run({ kv });
 * ```
 *
 * @module
 */

export type {
  Awaitable,
  DriverContext,
  KvDriver,
  KvDriverSource,
  KvKeyInfo,
  KvRecord,
} from "./kv_driver.ts";
export { valueBytes } from "./kv_driver.ts";
export { createEngineKv, type EngineOptions } from "./engine.ts";
export { isExpired } from "./expiry.ts";
export {
  codePointSortKey,
  compareBytes,
  compareKeys,
  decodeKey,
  encodeKey,
  isWellFormed,
  prefixEnd,
  prefixEndBytes,
  utf8Length,
} from "./keys.ts";
