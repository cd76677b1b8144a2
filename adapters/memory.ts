/**
 * An in-memory Workers KV namespace with no dependencies. It runs in Deno,
 * Node, Bun, browsers and Workers, sets no timers, and is the quickest way
 * to test code written against a KV binding.
 *
 * Point operations are O(1) (an insert of a new key O(log n) plus a short
 * splice); a list page costs O(log n + page), because keys are also kept
 * in sorted chunks in UTF-8 byte order. Expired records are reclaimed
 * without timers: every write also removes a few records whose expiration
 * has passed, so memory follows live data even when nothing reads the
 * expired keys.
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
import type { KvNamespaceHandle } from "../types.ts";
import { createMemoryDriver } from "./_memory_driver.ts";

/** Options for {@linkcode createMemoryKv}. */
export interface MemoryKvOptions {
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
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
  return createEngineKv(createMemoryDriver, { now: options.now });
}
