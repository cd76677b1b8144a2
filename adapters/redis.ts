/**
 * Workers KV on Redis: per-key metadata, exact expiry on an injectable
 * clock, string-prefix listing in UTF-8 order with cursors, and values up
 * to 25 MiB, over a node-redis (`redis`) or ioredis client you pass in, or
 * one opened from a URL.
 *
 * ```ts ignore
 * import { openRedisKv } from "@kvkit/kvkit/redis";
 *
 * await using kv = await openRedisKv("redis://127.0.0.1:6379", { namespace: "app" });
 * await kv.put("user:1", JSON.stringify({ name: "Ada" }), { metadata: { v: 1 } });
 * const user = await kv.get<{ name: string }>("user:1", "json");
 * const { keys } = await kv.list({ prefix: "user:" });
 * console.log(user?.name, keys); // Ada [ { name: "user:1", metadata: { v: 1 } } ]
 * ```
 *
 * ## Storage layout
 *
 * Every Redis key of a namespace starts with `kvkit:{<ns>}:`, where `<ns>`
 * is the namespace (default `"kvkit"`) with `%` and `}` percent-encoded.
 * The braces are a hash tag, so the whole namespace lives in one hash slot
 * and works on Redis Cluster, scripts included (tested with both cluster
 * clients).
 *
 * | Redis key | type | holds |
 * |---|---|---|
 * | `kvkit:{ns}:k` | sorted set, every score 0 | one member per key, in UTF-8 byte order: the key's name, with U+0000 and U+0001 escaped (as U+0001 U+0001 and U+0001 U+0002), then, when the key has an expiration or metadata, U+0000, the expiration in seconds, U+0000 and the metadata JSON |
 * | `kvkit:{ns}:x` | sorted set | the members of keys with an expiration, scored by it: the reclamation queue |
 * | `kvkit:{ns}:r:<key>` | hash | the record: `v` the value bytes, `m` the metadata JSON, `e` the expiration (each absent when none); with an expiration, a Redis time to live |
 *
 * A key without an expiration or metadata (and without U+0000 or U+0001)
 * is its own member. The escape keeps order, so Redis, which compares
 * members bytewise, lists keys in Workers' order. Every write is one Lua
 * script (`EVALSHA`), so a key is never listed without its record nor a
 * record left without its member, whatever crashes; `get` is one `HMGET`,
 * a bulk `get` one script, and a list page one `ZRANGEBYLEX` that never
 * reads a value.
 *
 * ## Expiry and reclamation
 *
 * The engine decides expiry on every read with the injected clock. Redis
 * is told to reclaim a record's hash one hour ({@linkcode RECLAIM_SLACK_MS})
 * after its expiration as computed with that clock, as a relative time to
 * live, so Redis never deletes a record the engine still serves, however
 * far apart the client's, the server's and the injected clocks are. (A
 * fake clock that stands still for over an hour of real time past an
 * expiration can see the record reclaimed.) Redis does not know about the
 * members: a dead key's member stays in the index and the queue, carrying
 * its expiration, so every list still filters it, until a write reclaims
 * it (each put and delete removes up to {@linkcode RECLAIM_PER_WRITE} keys
 * that are expired by the writer's clock, oldest first) or a read meets it
 * and the engine deletes it. No timers.
 *
 * The invariant: a key has at most one member; its record exists only
 * with it, and says the same; its member is in the queue, with the
 * expiration as score, exactly when it has an expiration. Only Redis's
 * own expiry breaks the first half, for keys expired an hour before.
 *
 * ## Clients
 *
 * {@linkcode createRedisKv} takes a connected node-redis client (v5+,
 * `createClient()` or `createCluster()`) or an ioredis `Redis` or
 * `Cluster`, on RESP2 or RESP3, and never closes it. Values go both ways
 * as bytes (node-redis with a Buffer type mapping per command, ioredis
 * with `callBuffer`), so binary values, text and every key Workers allows
 * round-trip exactly, whichever client wrote them. {@linkcode openRedisKv}
 * opens a client from a URL (node-redis unless told otherwise), importing
 * the package only then, and closes it on dispose.
 *
 * ## Failures
 *
 * Every failure reaches the caller as `KvError` 500 with the client's
 * error as `cause`, and a failed put or delete leaves the key as it was or
 * (when the connection dropped after Redis ran it) as written, never in
 * between. A call in flight when the connection drops fails and is never
 * sent again, so no write runs twice. node-redis works so by default and
 * queues later calls until it has reconnected. ioredis by default resends
 * the calls in flight after reconnecting, so a write can land again after
 * later ones, and with `autoResendUnfulfilledCommands: false` alone it
 * leaves them unanswered: create it with `maxRetriesPerRequest: 0`, as
 * `openRedisKv` does; it then also fails calls made while it reconnects.
 * Give a node-redis client an `"error"` listener (an EventEmitter without
 * one throws).
 *
 * Out of memory (`maxmemory`), Redis refuses every put, with nothing
 * written; deletes still run. Use `maxmemory-policy noeviction` (the
 * default): an eviction policy would drop records the engine still
 * serves. Values up to 25 MiB need `proto-max-bulk-len` above that (the
 * default is 512 MB); past it, Redis refuses the put and drops the
 * connection, and the client reconnects.
 *
 * Durability is the server's: an acknowledged write survives a crash with
 * `appendonly yes` and `appendfsync always` (tested by killing the server
 * in the middle of writes), with `everysec` all but the last second, with
 * snapshots only those up to the last one. Each script is logged whole,
 * so a crash never leaves half a write.
 *
 * @module
 */

