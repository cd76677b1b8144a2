// The Deno KV driver behind adapters/deno_kv.ts, composed of its parts:
// the envelope codec (_deno_kv_envelope.ts), the shared state and backend
// calls (_deno_kv_state.ts), reads (_deno_kv_read.ts), large values
// (_deno_kv_chunks.ts) and the sweep (_deno_kv_sweep.ts). Private: the
// public API, its types and the storage layout table live in deno_kv.ts.
//
// A write of a small value (or a delete) is one commit that checks that
// the owned entry is absent and sets the record: it touches two keys. Any
// other write checks the owned entry's versionstamp and rewrites it as
// needed in the same commit. So the owned entry always names every entry a
// key has beyond its record, and a crash can only leave chunks it names.
// A medium value entry is current whenever it exists, since every other
// write deletes it.

import { prefixEnd } from "../keys.ts";
import { isExpired } from "../expiry.ts";
import { type KvDriver, type KvKeyInfo, type KvRecord, valueBytes } from "../kv_driver.ts";
import {
  type DenoKvAtomicLike,
  type DenoKvKey,
  type DenoKvLike,
  type DenoKvSweepOptions,
  type DenoKvSweepResult,
  MAX_CHECKS,
  MAX_COMMIT_BYTES,
  MAX_COMMIT_KEY_BYTES,
  MAX_COMMIT_MUTATIONS,
  MAX_DENO_VALUE,
  RECLAIM_SLACK_MS,
  SMALL_VALUE_BYTES,
} from "./_deno_kv_handle.ts";
import {
  decodeEnvelope,
  decodeListed,
  decodeOwned,
  encodeEnvelope,
  encodeOwned,
  headerLength,
  leadingBoms,
  restoreBoms,
  retire,
} from "./_deno_kv_envelope.ts";
import {
  createDriverState,
  type DenoKvDriverOptions,
  type DriverState,
  expireOptions,
  writeOwned,
} from "./_deno_kv_state.ts";
import { retryLocked } from "./_deno_kv_retry.ts";
import { cleanup, putLarge } from "./_deno_kv_chunks.ts";
import { readRecord, readRemembered, resolve } from "./_deno_kv_read.ts";
import { sweep } from "./_deno_kv_sweep.ts";

/**
 * Entries per round trip of a listing, at most. Deno KV's own default is
 * 100, its maximum 1000. Deno reads a whole batch even when the limit
 * needs fewer entries, so a page's batches are sized to end at its limit:
 * the engine asks for one entry past a page of 1000, and 1001 entries in
 * batches of 200 read 1200, in six batches of 167 only 1002 (the list row
 * of bench/deno_kv.ts went from 1.34–1.40× raw to 1.11–1.22×).
 */
const LIST_BATCH = 200;

/** The batch size that reads `limit` entries in the fewest full batches. */
function batchFor(limit: number): number {
  return Math.ceil(limit / Math.ceil(limit / LIST_BATCH));
}

export type { DenoKvDriverOptions } from "./_deno_kv_state.ts";

/** The driver plus the maintenance call the public adapter exposes. */
export interface DenoKvDriver extends KvDriver {
  /** Removes orphan chunks; see DenoKvNamespace.sweep in deno_kv.ts. */
  sweep(options?: DenoKvSweepOptions): Promise<DenoKvSweepResult>;
  /**
   * Puts many records, already validated, as `put` would one by one, but
   * with many keys per atomic commit: what a bulk import wants. Each key is
   * still written atomically; the batch as a whole is not.
   * `maxChecks` is the backend's limit of checks per commit (10 on npm
   * `@deno/kv`, 100 on Deno's own).
   */
  putMany(
    records: readonly { key: string; record: KvRecord }[],
    maxChecks?: number,
  ): Promise<void>;
}

/**
 * Where a record goes: a small value inline in its record entry; a medium
 * one in a value entry beside a header-only record; a large one in chunks.
 */
