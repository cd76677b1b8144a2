/**
 * A Workers KV namespace on browser IndexedDB, through the `idb` package.
 * Code written against a KV binding runs unchanged in web pages and service
 * workers, with Workers KV's key order, expiry, metadata and cursors.
 *
 * How it stays correct where IndexedDB differs from Workers KV:
 * - Keys are stored as the `ArrayBuffer` of their UTF-8 bytes. IndexedDB
 *   orders strings by UTF-16 code unit but binary keys bytewise, so listing
 *   follows UTF-8 byte order, as Workers KV does.
 * - A prefix scan ends at the exact byte successor of the prefix.
 * - Values live in one object store, and keys with their metadata and
 *   expiration in another, so `list` never loads a value.
 * - Every key and value is encoded before a transaction opens, because a
 *   transaction commits itself once a task passes with no request pending.
 * - A bulk get reads in one transaction, so it sees one snapshot.
 * - When another connection needs the database (a schema upgrade or
 *   `deleteDatabase`), this one closes at once and reopens on the next call.
 * - Expired records are hidden on every read. Reads and writes also sweep
 *   them out now and then, with no timer, so nothing is kept alive.
 *
 * Browsers provide IndexedDB. In Deno and Node, load `fake-indexeddb/auto`
 * first: `idb` needs the IndexedDB globals (`IDBRequest`, `IDBKeyRange`, …).
 *
 * @example Store, read and list in a browser
 * ```ts ignore
 * import { createIndexedDbKv } from "@kvkit/kvkit/indexeddb";
 *
 * const kv = createIndexedDbKv({ name: "my-app" });
 * await kv.put("user:1", JSON.stringify({ name: "Ada" }), { metadata: { v: 1 } });
 * const user = await kv.get<{ name: string }>("user:1", "json");
 * const { keys } = await kv.list({ prefix: "user:" });
 * console.log(user?.name, keys); // Ada [ { name: "user:1", metadata: { v: 1 } } ]
 * ```
 *
 * @module
 */

import { type DBSchema, type IDBPDatabase, unwrap, wrap } from "idb";
import { createEngineKv } from "../engine.ts";
import { isExpired } from "../expiry.ts";
import { decodeKey, encodeKey, prefixEndBytes } from "../keys.ts";
import type { DriverContext, KvDriver, KvKeyInfo, KvRecord } from "../kv_driver.ts";
import type { KvNamespaceHandle } from "../types.ts";

/**
 * The part of an `IDBFactory` (`globalThis.indexedDB`) that the adapter
 * uses. A browser's `indexedDB` fits, and so does fake-indexeddb's
 * `new IDBFactory()`.
 */
export interface IndexedDbFactory {
  /**
   * Opens a database and returns its `IDBOpenDBRequest`.
   *
   * @param name The database name.
   * @param version The schema version.
   * @returns The open request.
   */
  open(name: string, version?: number): unknown;
}

/** Options for {@linkcode createIndexedDbKv}. */
export interface IndexedDbKvOptions {
  /**
   * The IndexedDB database name. Namespaces with different names are
   * isolated from each other. Defaults to `"kvkit"`.
   */
  name?: string;
  /** The IndexedDB factory to open it with. Defaults to `globalThis.indexedDB`. */
  indexedDB?: IndexedDbFactory;
  /** The clock, in epoch milliseconds. Defaults to `Date.now`. */
  now?: () => number;
}

const RECORDS = "records";
const KEYS = "keys";
const BOTH = [RECORDS, KEYS] as const;
/**
 * Expired records are reclaimed without timers, by a sweep that follows
 * writes: one sweep of at most SWEEP_BATCH records after every
 * SWEEP_EVERY_WRITES writes (or a second of clock time), and after every
 * write while a backlog remains (the last sweep was full). So the work a
 * write adds is bounded, and reclamation outpaces any rate of expiry.
 */
const SWEEP_BATCH = 256;
const SWEEP_EVERY_WRITES = 32;
const SWEEP_INTERVAL_MS = 1000;

/** A record in the `records` store: the value with its metadata and expiry. */
interface StoredRecord {
  /** The value: text, or its bytes in a buffer of exactly their size. */
  v: string | ArrayBuffer;
  /** Metadata JSON. */
  m?: string;
  /** Absolute expiry in epoch seconds. */
  e?: number;
}

/** A record in the `keys` store: what `list` returns, without the value. */
interface StoredKey {
  /** Metadata JSON. */
  m?: string;
  /** Absolute expiry in epoch seconds; indexed, for sweeping. */
  e?: number;
}

interface KvSchema extends DBSchema {
  records: { key: ArrayBuffer; value: StoredRecord };
  keys: { key: ArrayBuffer; value: StoredKey; indexes: { expiration: number } };
}

type Database = IDBPDatabase<KvSchema>;