import {
  commanderFor,
  openRedisClient,
  type RedisClientKind,
  type RedisClientLike,
} from "./_redis_client.ts";
import {
  buildRedisKv,
  checkOptions,
  RECLAIM_PER_WRITE as PER_WRITE,
  RECLAIM_SLACK_MS as SLACK,
} from "./_redis_driver.ts";
import type { KvNamespaceHandle } from "../types.ts";

export type {
  IoRedisLike,
  NodeRedisClientLike,
  NodeRedisClusterLike,
  RedisClientKind,
  RedisClientLike,
} from "./_redis_client.ts";
// The namespace types, so that this entry point documents on its own.
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
} from "../types.ts";

/**
 * How long after a record's expiration (by the adapter's clock) Redis is
 * told to reclaim it: one hour.
 *
 * @example
 * ```ts
 * import { RECLAIM_SLACK_MS } from "@kvkit/kvkit/redis";
 *
 * if (RECLAIM_SLACK_MS !== 3_600_000) throw new Error("one hour");
 * ```
 */
export const RECLAIM_SLACK_MS: number = SLACK;

/**
 * How many expired keys each put or delete reclaims at most: eight.
 *
 * @example
 * ```ts
 * import { RECLAIM_PER_WRITE } from "@kvkit/kvkit/redis";
 *
 * if (RECLAIM_PER_WRITE !== 8) throw new Error("eight");
 * ```
 */
export const RECLAIM_PER_WRITE: number = PER_WRITE;

/** Options for {@linkcode createRedisKv}. */
export interface RedisKvOptions {
  /**
   * The namespace: the hash tag of every Redis key it uses, and what
   * cursors are bound to. Namespaces on one server are isolated from each
   * other. A non-empty string without lone surrogates; defaults to
   * `"kvkit"`.
   */
  namespace?: string;
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

/** Options for {@linkcode openRedisKv}. */
export interface OpenRedisKvOptions extends RedisKvOptions {
  /**
   * The client package to open the URL with, imported on demand:
   * `"node-redis"` (npm `redis`, the default) or `"ioredis"`.
   */
  client?: RedisClientKind;
}

/**
 * Builds a Workers KV namespace on a Redis client you connected. Closing
 * the namespace does not close the client, which stays yours.
 *
 * @param client A connected node-redis client or cluster (npm `redis` v5+
 * or `@redis/client`), or an ioredis `Redis` or `Cluster`. See the module
 * docs for the ioredis options that keep a dropped write from running
 * twice; give a node-redis client an `"error"` listener.
 * @param options The namespace and the clock.
 * @returns A namespace that behaves like a Workers KV binding.
 *
 * @example Two isolated namespaces on one client
 * ```ts ignore
 * import { createClient } from "redis";
 * import { createRedisKv } from "@kvkit/kvkit/redis";
 *
 * const client = await createClient({ url: "redis://127.0.0.1:6379" })
 *   .on("error", () => {})
 *   .connect();
 * const users = createRedisKv(client, { namespace: "users" });
 * const cache = createRedisKv(client, { namespace: "cache" });
 * await users.put("ada", "Ada Lovelace");
 * if (await cache.get("ada") !== null) throw new Error("namespaces leak");
 * await client.close();
 * ```
 */
export function createRedisKv(
  client: RedisClientLike,
  options: RedisKvOptions = {},
): KvNamespaceHandle {
  const checked = checkOptions(options);
  return buildRedisKv(commanderFor(client), checked, undefined).kv;
}

/**
 * Connects to Redis and builds a Workers KV namespace on the connection.
 * Dispose the result (`await using`) or call `close()` to close the
 * connection, after the commands in flight.
 *
 * @param url `redis://[[user]:password@]host[:port][/db]`, or `rediss://`
 * for TLS.
 * @param options The namespace, the clock and the client package.
 * @returns A namespace that must be disposed.
 *
 * @example Expiry on a fake clock, with ioredis
 * ```ts ignore
 * import { openRedisKv } from "@kvkit/kvkit/redis";
 * import { createFakeClock } from "@kvkit/kvkit/conformance";
 *
 * const clock = createFakeClock();
 * await using kv = await openRedisKv("redis://127.0.0.1:6379", {
 *   client: "ioredis",
 *   now: clock.now,
 * });
 * await kv.put("session", "abc", { expirationTtl: 60 });
 * clock.advance(60_000);
 * if (await kv.get("session") !== null) throw new Error("should have expired");
 * ```
 */
export async function openRedisKv(
  url: string,
  options: OpenRedisKvOptions = {},
): Promise<KvNamespaceHandle> {
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) {
    throw new TypeError(`url must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`);
  }
  const { client = "node-redis", ...rest } = options;
  const checked = checkOptions(rest);
  const opened = await openRedisClient(url, client);
  return buildRedisKv(commanderFor(opened.client), checked, opened.close).kv;
}
