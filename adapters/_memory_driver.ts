// The memory adapter's driver (the facade is memory.ts): records in a Map,
// keys in UTF-8 order in sorted chunks, expiring keys by second. Private.

import { isExpired } from "../expiry.ts";
import type { DriverContext, KvDriver, KvKeyInfo, KvRecord } from "../kv_driver.ts";
import { ExpiryBuckets } from "./_expiry_buckets.ts";
import { SortedKeys } from "./_sorted_keys.ts";

/** Expired records one write reclaims, at most: bounded work per call. */
const RECLAIM_PER_WRITE = 16;

/** A record with neither metadata nor an expiration lists as its name alone. */
const isPlain = (record: KvRecord) =>
  record.metadata === undefined && record.expiration === undefined;

/**
 * What the map holds for a key: a plain record of text as its bare string
 * (one object fewer per key to allocate, keep and reach on a read), any
 * other record as the engine's own object.
 */
type Stored = string | KvRecord;

function toRecord(stored: Stored | undefined): KvRecord | undefined {
  return typeof stored === "string" ? { value: stored } : stored;
}

// Every answer is synchronous, so the engine settles one promise per call.
// Records are the engine's own objects, kept as they are: the engine hands
// over values no caller can reach, and copies before handing any out.
export function createMemoryDriver({ now }: DriverContext): KvDriver {
  const records = new Map<string, Stored>();
  const order = new SortedKeys();
  const expiring = new ExpiryBuckets();

  function remove(key: string, record: KvRecord): void {
    records.delete(key);
    order.remove(key);
    if (record.expiration !== undefined) expiring.remove(key, record.expiration);
  }

  /** Removes up to RECLAIM_PER_WRITE records that have expired. */
  function reclaim(): void {
    if (expiring.empty) return;
    const seconds = Math.floor(now() / 1000);
    if (!expiring.hasDue(seconds)) return;
    // A key is filed under exactly its record's expiration, so every key
    // taken here is expired; takeDue has unfiled it already.
    for (const key of expiring.takeDue(seconds, RECLAIM_PER_WRITE)) {
      records.delete(key);
      order.remove(key);
    }
  }

  return {
    get: (key) => toRecord(records.get(key)),
    getMany: (keys) => keys.map((key) => toRecord(records.get(key))),
    put(key, record) {
      const old = toRecord(records.get(key));
      const plain = isPlain(record);
      if (old === undefined) order.insert(key, plain);
      else {
        if (old.expiration !== undefined) expiring.remove(key, old.expiration);
        if (isPlain(old) !== plain) order.setPlain(key, plain);
      }
      records.set(key, plain && typeof record.value === "string" ? record.value : record);
      if (record.expiration !== undefined) expiring.add(key, record.expiration);
      reclaim();
    },
    delete(key) {
      const old = toRecord(records.get(key));
      if (old !== undefined) remove(key, old);
      reclaim();
    },
    list(prefix, after, limit) {
      const infos: KvKeyInfo[] = [];
      // A plain key's entry is its name alone: no record lookup.
      order.each(prefix, after, limit, (name, plain) => {
        if (plain) infos.push({ name });
        else {
          const { metadata, expiration } = records.get(name) as KvRecord;
          infos.push({ name, metadata, expiration });
        }
      });
      return infos;
    },
    deleteExpired(keys, nowMs) {
      for (const key of keys) {
        const record = toRecord(records.get(key));
        if (record !== undefined && isExpired(record.expiration, nowMs)) remove(key, record);
      }
    },
    close() {
      records.clear();
      order.clear();
      expiring.clear();
    },
  };
}