/** The sliver of `IDBKeyRange`'s statics the adapter calls. */
interface KeyRangeStatics {
  bound(
    lower: ArrayBuffer,
    upper: ArrayBuffer,
    lowerOpen?: boolean,
    upperOpen?: boolean,
  ): unknown;
  lowerBound(lower: ArrayBuffer, open?: boolean): unknown;
  upperBound(upper: number): unknown;
}

/** The members of an `IDBOpenDBRequest` and `IDBDatabase` used here. */
interface RawOpenRequest {
  readonly result: RawDatabase;
  addEventListener(type: "upgradeneeded", listener: () => void): void;
}

interface RawDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): {
    createIndex(name: string, keyPath: string): unknown;
  };
}

const IDB_GLOBALS = [
  "IDBRequest",
  "IDBKeyRange",
  "IDBDatabase",
  "IDBTransaction",
  "IDBObjectStore",
];

/** A buffer holding exactly the view's bytes, copying only when needed. */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  // IndexedDB clones a view's whole backing buffer, so a view into a
  // larger buffer is copied first.
  return bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : bytes.slice().buffer;
}

/** The key as stored: its UTF-8 bytes, which IndexedDB compares bytewise. */
function storedKey(key: string): ArrayBuffer {
  return exactBuffer(encodeKey(key));
}

function keyRange(): KeyRangeStatics {
  return (globalThis as unknown as { IDBKeyRange: KeyRangeStatics })
    .IDBKeyRange;
}

/**
 * The key range of `list(prefix, after)`: keys starting with `prefix` and,
 * when given, strictly after `after` (which the engine keeps inside the
 * prefix). `query` is `undefined` for every key.
 */
function listRange(prefix: string, after: string | undefined): { query: unknown } {
  const low = encodeKey(after ?? prefix);
  const lowerOpen = after !== undefined;
  const high = prefixEndBytes(encodeKey(prefix));
  const range = keyRange();
  if (high === undefined) {
    if (low.byteLength === 0) return { query: undefined };
    return { query: range.lowerBound(exactBuffer(low), lowerOpen) };
  }
  return { query: range.bound(exactBuffer(low), exactBuffer(high), lowerOpen, true) };
}

function toRecord(stored: StoredRecord | undefined): KvRecord | undefined {
  if (stored === undefined) return undefined;
  // Every read structured-clones the stored buffer afresh, so the engine
  // may hand the bytes over without copying them again.
  const record: KvRecord = typeof stored.v === "string"
    ? { value: stored.v }
    : { value: new Uint8Array(stored.v), fresh: true };
  if (stored.m !== undefined) record.metadata = stored.m;
  if (stored.e !== undefined) record.expiration = stored.e;
  return record;
}

/** The members of a raw `IDBRequest` the hot paths use. */
interface RawRequest<T> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}

/** The members of a raw `IDBObjectStore` the hot paths use. */
interface RawStore {
  get(key: ArrayBuffer): RawRequest<StoredRecord | undefined>;
  put(value: unknown, key: ArrayBuffer): RawRequest<unknown>;
  delete(key: ArrayBuffer): RawRequest<unknown>;
}

/** The members of a raw `IDBTransaction` the hot paths use. */
interface RawTransaction {
  readonly error: unknown;
  objectStore(name: string): RawStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
}

interface RawConnection {
  transaction(names: string | readonly string[], mode?: "readonly" | "readwrite"): RawTransaction;
}

// The hot paths (get, put, delete) use IndexedDB's own requests, without
// idb's proxies: one promise per call, as idb-keyval does.
function settled<T>(request: RawRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(tx: RawTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error ?? new Error("the transaction aborted"));
  });
}

function raw(db: Database): RawConnection {
  return unwrap(db as never) as unknown as RawConnection;
}

/**
 * One database connection, opened lazily and reopened after another
 * connection made it close (a `versionchange`) or the browser closed it.
 */
class IndexedDbDriver implements KvDriver {
  readonly #factory: IndexedDbFactory;
  readonly #name: string;
  readonly #now: () => number;
  #db: Database | undefined;
  #opening: Promise<Database> | undefined;
  #closed = false;
  #lastSweepMs = -Infinity;
  #writesSinceSweep = 0;
  #backlog = true;
  #sweeping: Promise<void> | undefined;

  constructor(factory: IndexedDbFactory, name: string, context: DriverContext) {
    this.#factory = factory;
    this.#name = name;
    this.#now = context.now;
  }

