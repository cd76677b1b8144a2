// The state that the parts of one Deno KV driver share: the handle, the
// key builders, the engine's clock, what the driver remembers about medium
// values, and the backend calls, each retried while the database is
// locked. A plain object, built once per driver by createDriverState and
// passed to the parts (_deno_kv_chunks.ts, _deno_kv_sweep.ts). Private.

import {
  type DenoKvAtomicLike,
  type DenoKvEntryMaybe,
  type DenoKvKey,
  type DenoKvKeys,
  type DenoKvLike,
  type DenoKvListSelector,
  keysFor,
  MAX_GET_MANY,
  MAX_REMEMBERED,
} from "./_deno_kv_handle.ts";
import { encodeOwned, isEmpty, type Owned } from "./_deno_kv_envelope.ts";
import { retryLocked } from "./_deno_kv_retry.ts";

/** Options of a Deno KV driver. */
export interface DenoKvDriverOptions {
  /** The first key part of every entry. */
  namespace: string;
  /** The engine's clock, epoch ms; used to turn expirations into expireIn. */
  now: () => number;
}

/** What a commit resolves to. */
export type CommitResult = { ok: boolean; versionstamp?: string };

/** The state one driver's parts share. */
export interface DriverState {
  /** The Deno KV handle. */
  readonly kv: DenoKvLike;
  /** The keys of the driver's namespace. */
  readonly keys: DenoKvKeys;
  /** The engine's clock, epoch ms. */
  readonly now: () => number;
  /**
   * Keys this driver last saw holding a medium value, and, if it wrote
   * them, the versionstamp of their owned entry as it was then
   * (`{v: true}`, no live generation). `get` reads their value entry
   * first, and a medium overwrite commits against that versionstamp
   * directly. A stale guess costs only a failed check, so any write that
   * may make it stale just forgets the key.
   */
  readonly remembered: Map<string, string | undefined>;
  /** Remembers a medium value's key, within MAX_REMEMBERED keys. */
  remember(key: string, versionstamp: string | undefined): void;
  /** Builds and commits an atomic operation; `then` as in retryLocked. */
  commit<R = CommitResult>(
    build: () => DenoKvAtomicLike,
    then?: (result: CommitResult) => R | PromiseLike<R>,
  ): Promise<R>;
  /** Reads one key. */
  get(key: DenoKvKey): Promise<DenoKvEntryMaybe>;
  /** Reads any number of keys, in concurrent groups of MAX_GET_MANY. */
  getMany(keys: DenoKvKey[]): Promise<DenoKvEntryMaybe[]>;
  /** Reads a whole key range. */
  listAll(
    selector: DenoKvListSelector,
    limit: number | undefined,
    batchSize: number,
  ): Promise<DenoKvEntryMaybe[]>;
}

/** Builds the state of one driver on `kv`. */
export function createDriverState(
  kv: DenoKvLike,
  { namespace, now }: DenoKvDriverOptions,
): DriverState {
  const remembered = new Map<string, string | undefined>();
  return {
    kv,
    keys: keysFor(namespace),
    now,
    remembered,
    remember(key, versionstamp) {
      if (remembered.size >= MAX_REMEMBERED) remembered.clear();
      remembered.set(key, versionstamp);
    },
    commit: (build, then) => retryLocked(() => build().commit(), then),
    get: (key) => retryLocked(() => kv.get(key)),
    async getMany(keys) {
      if (keys.length <= MAX_GET_MANY) {
        return await retryLocked(() => kv.getMany(keys));
      }
      const groups: Promise<DenoKvEntryMaybe[]>[] = [];
      for (let i = 0; i < keys.length; i += MAX_GET_MANY) {
        const group = keys.slice(i, i + MAX_GET_MANY);
        groups.push(retryLocked(() => kv.getMany(group)));
      }
      return (await Promise.all(groups)).flat();
    },
    listAll: (selector, limit, batchSize) =>
      retryLocked(async () => {
        const entries: DenoKvEntryMaybe[] = [];
        for await (const entry of kv.list(selector, { limit, batchSize })) {
          entries.push(entry);
        }
        return entries;
      }),
  };
}

/**
 * Deno's `expireIn` for a real-clock reclamation deadline (epoch ms), at
 * the moment of the write.
 */
export function expireOptions(
  deadline: number | undefined,
): { expireIn: number } | undefined {
  return deadline === undefined
    ? undefined
    : { expireIn: Math.max(0, Math.ceil(deadline - Date.now())) };
}

/** Sets a key's owned entry in `op`, or deletes it once it owns nothing. */
export function writeOwned(
  op: DenoKvAtomicLike,
  key: DenoKvKey,
  owned: Owned,
): DenoKvAtomicLike {
  return isEmpty(owned) ? op.delete(key) : op.set(key, encodeOwned(owned));
}