type Placement =
  | { size: "small"; inline: Uint8Array; deadline: number | undefined }
  | { size: "medium"; header: Uint8Array; whole: Uint8Array; deadline: number | undefined }
  | { size: "large"; value: Uint8Array; metadata: Uint8Array | undefined; deadline?: number };

/** Room left under Deno's commit limits for what a batch's estimate misses. */
const COMMIT_MARGIN = 4096;

const encoder = new TextEncoder();

/** Builds the Deno KV driver of one namespace on `kv`. */
export function createDenoKvDriver(
  kv: DenoKvLike,
  options: DenoKvDriverOptions,
): DenoKvDriver {
  const state = createDriverState(kv, options);
  const { keys, remembered, commit, getMany } = state;

  /** Real-clock deadline for Deno's reclamation of a record, epoch ms. */
  function reclaimDeadline(expiration: number | undefined) {
    if (expiration === undefined) return undefined;
    return Date.now() + Math.max(0, expiration * 1000 - state.now()) +
      RECLAIM_SLACK_MS;
  }

  /** Encodes a record for where it goes (see Placement). */
  function place(key: string, record: KvRecord): Placement {
    const metadata = record.metadata === undefined ? undefined : encoder.encode(record.metadata);
    const expiration = record.expiration;
    const deadline = reclaimDeadline(expiration);
    const value = valueBytes(record.value);
    const boms = leadingBoms(key);
    if (value.byteLength <= SMALL_VALUE_BYTES) {
      return {
        size: "small",
        inline: encodeEnvelope(metadata, expiration, value, undefined, boms),
        deadline,
      };
    }
    if (headerLength(metadata, expiration, boms) + value.byteLength <= MAX_DENO_VALUE) {
      return {
        size: "medium",
        header: encodeEnvelope(metadata, expiration, undefined, undefined, boms),
        whole: encodeEnvelope(metadata, expiration, value, undefined, boms),
        deadline,
      };
    }
    return { size: "large", value, metadata, deadline };
  }

  const driver: DenoKvDriver = {
    get(key) {
      if (remembered.has(key)) return readRemembered(state, key);
      // The hot path: one read and one promise step on top of it.
      return retryLocked(
        () => kv.get(keys.record(key)),
        (entry) => readRecord(state, key, entry),
      );
    },

    async getMany(names) {
      const entries = await getMany(names.map(keys.record));
      return await Promise.all(names.map((key, i) => resolve(state, key, entries[i])));
    },

    put(key, record) {
      const placed = place(key, record);
      if (placed.size === "small") {
        const { inline, deadline } = placed;
        return writeSmall(
          state,
          key,
          (op) => op.set(keys.record(key), inline, expireOptions(deadline)),
        );
      }
      if (placed.size === "medium") {
        return putMedium(state, key, placed.header, placed.whole, placed.deadline);
      }
      return putLarge(
        state,
        key,
        placed.value,
        record.expiration,
        placed.metadata,
        placed.deadline,
      );
    },

    async putMany(records, maxChecks = MAX_CHECKS) {
      // Small and medium records of keys that own nothing yet (no medium
      // or large value) go many to a commit, each under the check that
      // writeSmall makes; a commit that fails on a check, and every large
      // value, goes through put, which handles what the key owns.
      const one = (write: { key: string; record: KvRecord }) => driver.put(write.key, write.record);
      let group: { key: string; record: KvRecord; placed: Placement }[] = [];
      const inGroup = new Set<string>();
      let sets = 0, bytes = 0, keyBytes = 0;
      const flush = async () => {
        const batch = group;
        group = [];
        inGroup.clear();
        sets = bytes = keyBytes = 0;
        if (batch.length === 0) return;
        for (const { key } of batch) state.remembered.delete(key);
        const { ok } = await commit(() => {
          const op = kv.atomic();
          for (const { key, placed } of batch) {
            op.check({ key: keys.owned(key), versionstamp: null });
            if (placed.size === "small") {
              op.set(keys.record(key), placed.inline, expireOptions(placed.deadline));
            } else if (placed.size === "medium") {
              const options = expireOptions(placed.deadline);
              op.set(keys.record(key), placed.header, options)
                .set(keys.value(key), placed.whole, options);
              writeOwned(op, keys.owned(key), { v: true, gens: [] });
            }
          }
          return op;
        });
        if (!ok) { for (const write of batch) await one(write); }
      };
      for (const { key, record } of records) {
        const placed = place(key, record);
        if (placed.size === "large") {
          await flush();
          await one({ key, record });
          continue;
        }
        const entries = placed.size === "small" ? [placed.inline] : [placed.header, placed.whole];
        const perKey = keys.chunkKeyBytes + 2 * encoder.encode(key).byteLength;
        const size = entries.reduce((sum, entry) => sum + entry.byteLength + perKey, perKey);
        const mutations = entries.length + (placed.size === "medium" ? 1 : 0);
        if (
          inGroup.has(key) || group.length >= maxChecks ||
          sets + mutations > MAX_COMMIT_MUTATIONS ||
          bytes + size > MAX_COMMIT_BYTES - COMMIT_MARGIN ||
          keyBytes + perKey * (mutations + 1) > MAX_COMMIT_KEY_BYTES - COMMIT_MARGIN
        ) await flush();
        group.push({ key, record, placed });
        inGroup.add(key);
        sets += mutations;
        bytes += size;
        keyBytes += perKey * (mutations + 1);
      }
      await flush();
    },

    delete(key) {
      return writeSmall(state, key, (op) => op.delete(keys.record(key)));
    },

    async list(prefix, after, limit) {
      // A string range, never Deno's tuple `prefix`, so that "ab" matches
      // "abc". The engine keeps `after` inside the prefix, so the range
      // from just past it is never empty by construction.
      const start: DenoKvKey = keys.record(after === undefined ? prefix : `${after}\u0000`);
      const endKey = prefixEnd(prefix);
      const selector = endKey === undefined
        ? { prefix: keys.records, start }
        : { start, end: keys.record(endKey) };
      const entries = await state.listAll(selector, limit, batchFor(limit));
      const infos: KvKeyInfo[] = [];
      for (const entry of entries) {
        const { metadata, expiration, boms } = decodeListed(entry.value);
        const name = restoreBoms(entry.key[2] as string, boms);
        infos.push(
          metadata === undefined && expiration === undefined
            ? { name }
            : { name, metadata, expiration },
        );
      }
      return infos;
    },

    async deleteExpired(names, nowMs) {
      const entries = await getMany(names.map(keys.record));
      const small: { key: string; versionstamp: string }[] = [];
      const owning: string[] = [];
      for (let i = 0; i < names.length; i++) {
        const entry = entries[i];
        if (entry.versionstamp === null) continue;
        const envelope = decodeEnvelope(entry.value);
        if (!isExpired(envelope.expiration, nowMs)) continue;
        if (envelope.value !== undefined) {
          small.push({ key: names[i], versionstamp: entry.versionstamp });
        } else {
          owning.push(names[i]);
        }
      }
      // The versionstamp check lets a concurrent fresh write survive.
      const deleteSmall = async (batch: typeof small) => {
        const { ok } = await commit(() => {
          const op = kv.atomic();
          for (const { key, versionstamp } of batch) {
            op.check({ key: keys.record(key), versionstamp }).delete(keys.record(key));
          }
          return op;
        });
        if (!ok && batch.length > 1) {
          await Promise.all(batch.map((one) => deleteSmall([one])));
        }
      };
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < small.length; i += MAX_CHECKS) {
        work.push(deleteSmall(small.slice(i, i + MAX_CHECKS)));
      }
      for (const key of owning) work.push(deleteExpiredOwning(state, key, nowMs));
      await Promise.all(work);
    },

    sweep: (sweepOptions) => sweep(state, sweepOptions),
  };
  return driver;
}

