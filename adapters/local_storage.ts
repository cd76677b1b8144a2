/**
 * A Workers KV namespace on Web Storage (`localStorage`, `sessionStorage`),
 * in browsers and Deno; and the worked example of the driver kit: one small
 * {@linkcode KvDriver}, with every Workers KV rule supplied by the engine.
 *
 * How it stores a namespace, as items named `kvkit:"<namespace>":…` (the
 * namespace JSON-quoted, so no namespace's items start with another's name):
 * - an **info item** `…:i:<key>` per key, JSON `{ v, m?, e?, b? }`: the id of
 *   its value item, the metadata text, the expiration, `b: 1` for bytes;
 * - a **value item** `…:v:<id>:<key>` per write, never changed once written:
 *   text as it is, bytes as one code unit (0 to 255) per byte. Chromium
 *   counts its quota (about 5 Mi per origin) in UTF-16 code units, where this
 *   costs 1 unit a byte to base64's 4/3; Deno counts UTF-8 bytes (10 MiB),
 *   where uniform random bytes cost 1.5 to base64's 1.33.
 *
 * Why it is correct where Web Storage differs from Workers KV:
 * - **No torn records.** A put writes the new value item under a fresh id,
 *   then the info item (the commit), then removes the old value item; a
 *   delete removes the info item first. A reader follows the info item, so
 *   it sees the old record or the new one, whole: never a value with
 *   another value's metadata. A tab that closes between two `setItem`s
 *   leaves at most a value item no info item names; opening a namespace
 *   removes those a minute old (a younger one may be another tab's write
 *   in progress), and the namespace's expired records.
 * - **Quota.** Past the quota `setItem` throws a `QuotaExceededError`, which
 *   reaches the caller as `KvError` 500 with that cause; the info item is
 *   untouched (or the new value item removed, if the commit is what failed),
 *   so the old record stays. An overwrite holds both values for a moment,
 *   so it needs room for the new value beside the old one.
 * - **Order.** Web Storage keeps no order, so each `list` page scans the
 *   area's item names and sorts the namespace's keys with `compareKeys`:
 *   O(n log n) a page for n items in the area, fine at a few MiB of data.
 *   No index is kept in memory: it would miss other tabs' writes (short of
 *   listening to `storage` events), while a scan sees them. `list` reads
 *   info items only, never a value.
 *
 * In Deno, `localStorage` is an SQLite file per origin: `--location`'s, else
 * the config file's path, else the main module's. Its quota is 10 MiB of
 * table pages, and any one item of 10 MiB or more is refused. `key(i)` is
 * an SQL `OFFSET` there, so a scan costs O(n²), and it has no snapshot: it
 * can miss a key that another process on the same file rewrites meanwhile.
 * (A browser tab runs each call here synchronously, and gets other tabs'
 * writes between tasks.) `sessionStorage` is in memory, per process. Node
 * 20 and Bun have no Web Storage.
 *
 * @example A namespace on sessionStorage
 * ```ts
 * import { createLocalStorageKv } from "@kvkit/kvkit/local-storage";
 *
 * const kv = createLocalStorageKv(sessionStorage, { namespace: "my-app" });
 * await kv.put("user:1", "Ada", { metadata: { role: "admin" } });
 * const { keys } = await kv.list({ prefix: "user:" });
 * console.log(keys); // [ { name: "user:1", metadata: { role: "admin" } } ]
 * ```
 *
 * @module
 */

import { compareKeys, createEngineKv, isExpired } from "../driver.ts";
import type { DriverContext, KvDriver, KvKeyInfo } from "../driver.ts";
import type { KvNamespaceHandle } from "../types.ts";
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
 * The part of a Web Storage area the adapter calls: `localStorage` and
 * `sessionStorage` fit, and so does any object shaped like them.
 */
export interface StorageLike {
  /** The number of items. */
  readonly length: number;
  /**
   * The name of an item.
   *
   * @param index From 0 to `length - 1`.
   * @returns The name, or `null` past the end.
   */
  key(index: number): string | null;
  /**
   * Reads an item.
   *
   * @param key The item's name.
   * @returns Its value, or `null` when there is none.
   */
  getItem(key: string): string | null;
  /**
   * Writes an item, or throws (a `QuotaExceededError` past the quota).
   *
   * @param key The item's name.
   * @param value Its value.
   */
  setItem(key: string, value: string): void;
  /**
   * Removes an item; a missing one is not an error.
   *
   * @param key The item's name.
   */
  removeItem(key: string): void;
}

