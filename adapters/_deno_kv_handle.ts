// What the facade (deno_kv.ts) and every part of the driver share, so that
// none of them imports another to get it: the Deno KV handle types (the
// facade re-exports them), Deno's limits and kvkit's own constants, the
// key layout, and the one function that opens a handle on whichever
// runtime this is. Private; the layout is documented in deno_kv.ts.

import { utf8Length } from "../keys.ts";

/** A Deno KV key part that kvkit writes or reads. */
export type DenoKvKeyPart = Uint8Array | string | number | bigint | boolean;

/** A Deno KV key. */
export type DenoKvKey = readonly DenoKvKeyPart[];

/** An entry as `get`, `getMany` and `list` return it. */
export interface DenoKvEntryMaybe {
  /** The key (Deno also allows symbol parts, which kvkit never writes). */
  readonly key: readonly unknown[];
  /** The stored value, `null` when there is none. */
  readonly value: unknown;
  /** The entry's version, `null` when there is no entry. */
  readonly versionstamp: string | null;
}

/** A `list` selector: a prefix with an optional start, or a range. */
export type DenoKvListSelector =
  | { prefix: DenoKvKey; start?: DenoKvKey }
  | { start: DenoKvKey; end: DenoKvKey };

/** The atomic operation members kvkit uses. */
export interface DenoKvAtomicLike {
  /** Fails the commit unless each key has the given versionstamp. */
  check(...checks: { key: DenoKvKey; versionstamp: string | null }[]): this;
  /** Sets a key, optionally with a time to live. */
  set(key: DenoKvKey, value: unknown, options?: { expireIn?: number }): this;
  /** Deletes a key. */
  delete(key: DenoKvKey): this;
  /**
   * Commits; `ok` is false when a check failed, and the `versionstamp` of
   * a successful commit is that of every key it wrote.
   */
  commit(): Promise<{ ok: boolean; versionstamp?: string }>;
}

/**
 * The members of a `Deno.Kv` handle that kvkit calls. Native `Deno.Kv`
 * (`Deno.openKv()`, including KV Connect URLs) and npm `@deno/kv`'s `Kv`
 * both fit.
 */
export interface DenoKvLike {
  /** Reads one key. */
  get(key: DenoKvKey): Promise<DenoKvEntryMaybe>;
  /** Reads up to 10 keys in one snapshot. */
  getMany(keys: DenoKvKey[]): Promise<DenoKvEntryMaybe[]>;
  /** Iterates a key range. */
  list(
    selector: DenoKvListSelector,
    options?: { limit?: number; batchSize?: number },
  ): AsyncIterable<DenoKvEntryMaybe>;
  /** Starts an atomic operation. */
  atomic(): DenoKvAtomicLike;
}

/** Options for {@linkcode DenoKvNamespace.sweep}. */
export interface DenoKvSweepOptions {
  /**
   * A generation that was registered but never published counts as
   * abandoned (its writer crashed) once it is this old, in milliseconds.
   * Younger ones may still be being written, so they are kept. Defaults to
   * 10 minutes; pass 0 when no writer can be running.
   */
  graceMs?: number;
}

/** What {@linkcode DenoKvNamespace.sweep} removed. */
export interface DenoKvSweepResult {
  /** Keys that had abandoned, dead or stale generations. */
  keys: number;
  /** Generations removed. */
  generations: number;
  /**
   * Chunk keys deleted. Deletes are blind, so chunks that a crashed write
   * never got to write count too.
   */
  chunks: number;
}

/** Largest Deno KV value: 64 KiB of raw bytes. */
export const MAX_DENO_VALUE = 65_536;
/** Deno's limit on the total size of one atomic commit (keys and values). */
export const MAX_COMMIT_BYTES = 819_200;
/** Deno's limit on the total size of the keys in one commit. */
export const MAX_COMMIT_KEY_BYTES = 81_920;
/** Deno's limit on mutations per commit. */
export const MAX_COMMIT_MUTATIONS = 1000;
/** @deno/kv's limit on checks per commit (Deno's is 100). */
export const MAX_CHECKS = 10;
/** Deno's limit on keys per getMany. */
export const MAX_GET_MANY = 10;

