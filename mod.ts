/**
 * kvkit: one key-value interface for every JavaScript runtime, the
 * Cloudflare Workers KV binding API.
 *
 * This entry point holds the types, {@linkcode KvError}, the engine that
 * turns a small driver into a full namespace, and key helpers. It loads no
 * adapter and touches no runtime global; each adapter lives under its own
 * subpath (`@kvkit/kvkit/memory`, `@kvkit/kvkit/deno-kv`, ...).
 *
 * @example
 * ```ts
 * import { KvError, type KvNamespace } from "@kvkit/kvkit";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const kv: KvNamespace = createMemoryKv();
 * await kv.put("a", "1");
 * const page = await kv.list({ prefix: "a" });
 * console.log(page.keys); // [ { name: "a" } ]
 * await kv.put("b", "2", { expirationTtl: 10 }).catch((e) => {
 *   console.log(e instanceof KvError, e.message);
 *   // true KV PUT failed: 400 Invalid expiration_ttl of 10. Expiration TTL must be at least 60.
 * });
 * ```
 *
 * @module
 */

export * from "./types.ts";
export * from "./errors.ts";
export * from "./keys.ts";
export * from "./engine.ts";
