// Two drivers written only with the ordering helpers keys.ts offers
// backend authors, used as kv_driver.ts tells them to: one orders keys as
// bytes (encodeKey, decodeKey, compareBytes, prefixEndBytes), one sorts
// strings with compareKeys (kv_driver.ts's own example). No kvkit adapter
// calls compareBytes, and none under keys_suite.ts reaches compareKeys, so
// without these no conformance run could notice a mutant of them.

import { compareBytes, compareKeys, decodeKey, encodeKey, prefixEndBytes } from "../../keys.ts";
import type { KvDriver, KvRecord } from "../../kv_driver.ts";

/** Records in a Map, and their keys' UTF-8 bytes in one sorted array. */
export function createByteOrderDriver(): KvDriver {
  const records = new Map<string, KvRecord>();
  const sorted: Uint8Array[] = [];
  /** The index of the first key not below `bytes`. */
  const lowerBound = (bytes: Uint8Array) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareBytes(sorted[mid], bytes) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    get: (key) => records.get(key),
    put(key, record) {
      if (!records.has(key)) {
        const bytes = encodeKey(key);
        sorted.splice(lowerBound(bytes), 0, bytes);
      }
      records.set(key, record);
    },
    delete(key) {
      if (!records.delete(key)) return;
      sorted.splice(lowerBound(encodeKey(key)), 1);
    },
    list(prefix, after, limit) {
      const start = encodeKey(prefix);
      const end = prefixEndBytes(start);
      let at = lowerBound(start);
      if (after !== undefined) {
        const bytes = encodeKey(after);
        at = lowerBound(bytes);
        if (at < sorted.length && compareBytes(sorted[at], bytes) === 0) at++;
      }
      const out = [];
      for (; at < sorted.length && out.length < limit; at++) {
        if (end !== undefined && compareBytes(sorted[at], end) >= 0) break;
        const name = decodeKey(sorted[at]);
        const { metadata, expiration } = records.get(name)!;
        out.push({ name, metadata, expiration });
      }
      return out;
    },
  };
}

/** kv_driver.ts's example: records in a Map, each page filtered and sorted with compareKeys. */
export function createSortingDriver(): KvDriver {
  const records = new Map<string, KvRecord>();
  return {
    get: (key) => records.get(key),
    put: (key, record) => void records.set(key, record),
    delete: (key) => void records.delete(key),
    list: (prefix, after, limit) =>
      [...records.keys()]
        .filter((k) =>
          k.startsWith(prefix) &&
          (after === undefined || compareKeys(k, after) > 0)
        )
        .sort(compareKeys)
        .slice(0, limit)
        .map((name) => ({ ...records.get(name)!, value: undefined, name })),
  };
}