  #open(): Promise<Database> {
    if (this.#closed) {
      return Promise.reject(new Error("The IndexedDB namespace is closed."));
    }
    if (this.#opening !== undefined) return this.#opening;
    const opening = this.#connect().then((db) => {
      const forget = () => {
        if (this.#db === db) this.#db = undefined;
        if (this.#opening === opening) this.#opening = undefined;
      };
      // Another connection wants to upgrade or delete the database: let
      // it, and reopen on the next call.
      db.addEventListener("versionchange", () => {
        db.close();
        forget();
      });
      // The browser closed the connection abnormally.
      db.addEventListener("close", forget);
      if (this.#closed) db.close();
      else this.#db = db;
      return db;
    });
    this.#opening = opening;
    opening.catch(() => {
      if (this.#opening === opening) this.#opening = undefined;
    });
    return opening;
  }

  /**
   * Opens the database at whatever version it is now, since another
   * connection may have upgraded it (opening an older version fails with
   * `VersionError`). When our stores are missing (a new or foreign
   * database), it upgrades to the next version to create them; a race
   * with another upgrade is retried.
   */
  async #connect(): Promise<Database> {
    for (let attempt = 1;; attempt++) {
      const db = await this.#request(undefined);
      if (db.objectStoreNames.contains(RECORDS) && db.objectStoreNames.contains(KEYS)) return db;
      const version = db.version + 1;
      db.close();
      try {
        return await this.#request(version);
      } catch (error) {
        if (attempt >= 5 || (error as { name?: string }).name !== "VersionError") throw error;
      }
    }
  }

  /** One open request, creating whichever of our stores is missing. */
  #request(version: number | undefined): Promise<Database> {
    const request =
      (version === undefined
        ? this.#factory.open(this.#name)
        : this.#factory.open(this.#name, version)) as RawOpenRequest;
    request.addEventListener("upgradeneeded", () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(RECORDS)) db.createObjectStore(RECORDS);
      if (!db.objectStoreNames.contains(KEYS)) {
        db.createObjectStore(KEYS).createIndex("expiration", "e");
      }
    });
    return wrap(request as never) as unknown as Promise<Database>;
  }

  /**
   * Runs `operation` on the open database. If the connection was closed
   * under it, the operation runs once more on a new connection; every
   * operation here is idempotent, and a closed connection aborts its
   * transactions whole.
   */
  async #run<T>(operation: (db: Database) => Promise<T>, write = false): Promise<T> {
    const db = this.#db ?? await this.#open();
    try {
      const result = operation(db);
      // After the operation's transaction, so that it never waits for one.
      if (write) this.#maybeSweep();
      return await result;
    } catch (error) {
      if (this.#db === db || this.#closed) throw error;
      return operation(this.#db ?? await this.#open());
    }
  }

  get(key: string): Promise<KvRecord | undefined> {
    const id = storedKey(key);
    return this.#run((db) =>
      settled(raw(db).transaction(RECORDS).objectStore(RECORDS).get(id)).then(toRecord)
    );
  }

  getMany(keys: string[]): Promise<(KvRecord | undefined)[]> {
    const ids = keys.map(storedKey);
    return this.#run(async (db) => {
      const store = db.transaction(RECORDS).store;
      const stored = await Promise.all(ids.map((id) => store.get(id)));
      return stored.map(toRecord);
    });
  }

  put(key: string, record: KvRecord): Promise<void> {
    const id = storedKey(key);
    const value = typeof record.value === "string" ? record.value : exactBuffer(record.value);
    const stored: StoredRecord = { v: value };
    const info: StoredKey = {};
    if (record.metadata !== undefined) stored.m = info.m = record.metadata;
    if (record.expiration !== undefined) stored.e = info.e = record.expiration;
    return this.#run((db) => {
      const tx = raw(db).transaction(BOTH, "readwrite");
      tx.objectStore(RECORDS).put(stored, id);
      tx.objectStore(KEYS).put(info, id);
      return committed(tx);
    }, true);
  }

  delete(key: string): Promise<void> {
    const id = storedKey(key);
    return this.#run((db) => {
      const tx = raw(db).transaction(BOTH, "readwrite");
      tx.objectStore(RECORDS).delete(id);
      tx.objectStore(KEYS).delete(id);
      return committed(tx);
    }, true);
  }

  list(
    prefix: string,
    after: string | undefined,
    limit: number,
  ): Promise<KvKeyInfo[]> {
    const range = listRange(prefix, after);
    return this.#run(async (db) => {
      // Two reads of one range in one transaction see the same records.
      const store = db.transaction(KEYS).store;
      const [ids, infos] = await Promise.all([
        store.getAllKeys(range.query as never, limit),
        store.getAll(range.query as never, limit),
      ]);
      return ids.map((id, i) => {
        const info: KvKeyInfo = { name: decodeKey(id) };
        const { m, e } = infos[i];
        if (m !== undefined) info.metadata = m;
        if (e !== undefined) info.expiration = e;
        return info;
      });
    });
  }

  deleteExpired(keys: string[], nowMs: number): Promise<void> {
    const ids = keys.map(storedKey);
    return this.#run(async (db) => {
      const tx = db.transaction(BOTH, "readwrite");
      const records = tx.objectStore(RECORDS);
      const infos = tx.objectStore(KEYS);
      // Expiry is checked again inside the transaction, so a record that a
      // concurrent put has just refreshed survives.
      await Promise.all([
        ...ids.map(async (id) => {
          const info = await infos.get(id);
          if (info !== undefined && isExpired(info.e, nowMs)) {
            await Promise.all([records.delete(id), infos.delete(id)]);
          }
        }),
        tx.done,
      ]);
    });
  }

  /** After a write: starts a sweep when one is due (see SWEEP_BATCH). */
  #maybeSweep(): void {
    const db = this.#db;
    this.#writesSinceSweep++;
    if (db === undefined || this.#sweeping !== undefined) return;
    const nowMs = this.#now();
    if (
      !this.#backlog && this.#writesSinceSweep < SWEEP_EVERY_WRITES &&
      nowMs - this.#lastSweepMs < SWEEP_INTERVAL_MS
    ) return;
    this.#lastSweepMs = nowMs;
    this.#writesSinceSweep = 0;
    this.#sweeping = sweep(db, nowMs)
      .then((removed) => {
        this.#backlog = removed === SWEEP_BATCH;
      })
      // A failed sweep loses nothing: expired records stay hidden.
      .catch(() => {})
      .finally(() => this.#sweeping = undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#sweeping;
    const db = this.#db ?? await this.#opening?.catch(() => undefined);
    db?.close();
    this.#db = undefined;
    this.#opening = undefined;
  }
}