/** Options for {@linkcode createLocalStorageKv}. */
export interface LocalStorageKvOptions {
  /**
   * Isolates this namespace from others in the same storage, cursors
   * included, by a prefix of its item names. Defaults to `""`.
   */
  namespace?: string;
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

/** An info item: its value item's id, metadata, expiration, `b` for bytes. */
type Info = { v: string; m?: string; e?: number; b?: 1 };

/** How old a value item no info item names must be before an open removes it. */
const ORPHAN_AGE_MS = 60_000;
/** Bytes per `String.fromCharCode` call: well below engines' argument limits. */
const CHUNK = 0x8000;

function bytesToUnits(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    text += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return text;
}

function unitsToBytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

function createLocalStorageDriver(
  storage: StorageLike,
  { namespace, now }: DriverContext,
): KvDriver {
  const base = `kvkit:${JSON.stringify(namespace)}:`;
  const infoName = (key: string) => `${base}i:${key}`;
  // The id leads: wall-clock time in base 36 (never the namespace's clock,
  // which may be fake), a dot, random digits. No colon, so it parses back.
  const valueName = (id: string, key: string) => `${base}v:${id}:${key}`;
  const readInfo = (key: string): Info | undefined => {
    const text = storage.getItem(infoName(key));
    return text === null ? undefined : JSON.parse(text);
  };
  /** This namespace's item names of one kind, without `…:i:` or `…:v:`. */
  const scan = (kind: "i:" | "v:") => {
    const start = base + kind;
    const names = Array.from({ length: storage.length }, (_, i) => storage.key(i) ?? "");
    return names.filter((name) => name.startsWith(start)).map((name) => name.slice(start.length));
  };
  const remove = (key: string, info: Info) => {
    storage.removeItem(infoName(key)); // the commit: the record is gone
    storage.removeItem(valueName(info.v, key));
  };

  // Opening: remove what writes cut short left behind, and expired records.
  const oldest = Date.now() - ORPHAN_AGE_MS;
  for (const name of scan("v:")) {
    const id = name.slice(0, name.indexOf(":"));
    const key = name.slice(id.length + 1);
    const info = readInfo(key);
    if (info?.v !== id) {
      if (parseInt(id, 36) < oldest) storage.removeItem(valueName(id, key));
    } else if (isExpired(info.e, now())) remove(key, info);
  }

  return {
    get(key) {
      for (let info = readInfo(key); info !== undefined;) {
        const value = storage.getItem(valueName(info.v, key));
        if (value !== null) {
          const { m: metadata, e: expiration } = info;
          if (info.b === undefined) return { value, metadata, expiration };
          return { value: unitsToBytes(value), metadata, expiration, fresh: true };
        }
        // Another process replaced the record between the two reads (a tab
        // cannot: browsers run a call on one snapshot): follow the new one.
        const again = readInfo(key);
        if (again?.v === info.v) throw new Error(`kvkit: the value of ${key} is missing`);
        info = again;
      }
      return undefined;
    },
    put(key, { value, metadata, expiration }) {
      const old = readInfo(key);
      const id = `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
      const bytes = typeof value !== "string";
      storage.setItem(valueName(id, key), bytes ? bytesToUnits(value) : value);
      const info: Info = { v: id, m: metadata, e: expiration, b: bytes ? 1 : undefined };
      try {
        storage.setItem(infoName(key), JSON.stringify(info)); // the commit
      } catch (error) {
        storage.removeItem(valueName(id, key));
        throw error;
      }
      if (old !== undefined) storage.removeItem(valueName(old.v, key));
    },
    delete(key) {
      const info = readInfo(key);
      if (info !== undefined) remove(key, info);
    },
    list(prefix, after, limit) {
      const page = scan("i:")
        .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
        .sort(compareKeys)
        .slice(0, limit);
      const infos: KvKeyInfo[] = [];
      for (const name of page) {
        const info = readInfo(name);
        if (info !== undefined) infos.push({ name, metadata: info.m, expiration: info.e });
      }
      return infos;
    },
    deleteExpired(keys, nowMs) {
      for (const key of keys) {
        const info = readInfo(key);
        if (info !== undefined && isExpired(info.e, nowMs)) remove(key, info);
      }
    },
  };
}

/**
 * Creates a namespace on a Web Storage area. Opening it removes what a
 * write cut short left behind and the namespace's expired records; closing
 * it never clears the storage.
 *
 * @param storage The area, `globalThis.localStorage` by default.
 * @param options The namespace and the clock.
 * @returns A namespace that behaves like a Workers KV binding.
 * @throws {TypeError} When no storage is given and there is no `localStorage`.
 *
 * @example Two namespaces in one storage area
 * ```ts
 * import { createLocalStorageKv } from "@kvkit/kvkit/local-storage";
 *
 * await using drafts = createLocalStorageKv(sessionStorage, { namespace: "drafts" });
 * await using sent = createLocalStorageKv(sessionStorage, { namespace: "sent" });
 * await drafts.put("mail:1", "Hello");
 * if (await sent.get("mail:1") !== null) throw new Error("namespaces are isolated");
 * ```
 */
export function createLocalStorageKv(
  storage?: StorageLike,
  options: LocalStorageKvOptions = {},
): KvNamespaceHandle {
  const area = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (area === undefined) throw new TypeError("no globalThis.localStorage here: pass a Storage");
  return createEngineKv((context) => createLocalStorageDriver(area, context), options);
}
