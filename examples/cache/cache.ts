/**
 * A cache in front of a slow function, in a Workers KV namespace: the
 * first call stores the result with `expirationTtl`, later calls read it,
 * and once it expires the next call computes it again. Results are JSON
 * values or bytes (`Uint8Array`), stored as they are and told apart by the
 * key's metadata.
 *
 * There is no locking: callers that miss at the same moment all compute,
 * and the last write wins, as with any cache on Workers KV.
 *
 * @example
 * ```ts
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 * import { cached } from "./cache.ts";
 *
 * await using kv = createMemoryKv();
 * let calls = 0;
 * const price = () => cached(kv, "price:btc", 60, () => Promise.resolve(++calls));
 * console.log(await price(), await price(), calls); // 1 1 1
 * ```
 *
 * @module
 */

import type { KvNamespace } from "../../mod.ts";

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What a cached function may return: JSON, or bytes. */
export type Cacheable = Json | Uint8Array;

/** The metadata of a cached entry: how its bytes are decoded. */
interface Entry {
  type: "json" | "bytes";
}

const decoder = new TextDecoder();

/**
 * Returns the cached result under `key`, or computes it with `compute`,
 * stores it for `ttl` seconds and returns it. When `compute` throws,
 * nothing is stored and the error propagates, so the next call tries again.
 *
 * @param kv The namespace.
 * @param key The cache key.
 * @param ttl How long a result is kept, in seconds, at least 60.
 * @param compute The slow function.
 * @returns The result: a fresh `Uint8Array` for bytes, else the JSON value.
 */
export async function cached<T extends Cacheable>(
  kv: KvNamespace,
  key: string,
  ttl: number,
  compute: () => Promise<T>,
): Promise<T> {
  const hit = await kv.getWithMetadata<Entry>(key, "arrayBuffer");
  if (hit.value !== null && hit.metadata !== null) {
    const bytes = new Uint8Array(hit.value);
    return (hit.metadata.type === "bytes" ? bytes : JSON.parse(decoder.decode(bytes))) as T;
  }
  const result = await compute();
  if (result instanceof Uint8Array) {
    const metadata: Entry = { type: "bytes" };
    await kv.put(key, result, { expirationTtl: ttl, metadata });
  } else {
    const text = JSON.stringify(result);
    if (text === undefined) throw new TypeError(`${key}: the result is not JSON`);
    const metadata: Entry = { type: "json" };
    await kv.put(key, text, { expirationTtl: ttl, metadata });
  }
  return result;
}

/**
 * Drops a cached result, so the next call computes it again.
 *
 * @param kv The namespace.
 * @param key The cache key.
 * @returns When the entry is gone.
 */
export async function invalidate(kv: KvNamespace, key: string): Promise<void> {
  await kv.delete(key);
}