/**
 * Replaces the key's record by a small one, or deletes it. One commit
 * touching two keys when the key owns nothing else; otherwise the owned
 * entry is checked and rewritten in the same commit, the value entry
 * deleted, and dead chunks removed afterwards.
 */
function writeSmall(
  state: DriverState,
  key: string,
  write: (op: DenoKvAtomicLike) => DenoKvAtomicLike,
): Promise<void> {
  const { kv, keys } = state;
  state.remembered.delete(key);
  // The hot path: one commit and one promise step on top of it.
  return state.commit(
    () => write(kv.atomic().check({ key: keys.owned(key), versionstamp: null })),
    (result) => result.ok ? undefined : writeSmallSlowly(state, key, write),
  );
}

async function writeSmallSlowly(
  state: DriverState,
  key: string,
  write: (op: DenoKvAtomicLike) => DenoKvAtomicLike,
): Promise<void> {
  const { kv, keys } = state;
  for (;;) {
    const entry = await state.get(keys.owned(key));
    const owned = decodeOwned(entry.value);
    const next = { v: false, gens: retire(owned.gens) };
    const { ok } = await state.commit(() => {
      const op = write(
        kv.atomic().check({
          key: keys.owned(key),
          versionstamp: entry.versionstamp,
        }),
      );
      if (owned.v) op.delete(keys.value(key));
      if (entry.versionstamp === null) return op;
      return writeOwned(op, keys.owned(key), next);
    });
    if (ok) {
      if (next.gens.some((gen) => gen.s === "d")) await cleanup(state, key);
      return;
    }
  }
}