/** Deletes up to a batch of records that have expired at `nowMs`. */
async function sweep(db: Database, nowMs: number): Promise<number> {
  const tx = db.transaction(BOTH, "readwrite");
  const records = tx.objectStore(RECORDS);
  const infos = tx.objectStore(KEYS);
  // `e * 1000 <= nowMs` for a whole number of seconds `e`.
  const range = keyRange().upperBound(Math.floor(nowMs / 1000));
  const expired = await infos.index("expiration").getAllKeys(
    range as never,
    SWEEP_BATCH,
  );
  await Promise.all([
    ...expired.flatMap((id) => [records.delete(id), infos.delete(id)]),
    tx.done,
  ]);
  return expired.length;
}

/**
 * Creates a Workers KV namespace stored in an IndexedDB database. The
 * database opens on the first call, and the namespace must be closed (or
 * disposed with `await using`) to release its connection. Namespaces with
 * different `name`s are isolated.
 *
 * @param options The database name, the IndexedDB factory, and the clock.
 * @returns A namespace that behaves like a Workers KV binding.
 * @throws {TypeError} When there is no IndexedDB factory, or the IndexedDB
 * globals that `idb` relies on (`IDBRequest`, `IDBKeyRange`, …) are missing.
 *
 * @example Use fake-indexeddb in Deno or Node
 * ```ts
 * import "fake-indexeddb/auto";
 * import { IDBFactory } from "fake-indexeddb";
 * import { createIndexedDbKv } from "@kvkit/kvkit/indexeddb";
 *
 * await using kv = createIndexedDbKv({ name: "app", indexedDB: new IDBFactory() });
 * await kv.put("user:1", "Ada", { metadata: { role: "admin" } });
 * await kv.put("user:2", "Grace");
 * const { value, metadata } = await kv.getWithMetadata("user:1");
 * const { keys } = await kv.list({ prefix: "user:" });
 * if (value !== "Ada" || (metadata as { role: string }).role !== "admin") {
 *   throw new Error("round trip failed");
 * }
 * if (keys.map((k) => k.name).join() !== "user:1,user:2") throw new Error("list failed");
 * ```
 */
export function createIndexedDbKv(
  options: IndexedDbKvOptions = {},
): KvNamespaceHandle {
  const factory = options.indexedDB ??
    (globalThis as { indexedDB?: IndexedDbFactory }).indexedDB;
  if (factory === undefined || factory === null) {
    throw new TypeError(
      'IndexedDB is not available: pass options.indexedDB (in Deno or Node, import "fake-indexeddb/auto" first).',
    );
  }
  const missing = IDB_GLOBALS.filter((name) =>
    typeof (globalThis as Record<string, unknown>)[name] !== "function"
  );
  if (missing.length > 0) {
    throw new TypeError(
      `idb needs the IndexedDB globals, and ${missing.join(", ")} ${
        missing.length > 1 ? "are" : "is"
      } missing: in Deno or Node, import "fake-indexeddb/auto" first.`,
    );
  }
  const name = options.name === undefined ? "kvkit" : String(options.name);
  return createEngineKv((context) => new IndexedDbDriver(factory, name, context), {
    now: options.now,
    namespace: `indexeddb:${name}`,
  });
}
