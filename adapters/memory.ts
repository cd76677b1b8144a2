/**
 * An in-memory Workers KV namespace with no dependencies. It runs in Deno,
 * Node, Bun, browsers and Workers, sets no timers, and is the quickest way
 * to test code written against a KV binding.
 *
 * Point operations are O(1); a list page costs O(log n + page), because
 * keys are also kept in a skip list in UTF-8 byte order.
 *
 * @example
 * ```ts
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const kv = createMemoryKv();
 * await kv.put("user:1", JSON.stringify({ name: "Ada" }), { metadata: { v: 1 } });
 * const user = await kv.get<{ name: string }>("user:1", "json");
 * const { keys } = await kv.list({ prefix: "user:" });
 * console.log(user?.name, keys); // Ada [ { name: "user:1", metadata: { v: 1 } } ]
 * ```
 *
 * @module
 */

import { createEngineKv } from "../engine.ts";
import { isExpired } from "../expiry.ts";
import type { KvDriver, KvKeyInfo, KvRecord } from "../kv_driver.ts";
import type { KvNamespaceHandle } from "../types.ts";
import { SortedKeys } from "./_sorted_keys.ts";

/** Options for {@linkcode createMemoryKv}. */
export interface MemoryKvOptions {
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

// Every answer is synchronous, so the engine settles one promise per call.
function createMemoryDriver(): KvDriver {
  const records = new Map<string, KvRecord>();
  const order = new SortedKeys();
  return {
    get: (key) => records.get(key),
    getMany: (keys) => keys.map((key) => records.get(key)),
    put(key, record) {
      // The engine hands over values no caller can reach, so no copy here.
      if (!records.has(key)) order.insert(key);
      records.set(key, record);
    },
    delete(key) {
      if (records.delete(key)) order.remove(key);
    },
    list(prefix, after, limit) {
      const infos: KvKeyInfo[] = [];
      for (const name of order.range(prefix, after, limit)) {
        const { metadata, expiration } = records.get(name)!;
        const info: KvKeyInfo = { name };
        if (metadata !== undefined) info.metadata = metadata;
        if (expiration !== undefined) info.expiration = expiration;
        infos.push(info);
      }
      return infos;
    },
    deleteExpired(keys, nowMs) {
      for (const key of keys) {
        const record = records.get(key);
        if (record !== undefined && isExpired(record.expiration, nowMs)) {
          records.delete(key);
          order.remove(key);
        }
      }
    },
    close() {
      records.clear();
      order.clear();
    },
  };
}

/**
 * Creates an empty in-memory namespace. Stored bytes are copied, so callers
 * cannot change a value after `put` or through a value `get` returned.
 * Disposing it frees the data.
 *
 * @param options The clock, for expiry tests without sleeping.
 * @returns A namespace that behaves like a Workers KV binding.
 *
 * @example Expiry with a fake clock
 * ```ts
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 * import { createFakeClock } from "@kvkit/kvkit/conformance";
 *
 * const clock = createFakeClock(1_700_000_000_000);
 * await using kv = createMemoryKv({ now: clock.now });
 * await kv.put("session", "abc", { expirationTtl: 60 });
 * clock.advance(60_000);
 * if (await kv.get("session") !== null) throw new Error("should have expired");
 * ```
 */
export function createMemoryKv(
  options: MemoryKvOptions = {},
): KvNamespaceHandle {
  return createEngineKv(createMemoryDriver(), { now: options.now });
}
