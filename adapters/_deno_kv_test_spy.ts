// A recording wrapper around a real Deno.Kv for the Deno KV adapter's
// tests: it logs what the adapter asks of the handle and can inject
// failures before a commit. Every call still goes to the real database.

import type {
  DenoKvAtomicLike,
  DenoKvEntryMaybe,
  DenoKvKey,
  DenoKvLike,
  DenoKvListSelector,
} from "./deno_kv.ts";

/** One commit as the adapter built it. */
export interface CommitPlan {
  checks: { key: DenoKvKey; versionstamp: string | null }[];
  sets: { key: DenoKvKey; value: unknown; expireIn?: number }[];
  deletes: DenoKvKey[];
}

export interface SpyLog {
  /** Selectors of every list call. */
  lists: DenoKvListSelector[];
  /** Bytes of values that list calls returned. */
  listedBytes: number;
  /** Size of every getMany call. */
  getManySizes: number[];
  /** Most getMany calls in flight at once. */
  getManyPeak: number;
  /** Every commit attempted. */
  commits: CommitPlan[];
}

export interface SpyHooks {
  /** Runs before a commit reaches the database; throw to fail it. */
  beforeCommit?(plan: CommitPlan): void | Promise<void>;
  /** Runs after a getMany read, before its result is returned. */
  afterGetMany?(keys: DenoKvKey[]): void | Promise<void>;
  /** Runs before a get; throw to fail it. */
  beforeGet?(key: DenoKvKey): void | Promise<void>;
}

function size(value: unknown): number {
  return value instanceof Uint8Array ? value.byteLength : 0;
}

/** Wraps `db`; `log` records the calls and `hooks` can interfere. */
export function spyKv(
  db: Deno.Kv,
  hooks: SpyHooks = {},
): { kv: DenoKvLike; log: SpyLog } {
  const log: SpyLog = {
    lists: [],
    listedBytes: 0,
    getManySizes: [],
    getManyPeak: 0,
    commits: [],
  };
  let inFlight = 0;
  const kv: DenoKvLike = {
    async get(key) {
      await hooks.beforeGet?.(key);
      return await db.get(key as Deno.KvKey);
    },
    async getMany(keys) {
      log.getManySizes.push(keys.length);
      inFlight++;
      log.getManyPeak = Math.max(log.getManyPeak, inFlight);
      try {
        const entries = await db.getMany(
          keys as Deno.KvKey[],
        ) as DenoKvEntryMaybe[];
        await hooks.afterGetMany?.(keys);
        return entries;
      } finally {
        inFlight--;
      }
    },
    async *list(selector, options) {
      log.lists.push(selector);
      for await (
        const entry of db.list(selector as Deno.KvListSelector, options)
      ) {
        log.listedBytes += size(entry.value);
        yield entry;
      }
    },
    atomic() {
      const plan: CommitPlan = { checks: [], sets: [], deletes: [] };
      const op: DenoKvAtomicLike = {
        check(...checks) {
          plan.checks.push(...checks);
          return this;
        },
        set(key, value, options) {
          plan.sets.push({ key, value, expireIn: options?.expireIn });
          return this;
        },
        delete(key) {
          plan.deletes.push(key);
          return this;
        },
        async commit() {
          log.commits.push(plan);
          await hooks.beforeCommit?.(plan);
          const real = db.atomic();
          for (const check of plan.checks) {
            real.check(check as Deno.AtomicCheck);
          }
          for (const { key, value, expireIn } of plan.sets) {
            real.set(
              key as Deno.KvKey,
              value,
              expireIn === undefined ? undefined : { expireIn },
            );
          }
          for (const key of plan.deletes) real.delete(key as Deno.KvKey);
          return await real.commit();
        },
      };
      return op;
    },
  };
  return { kv, log };
}

/** Every raw entry under a namespace, values included. */
export async function rawEntries(
  db: Deno.Kv,
  namespace: string,
): Promise<Deno.KvEntry<unknown>[]> {
  const entries: Deno.KvEntry<unknown>[] = [];
  for await (const entry of db.list({ prefix: [namespace] })) {
    entries.push(entry);
  }
  return entries;
}

/** Counts raw entries under [namespace, kind]. */
export async function countKind(
  db: Deno.Kv,
  namespace: string,
  kind: string,
): Promise<number> {
  let count = 0;
  for await (const _ of db.list({ prefix: [namespace, kind] })) count++;
  return count;
}
