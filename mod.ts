/**
 * kvkit: one key-value interface for every JavaScript runtime, the
 * Cloudflare Workers KV binding API.
 *
 * This entry point holds what code written against a namespace uses: the
 * {@linkcode KvNamespace} types, {@linkcode KvError} and
 * {@linkcode KV_LIMITS}. It loads no adapter and touches no runtime global.
 * Each adapter lives under its own subpath (`@kvkit/kvkit/memory`,
 * `@kvkit/kvkit/deno-kv`, ...), the conformance suite under
 * `@kvkit/kvkit/conformance`, and the kit for writing a storage driver
 * under `@kvkit/kvkit/driver`.
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

export type {
  KvGetOptions,
  KvGetWithMetadataResult,
  KvListKey,
  KvListOptions,
  KvListResult,
  KvNamespace,
  KvNamespaceHandle,
  KvPutOptions,
  KvPutValue,
  KvValueType,
} from "./types.ts";
export { KvError, type KvOperation } from "./errors.ts";
export { KV_LIMITS, type KvLimits } from "./limits.ts";