/**
 * Largest value kept inside its record, which `list` reads. As large as
 * the largest metadata, so a listed record is at most about 2 KiB.
 */
export const SMALL_VALUE_BYTES = 1024;
/** Bytes per chunk of a large value. */
export const CHUNK_BYTES = 65_536;
/**
 * Added to every `expireIn`, so that Deno reclaims a record only well after
 * the engine, with its own clock, considers it expired. It covers an
 * injected clock that lags the real one and clock skew against a remote
 * KV Connect server.
 */
export const RECLAIM_SLACK_MS = 60 * 60 * 1000;
/** Default age after which an unpublished generation counts as abandoned. */
export const DEFAULT_SWEEP_GRACE_MS = 10 * 60 * 1000;
/** Retries of `database is locked` stop after this long. */
export const LOCK_RETRY_MS = 30_000;
/** Reads of a value retried while concurrent overwrites move it. */
export const MAX_READ_ATTEMPTS = 50;
/** Medium-value keys whose owned entry one driver remembers. */
export const MAX_REMEMBERED = 4096;

/** The keys of one namespace; the table in deno_kv.ts says what each holds. */
export interface DenoKvKeys {
  /** `[ns, "r", key]`: the key's record. */
  record(key: string): DenoKvKey;
  /** `[ns, "v", key]`: the key's medium value entry. */
  value(key: string): DenoKvKey;
  /** `[ns, "o", key]`: what the key owns beyond its record. */
  owned(key: string): DenoKvKey;
  /** `[ns, "c", gen, i]`: chunk `i` of generation `gen`. */
  chunk(gen: string, i: number): DenoKvKey;
  /** `[ns, "r"]`, the prefix of every record. */
  readonly records: DenoKvKey;
  /** `[ns, "o"]`, the prefix of every owned entry. */
  readonly owners: DenoKvKey;
  /** `[ns, "c", gen]`, the prefix of a generation's chunks. */
  chunks(gen: string): DenoKvKey;
  /** An upper bound on the encoded size of one chunk key, in bytes. */
  readonly chunkKeyBytes: number;
}

/** The key builders of namespace `ns`. */
export function keysFor(ns: string): DenoKvKeys {
  return {
    record: (key) => [ns, "r", key],
    value: (key) => [ns, "v", key],
    owned: (key) => [ns, "o", key],
    chunk: (gen, i) => [ns, "c", gen, i],
    records: [ns, "r"],
    owners: [ns, "o"],
    chunks: (gen) => [ns, "c", gen],
    // Tuple encoding: a type byte, the UTF-8 bytes with each NUL doubled, a
    // terminator. Counting every namespace byte twice bounds the NULs.
    chunkKeyBytes: 2 * utf8Length(ns) + 64,
  };
}

/** `Deno`, as far as this module uses it; absent outside Deno. */
declare const Deno:
  | {
    openKv?: (path?: string) => Promise<DenoKvLike & { close(): void }>;
    version?: { deno?: string };
  }
  | undefined;

function rejectV8(): never {
  throw new TypeError(
    "kvkit stores only Uint8Array values; this is not a kvkit entry",
  );
}

/**
 * Opens a Deno KV database: `Deno.openKv` under Deno (which needs
 * `--unstable-kv`), npm `@deno/kv`'s SQLite backend under Node and Bun.
 */
export async function openDenoKvHandle(path: string): Promise<DenoKvLike & { close(): void }> {
  if (typeof Deno !== "undefined" && typeof Deno.version?.deno === "string") {
    if (typeof Deno.openKv !== "function") {
      throw new TypeError("Deno.openKv is not available: run Deno with --unstable-kv");
    }
    return await Deno.openKv(path);
  }
  const { openKv } = await import("@deno/kv");
  // kvkit never stores V8-serialized values; Bun needs codecs regardless.
  return await openKv(path, { encodeV8: rejectV8, decodeV8: rejectV8 }) as unknown as
    & DenoKvLike
    & { close(): void };
}
