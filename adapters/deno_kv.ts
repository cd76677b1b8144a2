/**
 * Workers KV on Deno KV: per-key metadata, exact expiry, string-prefix
 * listing with cursors, and values up to 25 MiB, on native `Deno.openKv`
 * (memory, file or a KV Connect URL) and on npm `@deno/kv` under Node and
 * Bun.
 *
 * ```ts
 * import { openDenoKv } from "@kvkit/kvkit/deno-kv";
 *
 * await using kv = await openDenoKv(":memory:");
 * await kv.put("user:1", JSON.stringify({ name: "Ada" }), { metadata: { v: 1 } });
 * const user = await kv.get<{ name: string }>("user:1", "json");
 * const { keys } = await kv.list({ prefix: "user:" });
 * console.log(user?.name, keys); // Ada [ { name: "user:1", metadata: { v: 1 } } ]
 * ```
 *
 * ## Storage layout
 *
 * Everything lives under the first key part, the `namespace` (default
 * `"kvkit"`), and every stored value is a `Uint8Array` in kvkit's own
 * envelope, never a V8-serialized value, so a database written by Deno
 * reads on Node with `@deno/kv` and back:
 *
 * | key | value |
 * |---|---|
 * | `[ns, "r", key]` | the record: flags, expiration, metadata JSON, then a small value (up to 1 KiB), or nothing (a medium value), or a pointer (generation id, length, chunk count) to a large value's chunks |
 * | `[ns, "v", key]` | a medium value (up to Deno's 64 KiB value limit), with the record's header |
 * | `[ns, "o", key]` | what the key owns beyond its record (the value entry, generations of chunks), present only while it owns something |
 * | `[ns, "c", gen, i]` | chunk `i` (64 KiB) of a large value's generation `gen` |
 *
 * A small value is written with one commit of two keys (it checks that
 * the owned entry is absent) and read with one `get`. A medium value is
 * written with one commit of its record and value entry, and read with one
 * `get` once the handle has seen the key (two before). A large value, up
 * to Workers' 25 MiB, is written as chunks under a fresh generation id, in
 * batched commits within Deno's 800 KiB limit, then published by one
 * atomic check-and-set of its record and owned entry; old generations are
 * deleted afterwards. A reader never sees mixed bytes. A crash can leave
 * only chunks that the key's owned entry still names;
 * {@linkcode DenoKvNamespace.sweep} removes them.
 *
 * ## Expiry
 *
 * Expiry is decided on every read with the injected clock. `expireIn` is
 * still set on records, value entries and chunks so that Deno reclaims
 * storage, one hour ({@linkcode RECLAIM_SLACK_MS}) after the expiration as
 * computed with that clock, so Deno never deletes a record the engine
 * still serves, even with a clock that lags or a skewed remote server. A
 * fake clock that stands still for more than an hour of real time past an
 * expiration can therefore see Deno reclaim the record.
 *
 * ## Listing and cursors
 *
 * `list` scans a `start`/`end` range of the records with a code-point
 * successor (never Deno's tuple `prefix`). It reads records only: at most
 * a small value and 1 KiB of metadata per key, never a medium or large
 * value, so a page costs the same over 100 KB values as over tiny ones.
 * The cursor is kvkit's own, bound to the namespace and prefix.
 *
 * ## Several processes
 *
 * SQLite's `database is locked`, which commits with checks raise when
 * several processes write one file, is retried with jittered backoff for up
 * to 30 seconds.
 *
 * @module
 */

import { buildEngine } from "../engine.ts";
import { isWellFormed, utf8Length } from "../keys.ts";
import type { KvNamespaceHandle } from "../types.ts";
import {
  DEFAULT_SWEEP_GRACE_MS as GRACE,
  type DenoKvLike,
  type DenoKvSweepOptions,
  type DenoKvSweepResult,
  openDenoKvHandle,
  RECLAIM_SLACK_MS as SLACK,
} from "./_deno_kv_handle.ts";
import { createDenoKvDriver } from "./_deno_kv_driver.ts";