/**
 * Writes a medium value: its record and value entry in one commit that
 * also makes sure the owned entry says so. Against a remembered owned
 * entry that is one commit; otherwise it is read first.
 */
async function putMedium(
  state: DriverState,
  key: string,
  record: Uint8Array,
  value: Uint8Array,
  deadline: number | undefined,
): Promise<void> {
  const { kv, keys } = state;
  const write = (op: DenoKvAtomicLike) => {
    const options = expireOptions(deadline);
    return op.set(keys.record(key), record, options).set(keys.value(key), value, options);
  };
  const guess = state.remembered.get(key);
  if (typeof guess === "string") {
    const { ok } = await state.commit(() =>
      write(kv.atomic().check({ key: keys.owned(key), versionstamp: guess }))
    );
    if (ok) return;
    state.remembered.delete(key);
  }
  for (;;) {
    const entry = await state.get(keys.owned(key));
    const owned = decodeOwned(entry.value);
    const retiring = owned.gens.some((gen) => gen.s === "l");
    const rewrite = !owned.v || retiring;
    const next = { v: true, gens: retire(owned.gens) };
    const result = await state.commit(() => {
      const op = write(
        kv.atomic().check({
          key: keys.owned(key),
          versionstamp: entry.versionstamp,
        }),
      );
      return rewrite ? op.set(keys.owned(key), encodeOwned(next)) : op;
    });
    if (!result.ok) continue;
    if (retiring) {
      await cleanup(state, key);
    } else {
      state.remember(key, rewrite ? result.versionstamp! : entry.versionstamp!);
    }
    return;
  }
}

/** Deletes an expired medium or large value and what it owns. */
async function deleteExpiredOwning(state: DriverState, key: string, nowMs: number) {
  const { kv, keys } = state;
  state.remembered.delete(key);
  for (;;) {
    const [record, owned] = await state.getMany([keys.record(key), keys.owned(key)]);
    if (record.versionstamp === null) return;
    const envelope = decodeEnvelope(record.value);
    if (!isExpired(envelope.expiration, nowMs)) return;
    const current = decodeOwned(owned.value);
    const next = { v: false, gens: retire(current.gens) };
    const { ok } = await state.commit(() => {
      const op = kv.atomic()
        .check({ key: keys.record(key), versionstamp: record.versionstamp })
        .check({ key: keys.owned(key), versionstamp: owned.versionstamp })
        .delete(keys.record(key))
        .delete(keys.value(key));
      return writeOwned(op, keys.owned(key), next);
    });
    if (ok) {
      await cleanup(state, key);
      return;
    }
  }
}