export type {
  DenoKvAtomicLike,
  DenoKvEntryMaybe,
  DenoKvKey,
  DenoKvKeyPart,
  DenoKvLike,
  DenoKvListSelector,
  DenoKvSweepOptions,
  DenoKvSweepResult,
} from "./_deno_kv_handle.ts";
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
 * How long after a record's expiration (by the adapter's clock) Deno KV
 * is told to reclaim it: one hour.
 *
 * @example
 * ```ts
 * import { RECLAIM_SLACK_MS } from "@kvkit/kvkit/deno-kv";
 *
 * if (RECLAIM_SLACK_MS !== 3_600_000) throw new Error("one hour");
 * ```
 */
export const RECLAIM_SLACK_MS: number = SLACK;

/**
 * The default `graceMs` of {@linkcode DenoKvNamespace.sweep}: ten minutes.
 *
 * @example
 * ```ts
 * import { DEFAULT_SWEEP_GRACE_MS } from "@kvkit/kvkit/deno-kv";
 *
 * if (DEFAULT_SWEEP_GRACE_MS !== 600_000) throw new Error("ten minutes");
 * ```
 */
export const DEFAULT_SWEEP_GRACE_MS: number = GRACE;

/** Options for {@linkcode createDenoKv} and {@linkcode openDenoKv}. */
export interface DenoKvOptions {
  /**
   * The first key part of every entry, and what cursors are bound to.
   * Namespaces in one database are isolated from each other. Defaults to
   * `"kvkit"`.
   */
  namespace?: string;
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * A Workers KV namespace on Deno KV, with a maintenance call for chunks
 * that crashes left behind.
 */
export interface DenoKvNamespace extends KvNamespaceHandle {
  /**
   * Removes the chunks of large values that no record will ever point to:
   * those of writes that crashed before publishing, of overwrites or
   * deletes that crashed before cleaning up, and of records that Deno's
   * expiry removed. Safe to run while other processes write.
   *
   * @param options How old an unpublished generation must be to count as
   * abandoned.
   * @returns What was removed.
   *
   * @example Sweep after a crash
   * ```ts
   * import { openDenoKv } from "@kvkit/kvkit/deno-kv";
   *
   * await using kv = await openDenoKv(":memory:");
   * const { chunks } = await kv.sweep({ graceMs: 0 });
   * if (chunks !== 0) throw new Error("a fresh database has no orphans");
   * ```
   */
  sweep(options?: DenoKvSweepOptions): Promise<DenoKvSweepResult>;
}

/**
 * The most bytes a namespace may take in Deno's key encoding (its UTF-8
 * bytes, each NUL counted twice): what is left of Deno's 2048-byte key
 * limit beside the longest key part kvkit writes or reads, a 512-byte key
 * made only of NULs (1026 bytes) or a cursor position just past it. A
 * longer namespace is refused when the namespace is made.
 *
 * @example
 * ```ts
 * import { createDenoKv, MAX_NAMESPACE_BYTES } from "@kvkit/kvkit/deno-kv";
 *
 * using db = await Deno.openKv(":memory:");
 * try {
 *   createDenoKv(db, { namespace: "n".repeat(MAX_NAMESPACE_BYTES + 1) });
 *   throw new Error("should be refused");
 * } catch (error) {
 *   if (!(error instanceof RangeError)) throw error;
 * }
 * ```
 */
export const MAX_NAMESPACE_BYTES = 998;

function checkOptions(options: DenoKvOptions): Required<DenoKvOptions> {
  const { namespace = "kvkit", now = Date.now } = options;
  if (typeof namespace !== "string") {
    throw new TypeError(`namespace must be a string, got ${typeof namespace}`);
  }
  if (!isWellFormed(namespace)) {
    throw new TypeError("namespace must not hold a lone surrogate (Deno KV would store U+FFFD)");
  }
  const bytes = utf8Length(namespace) + namespace.split("\u0000").length - 1;
  if (bytes > MAX_NAMESPACE_BYTES) {
    throw new RangeError(
      `namespace must take at most ${MAX_NAMESPACE_BYTES} bytes in a Deno KV key (UTF-8, NUL counting twice), got ${bytes}`,
    );
  }
  if (typeof now !== "function") {
    throw new TypeError(`now must be a function, got ${typeof now}`);
  }
  return { namespace, now };
}

function build(
  kv: DenoKvLike,
  { namespace, now }: Required<DenoKvOptions>,
  close: (() => void) | undefined,
): DenoKvNamespace {
  const engine = buildEngine((context) => {
    const driver = createDenoKvDriver(kv, { namespace, now: context.now });
    if (close !== undefined) driver.close = () => close();
    return driver;
  }, { now, namespace });
  const driver = engine.driver as ReturnType<typeof createDenoKvDriver>;
  Object.defineProperty(engine.kv, "sweep", {
    value: engine.lifecycle.guard(
      "DELETE",
      (options?: DenoKvSweepOptions) => driver.sweep(options),
    ),
  });
  return engine.kv as DenoKvNamespace;
}

/**
 * Builds a Workers KV namespace on a Deno KV handle you opened. Closing
 * the namespace does not close the handle, which stays yours.
 *
 * @param kv A `Deno.Kv` from `Deno.openKv()` (memory, file or KV Connect
 * URL) or a `Kv` from npm `@deno/kv`. With `@deno/kv`, open a path or
 * `":memory:"` (SQLite); its JavaScript in-memory mode (no path) skips
 * Deno KV's limits.
 * @param options The namespace and the clock.
 * @returns A namespace that behaves like a Workers KV binding.
 *
 * @example Two isolated namespaces in one database
 * ```ts
 * import { createDenoKv } from "@kvkit/kvkit/deno-kv";
 *
 * using db = await Deno.openKv(":memory:");
 * const users = createDenoKv(db, { namespace: "users" });
 * const cache = createDenoKv(db, { namespace: "cache" });
 * await users.put("ada", "Ada Lovelace");
 * if (await cache.get("ada") !== null) throw new Error("namespaces leak");
 * if (await users.get("ada") !== "Ada Lovelace") throw new Error("lost");
 * ```
 */
export function createDenoKv(
  kv: DenoKvLike,
  options: DenoKvOptions = {},
): DenoKvNamespace {
  return build(kv, checkOptions(options), undefined);
}

/**
 * Opens a Deno KV database and builds a Workers KV namespace on it. Under
 * Deno it calls `Deno.openKv` (run with `--unstable-kv`); under Node and
 * Bun it loads npm `@deno/kv` on demand and opens its SQLite backend.
 * Dispose the result (`await using`) or call `close()` to close the
 * database.
 *
 * @param path `":memory:"` (the default), a file path, or a KV Connect URL
 * (`https://…`), which goes straight to the handle; remote access then
 * needs `DENO_KV_ACCESS_TOKEN` in the environment.
 * @param options The namespace and the clock.
 * @returns A namespace that must be disposed.
 *
 * @example A file database
 * ```ts
 * import { openDenoKv } from "@kvkit/kvkit/deno-kv";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using kv = await openDenoKv(`${dir}/kv.sqlite3`);
 *   await kv.put("greeting", "hello", { expirationTtl: 3600 });
 * }
 * await using again = await openDenoKv(`${dir}/kv.sqlite3`);
 * if (await again.get("greeting") !== "hello") throw new Error("not persisted");
 * await Deno.remove(dir, { recursive: true }).catch(() => {});
 * ```
 */
export async function openDenoKv(
  path: string = ":memory:",
  options: DenoKvOptions = {},
): Promise<DenoKvNamespace> {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `path must be ":memory:", a file path or a URL, got ${JSON.stringify(path)}`,
    );
  }
  const checked = checkOptions(options);
  const kv = await openDenoKvHandle(path);
  return build(kv, checked, () => kv.close());
}
