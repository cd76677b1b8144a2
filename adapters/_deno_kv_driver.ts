// The Deno KV driver behind adapters/deno_kv.ts. Private: the public API,
// its types and the storage layout documentation live there.
//
// Layout under the namespace part `ns` (every value a Uint8Array):
//   [ns, "r", key]      record: header (flags, expiration, metadata), then
//                       a small value (<= SMALL_VALUE_BYTES) inline, or
//                       nothing (a medium value, in [ns, "v", key]), or a
//                       pointer to a chunked generation (id, length, count)
//   [ns, "v", key]      a medium value: header and value, written in the
//                       same commit as its record; current whenever it
//                       exists, since every other write deletes it
//   [ns, "o", key]      what else the key owns: the value entry and the
//                       generations of chunks (pending, live or dead);
//                       present only while it owns something
//   [ns, "c", gen, i]   chunk i of generation gen, raw bytes
//
// `list` scans records only: a record holds at most a small value, so a
// page costs the same whether the values behind it are 2 KiB or 25 MiB.
//
// A write of a small value (or a delete) is one commit that checks that
// the owned entry is absent and sets the record: it touches two keys. Any
// other write checks the owned entry's versionstamp and rewrites it as
// needed in the same commit. So the owned entry always names every entry a
// key has beyond its record, and a crash can only leave chunks it names.

import { compareKeys, prefixEnd, utf8Length } from "../keys.ts";
import { isExpired } from "../engine.ts";
import type { KvDriver, KvKeyInfo, KvRecord } from "../types.ts";
import type {
  DenoKvEntryMaybe,
  DenoKvKey,
  DenoKvLike,
  DenoKvSweepOptions,
  DenoKvSweepResult,
} from "./deno_kv.ts";

/** Largest Deno KV value: 64 KiB of raw bytes. */
export const MAX_DENO_VALUE = 65_536;
/**
 * Largest value kept inside its record, which `list` reads. As large as
 * the largest metadata, so a listed record is at most about 2 KiB.
 */
export const SMALL_VALUE_BYTES = 1024;
/** Bytes per chunk of a large value. */
export const CHUNK_BYTES = 65_536;
/** Deno's limit on the total size of one atomic commit (keys and values). */
const MAX_COMMIT_BYTES = 819_200;
/** Deno's limit on the total size of the keys in one commit. */
const MAX_COMMIT_KEY_BYTES = 81_920;
/** Deno's limit on mutations per commit. */
const MAX_COMMIT_MUTATIONS = 1000;
/** @deno/kv's limit on checks per commit (Deno's is 100). */
const MAX_CHECKS = 10;
/** Deno's limit on keys per getMany. */
const MAX_GET_MANY = 10;
/** Medium-value keys whose owned entry this process remembers. */
const MAX_REMEMBERED = 4096;
/**
 * Added to every `expireIn`, so that Deno reclaims a record only well after
 * the engine, with its own clock, considers it expired. It covers an
 * injected clock that lags the real one and clock skew against a remote
 * KV Connect server.
 */
export const RECLAIM_SLACK_MS = 60 * 60 * 1000;
/** Retries of `database is locked` stop after this long. */
const LOCK_RETRY_MS = 30_000;
/** Reads of a value retried while concurrent overwrites move it. */
const MAX_READ_ATTEMPTS = 50;
/** Default age after which an unpublished generation counts as abandoned. */
export const DEFAULT_SWEEP_GRACE_MS = 10 * 60 * 1000;

const FORMAT = 1;
const HAS_EXPIRATION = 1;
const HAS_METADATA = 2;
const CHUNKED = 4;
const MEDIUM = 8;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** A decoded record or medium value. */
interface Envelope {
  expiration?: number;
  metadata?: string;
  /** The inline value, for small records and medium values. */
  value?: Uint8Array;
  /** The value is in [ns, "v", key]. */
  medium?: boolean;
  /** The chunked value's generation. */
  chunks?: ChunkPointer;
}

interface ChunkPointer {
  gen: string;
  length: number;
  count: number;
  size: number;
}

/** A generation of chunks in a key's owned entry. */
interface Generation {
  /** Id, a key part of its chunks. */
  id: string;
  /** Number of chunks written (or to be written) under it. */
  n: number;
  /** Real time of registration, epoch ms. */
  t: number;
  /** pending (being written), live (published) or dead (to delete). */
  s: "p" | "l" | "d";
}

function headerLength(
  metadata: Uint8Array | undefined,
  expiration: number | undefined,
): number {
  return 2 + (expiration === undefined ? 0 : 8) +
    (metadata === undefined ? 0 : 4 + metadata.byteLength);
}

/** Writes the shared header; returns the offset after it. */
function writeHeader(
  out: Uint8Array,
  view: DataView,
  flags: number,
  metadata: Uint8Array | undefined,
  expiration: number | undefined,
): number {
  out[0] = FORMAT;
  out[1] = flags | (expiration === undefined ? 0 : HAS_EXPIRATION) |
    (metadata === undefined ? 0 : HAS_METADATA);
  let offset = 2;
  if (expiration !== undefined) {
    view.setFloat64(offset, expiration);
    offset += 8;
  }
  if (metadata !== undefined) {
    view.setUint32(offset, metadata.byteLength);
    out.set(metadata, offset + 4);
    offset += 4 + metadata.byteLength;
  }
  return offset;
}

/**
 * Encodes a record or medium value: with `value`, the value inline; with
 * `chunks`, a pointer; with neither, a medium record's header.
 */
function encodeEnvelope(
  metadata: Uint8Array | undefined,
  expiration: number | undefined,
  value: Uint8Array | undefined,
  chunks: ChunkPointer | undefined,
): Uint8Array {
  const header = headerLength(metadata, expiration);
  const gen = chunks === undefined ? undefined : encoder.encode(chunks.gen);
  const tail = gen !== undefined ? 13 + gen.byteLength : value?.byteLength ?? 0;
  const out = new Uint8Array(header + tail);
  if (header === 2 && value !== undefined) {
    // The common record: no expiration, no metadata, a value inline.
    out[0] = FORMAT;
    out.set(value, 2);
    return out;
  }
  const view = new DataView(out.buffer);
  const kind = chunks !== undefined ? CHUNKED : value === undefined ? MEDIUM : 0;
  const offset = writeHeader(out, view, kind, metadata, expiration);
  if (chunks !== undefined && gen !== undefined) {
    view.setUint32(offset, chunks.length);
    view.setUint32(offset + 4, chunks.count);
    view.setUint32(offset + 8, chunks.size);
    out[offset + 12] = gen.byteLength;
    out.set(gen, offset + 13);
  } else if (value !== undefined) {
    out.set(value, offset);
  }
  return out;
}

function asBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(
      `kvkit: ${what} is not a kvkit record (not a Uint8Array)`,
    );
  }
  return value;
}

function decodeEnvelope(raw: unknown): Envelope {
  const bytes = asBytes(raw, "stored value");
  // Node's Buffer and pooled views: read through a plain view of them.
  const out = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (out.byteLength < 2 || out[0] !== FORMAT) {
    throw new TypeError(`kvkit: unknown record format ${out[0]}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const flags = out[1];
  const envelope: Envelope = {};
  let offset = 2;
  if (flags & HAS_EXPIRATION) {
    envelope.expiration = view.getFloat64(offset);
    offset += 8;
  }
  if (flags & HAS_METADATA) {
    const length = view.getUint32(offset);
    envelope.metadata = decoder.decode(
      out.subarray(offset + 4, offset + 4 + length),
    );
    offset += 4 + length;
  }
  if (flags & CHUNKED) {
    const genLength = out[offset + 12];
    envelope.chunks = {
      length: view.getUint32(offset),
      count: view.getUint32(offset + 4),
      size: view.getUint32(offset + 8),
      gen: decoder.decode(out.subarray(offset + 13, offset + 13 + genLength)),
    };
  } else if (flags & MEDIUM) {
    envelope.medium = true;
  } else {
    envelope.value = out.subarray(offset);
  }
  return envelope;
}

/** What a key owns beyond its record. */
interface Owned {
  /** A medium value entry may exist. */
  v: boolean;
  /** Generations of chunks. */
  gens: Generation[];
}

function encodeOwned(owned: Owned): Uint8Array {
  const json = encoder.encode(JSON.stringify(owned));
  const out = new Uint8Array(json.byteLength + 1);
  out[0] = FORMAT;
  out.set(json, 1);
  return out;
}

function decodeOwned(raw: unknown): Owned {
  if (raw === null || raw === undefined) return { v: false, gens: [] };
  const bytes = asBytes(raw, "owned entry");
  if (bytes[0] !== FORMAT) {
    throw new TypeError(`kvkit: unknown owned entry format ${bytes[0]}`);
  }
  return JSON.parse(decoder.decode(bytes.subarray(1))) as Owned;
}

const isEmpty = (owned: Owned) => !owned.v && owned.gens.length === 0;

/** Marks the live generation dead: the record stops pointing to it. */
const retire = (gens: Generation[]): Generation[] =>
  gens.map((gen) => gen.s === "l" ? { ...gen, s: "d" } : gen);

function toRecord(envelope: Envelope, value: Uint8Array): KvRecord {
  const record: KvRecord = { value };
  if (envelope.metadata !== undefined) record.metadata = envelope.metadata;
  if (envelope.expiration !== undefined) {
    record.expiration = envelope.expiration;
  }
  return record;
}

function isLocked(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /database is locked|database is busy|SQLITE_BUSY|DatabaseBusy/i.test(
    message,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a backend call, retrying `database is locked` with jittered
 * exponential backoff. SQLite raises it for commits with checks when
 * several processes write one file.
 */
function retryLocked<T>(call: () => Promise<T>): Promise<T> {
  return call().catch(async (first) => {
    if (!isLocked(first)) throw first;
    const start = Date.now();
    let delay = 2;
    for (;;) {
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 100);
      try {
        return await call();
      } catch (error) {
        if (!isLocked(error) || Date.now() - start > LOCK_RETRY_MS) throw error;
      }
    }
  });
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let id = "";
  for (const byte of bytes) id += byte.toString(16).padStart(2, "0");
  return id;
}

/** Options of {@linkcode createDenoKvDriver}. */
export interface DenoKvDriverOptions {
  /** The first key part of every entry. */
  namespace: string;
  /** The engine's clock, epoch ms; used to turn expirations into expireIn. */
  now: () => number;
}

/** The driver plus the maintenance call the public adapter exposes. */
export interface DenoKvDriver extends KvDriver {
  sweep(options?: DenoKvSweepOptions): Promise<DenoKvSweepResult>;
}

type Atomic = ReturnType<DenoKvLike["atomic"]>;
type CommitResult = { ok: boolean; versionstamp?: string };

/**
 * Builds the Deno KV driver. See the layout at the top of this file and the
 * module documentation of adapters/deno_kv.ts.
 */
export function createDenoKvDriver(
  kv: DenoKvLike,
  options: DenoKvDriverOptions,
): DenoKvDriver {
  const ns = options.namespace;
  const now = options.now;
  const R = "r", V = "v", O = "o", C = "c";
  const rKey = (key: string): DenoKvKey => [ns, R, key];
  const vKey = (key: string): DenoKvKey => [ns, V, key];
  const oKey = (key: string): DenoKvKey => [ns, O, key];
  const cKey = (gen: string, i: number): DenoKvKey => [ns, C, gen, i];
  // Tuple encoding: a type byte, the UTF-8 bytes with each NUL doubled, a
  // terminator. Counting every namespace byte twice bounds the NULs.
  const chunkKeyBytes = 2 * utf8Length(ns) + 64;

  // Keys this process last saw holding a medium value, and, if it wrote
  // them, the versionstamp of their owned entry as it was then ({v: true},
  // no live generation). `get` reads their value entry first, and a medium
  // overwrite commits against that versionstamp directly. A stale guess
  // costs only a failed check.
  const remembered = new Map<string, string | undefined>();
  const remember = (key: string, versionstamp: string | undefined) => {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    remembered.set(key, versionstamp);
  };

  /** Real-clock deadline for Deno's reclamation of a record, epoch ms. */
  function reclaimDeadline(expiration: number | undefined) {
    if (expiration === undefined) return undefined;
    return Date.now() + Math.max(0, expiration * 1000 - now()) +
      RECLAIM_SLACK_MS;
  }

  function expireOptions(deadline: number | undefined) {
    return deadline === undefined
      ? undefined
      : { expireIn: Math.max(0, Math.ceil(deadline - Date.now())) };
  }

  function commit(build: () => Atomic): Promise<CommitResult> {
    return retryLocked(() => build().commit());
  }

  const get = (key: DenoKvKey) => retryLocked(() => kv.get(key));

  async function getMany(keys: DenoKvKey[]): Promise<DenoKvEntryMaybe[]> {
    if (keys.length <= MAX_GET_MANY) {
      return await retryLocked(() => kv.getMany(keys));
    }
    const groups: Promise<DenoKvEntryMaybe[]>[] = [];
    for (let i = 0; i < keys.length; i += MAX_GET_MANY) {
      const group = keys.slice(i, i + MAX_GET_MANY);
      groups.push(retryLocked(() => kv.getMany(group)));
    }
    return (await Promise.all(groups)).flat();
  }

  async function listAll(
    selector: Parameters<DenoKvLike["list"]>[0],
    limit: number | undefined,
    batchSize: number,
  ): Promise<DenoKvEntryMaybe[]> {
    return await retryLocked(async () => {
      const entries: DenoKvEntryMaybe[] = [];
      for await (const entry of kv.list(selector, { limit, batchSize })) {
        entries.push(entry);
      }
      return entries;
    });
  }

  /** Reads a chunked value; `undefined` when chunks are missing. */
  async function readChunks(pointer: ChunkPointer) {
    const entries = await listAll(
      { prefix: [ns, C, pointer.gen] },
      pointer.count,
      Math.min(Math.max(pointer.count, 1), 1000),
    );
    if (entries.length !== pointer.count) return undefined;
    const out = new Uint8Array(pointer.length);
    let offset = 0;
    for (let i = 0; i < entries.length; i++) {
      if (entries[i].key[3] !== i) return undefined;
      const chunk = asBytes(entries[i].value, "chunk");
      if (offset + chunk.byteLength > out.byteLength) return undefined;
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return offset === pointer.length ? out : undefined;
  }

  /**
   * Turns a record entry into a record, reading a medium value or the
   * chunks of a large one. If a concurrent overwrite removed them under
   * us, the record is read again: a reader sees one whole value, never a
   * mix.
   */
  async function resolve(
    key: string,
    entry: DenoKvEntryMaybe,
  ): Promise<KvRecord | undefined> {
    for (let attempt = 1;; attempt++) {
      if (entry.versionstamp === null) return undefined;
      const envelope = decodeEnvelope(entry.value);
      if (envelope.value !== undefined) {
        return toRecord(envelope, envelope.value);
      }
      if (envelope.medium) {
        // The owned entry's versionstamp stays unknown until a write.
        if (!remembered.has(key)) remember(key, undefined);
        const medium = await get(vKey(key));
        if (medium.versionstamp !== null) {
          const inner = decodeEnvelope(medium.value);
          return toRecord(inner, inner.value!);
        }
      } else {
        const bytes = await readChunks(envelope.chunks!);
        if (bytes !== undefined) return toRecord(envelope, bytes);
      }
      const again = await get(rKey(key));
      if (again.versionstamp === entry.versionstamp) {
        // Deno's own expiry reclaimed the value a moment before the record.
        if (envelope.expiration !== undefined) return undefined;
        throw new Error(`kvkit: the value of "${key}" is missing`);
      }
      if (attempt >= MAX_READ_ATTEMPTS) {
        throw new Error(`kvkit: "${key}" kept changing while it was read`);
      }
      entry = again;
    }
  }

  /** Reads, changes and writes a key's owned entry, atomically. */
  async function updateOwned(key: string, change: (owned: Owned) => Owned) {
    for (;;) {
      const entry = await get(oKey(key));
      const next = change(decodeOwned(entry.value));
      const { ok } = await commit(() => {
        const op = kv.atomic().check({
          key: oKey(key),
          versionstamp: entry.versionstamp,
        });
        return isEmpty(next) ? op.delete(oKey(key)) : op.set(oKey(key), encodeOwned(next));
      });
      if (ok) return;
    }
  }

  /** Deletes the chunks of generations, in commits within Deno's limits. */
  async function deleteChunks(gens: Generation[]): Promise<number> {
    const perCommit = Math.min(
      MAX_COMMIT_MUTATIONS,
      Math.floor(MAX_COMMIT_KEY_BYTES / chunkKeyBytes),
    );
    const keys: DenoKvKey[] = [];
    for (const gen of gens) {
      for (let i = 0; i < gen.n; i++) keys.push(cKey(gen.id, i));
    }
    for (let first = 0; first < keys.length; first += perCommit) {
      const batch = keys.slice(first, first + perCommit);
      await commit(() => {
        const op = kv.atomic();
        for (const key of batch) op.delete(key);
        return op;
      });
    }
    return keys.length;
  }

  /**
   * Deletes the chunks of the key's dead generations, then drops them from
   * its owned entry, and the entry itself once it owns nothing.
   */
  async function cleanup(key: string): Promise<number> {
    let deleted = 0;
    for (;;) {
      const entry = await get(oKey(key));
      if (entry.versionstamp === null) return deleted;
      const owned = decodeOwned(entry.value);
      const dead = owned.gens.filter((gen) => gen.s === "d");
      if (dead.length === 0) return deleted;
      // A dead generation never comes back, so deleting first is safe; a
      // crash here leaves it listed, and the next cleanup or sweep retries.
      deleted += await deleteChunks(dead);
      const next = { ...owned, gens: owned.gens.filter((g) => g.s !== "d") };
      const { ok } = await commit(() => {
        const op = kv.atomic().check({
          key: oKey(key),
          versionstamp: entry.versionstamp,
        });
        return isEmpty(next) ? op.delete(oKey(key)) : op.set(oKey(key), encodeOwned(next));
      });
      if (ok) return deleted;
    }
  }

  /**
   * Replaces the key's record by a small one, or deletes it. One commit
   * touching two keys when the key owns nothing else; otherwise the owned
   * entry is checked and rewritten in the same commit, the value entry
   * deleted, and dead chunks removed afterwards.
   */
  function writeSmall(
    key: string,
    write: (op: Atomic) => Atomic,
  ): Promise<void> {
    remembered.delete(key);
    const fast = () =>
      write(kv.atomic().check({ key: oKey(key), versionstamp: null }))
        .commit();
    const done = (result: CommitResult) => result.ok ? undefined : writeSmallSlowly(key, write);
    // The hot path: one commit and one promise step on top of it.
    return fast().then(done, (error) => {
      if (!isLocked(error)) throw error;
      return retryLocked(fast).then(done);
    });
  }

  async function writeSmallSlowly(
    key: string,
    write: (op: Atomic) => Atomic,
  ): Promise<void> {
    for (;;) {
      const entry = await get(oKey(key));
      const owned = decodeOwned(entry.value);
      const next = { v: false, gens: retire(owned.gens) };
      const { ok } = await commit(() => {
        const op = write(
          kv.atomic().check({
            key: oKey(key),
            versionstamp: entry.versionstamp,
          }),
        );
        if (owned.v) op.delete(vKey(key));
        if (entry.versionstamp === null) return op;
        return isEmpty(next) ? op.delete(oKey(key)) : op.set(oKey(key), encodeOwned(next));
      });
      if (ok) {
        if (next.gens.some((gen) => gen.s === "d")) await cleanup(key);
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
    key: string,
    record: Uint8Array,
    value: Uint8Array,
    deadline: number | undefined,
  ): Promise<void> {
    const write = (op: Atomic) => {
      const options = expireOptions(deadline);
      return op.set(rKey(key), record, options).set(vKey(key), value, options);
    };
    const guess = remembered.get(key);
    if (typeof guess === "string") {
      const { ok } = await commit(() =>
        write(kv.atomic().check({ key: oKey(key), versionstamp: guess }))
      );
      if (ok) return;
      remembered.delete(key);
    }
    for (;;) {
      const entry = await get(oKey(key));
      const owned = decodeOwned(entry.value);
      const retiring = owned.gens.some((gen) => gen.s === "l");
      const rewrite = !owned.v || retiring;
      const next = { v: true, gens: retire(owned.gens) };
      const result = await commit(() => {
        const op = write(
          kv.atomic().check({
            key: oKey(key),
            versionstamp: entry.versionstamp,
          }),
        );
        return rewrite ? op.set(oKey(key), encodeOwned(next)) : op;
      });
      if (!result.ok) continue;
      if (retiring) {
        await cleanup(key);
      } else {
        remember(key, rewrite ? result.versionstamp! : entry.versionstamp!);
      }
      return;
    }
  }

  /** Writes a value over the inline limit as a new generation of chunks. */
  async function putLarge(
    key: string,
    record: KvRecord,
    metadata: Uint8Array | undefined,
    deadline: number | undefined,
  ): Promise<void> {
    remembered.delete(key);
    const bytes = record.value;
    const gen = randomId();
    const count = Math.ceil(bytes.byteLength / CHUNK_BYTES);
    const mine: Generation = { id: gen, n: count, t: Date.now(), s: "p" };
    // Registered before any chunk exists, so a crash can only leave chunks
    // that the key's owned entry names.
    await updateOwned(key, (owned) => ({
      ...owned,
      gens: [...owned.gens, mine],
    }));
    try {
      await writeChunks(gen, bytes, deadline);
    } catch (error) {
      await abandon(key, gen).catch(() => {});
      throw error;
    }
    const pointer = { gen, length: bytes.byteLength, count, size: CHUNK_BYTES };
    const value = encodeEnvelope(metadata, record.expiration, undefined, pointer);
    for (;;) {
      const entry = await get(oKey(key));
      const owned = decodeOwned(entry.value);
      if (!owned.gens.some((g) => g.id === gen && g.s === "p")) {
        // A sweep took this generation for abandoned: give its chunks up.
        await deleteChunks([mine]);
        throw new Error(
          `kvkit: generation ${gen} of "${key}" was swept before it was published`,
        );
      }
      const next: Owned = {
        v: false,
        gens: retire(owned.gens).map((g) => g.id === gen ? { ...g, s: "l" as const } : g),
      };
      const { ok } = await commit(() => {
        const op = kv.atomic()
          .check({ key: oKey(key), versionstamp: entry.versionstamp })
          .set(rKey(key), value, expireOptions(deadline))
          .set(oKey(key), encodeOwned(next));
        return owned.v ? op.delete(vKey(key)) : op;
      });
      if (ok) break;
    }
    await cleanup(key);
  }

  async function abandon(key: string, gen: string): Promise<void> {
    await updateOwned(key, (owned) => ({
      ...owned,
      gens: owned.gens.map((g) => g.id === gen ? { ...g, s: "d" } : g),
    }));
    await cleanup(key);
  }

  async function writeChunks(
    gen: string,
    bytes: Uint8Array,
    deadline: number | undefined,
  ) {
    const count = Math.ceil(bytes.byteLength / CHUNK_BYTES);
    const perCommit = Math.max(
      1,
      Math.min(
        MAX_COMMIT_MUTATIONS,
        Math.floor((MAX_COMMIT_BYTES - 1024) / (CHUNK_BYTES + chunkKeyBytes)),
      ),
    );
    // One commit after another: concurrent commits measured no faster,
    // since SQLite applies them one at a time anyway.
    for (let first = 0; first < count; first += perCommit) {
      const last = Math.min(count, first + perCommit);
      await commit(() => {
        const op = kv.atomic();
        const options = expireOptions(deadline);
        for (let i = first; i < last; i++) {
          const chunk = bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES);
          op.set(cKey(gen, i), chunk, options);
        }
        return op;
      });
    }
  }

  /** Reads a small record right away; anything else through `resolve`. */
  function readRecord(key: string, entry: DenoKvEntryMaybe) {
    if (entry.versionstamp === null) return undefined;
    const envelope = decodeEnvelope(entry.value);
    if (envelope.value !== undefined) {
      return toRecord(envelope, envelope.value);
    }
    return resolve(key, entry);
  }

  const driver: DenoKvDriver = {
    get(key) {
      if (remembered.has(key)) {
        // A medium value entry is current whenever it exists.
        return get(vKey(key)).then((entry) => {
          if (entry.versionstamp === null) {
            remembered.delete(key);
            return get(rKey(key)).then((record) => resolve(key, record));
          }
          const medium = decodeEnvelope(entry.value);
          return toRecord(medium, medium.value!);
        });
      }
      const read = () => kv.get(rKey(key));
      const done = (entry: DenoKvEntryMaybe) => readRecord(key, entry);
      // The hot path: one read and one promise step on top of it.
      return read().then(done, (error) => {
        if (!isLocked(error)) throw error;
        return retryLocked(read).then(done);
      });
    },

    async getMany(keys) {
      const entries = await getMany(keys.map(rKey));
      return await Promise.all(keys.map((key, i) => resolve(key, entries[i])));
    },

    put(key, record) {
      const metadata = record.metadata === undefined ? undefined : encoder.encode(record.metadata);
      const expiration = record.expiration;
      const deadline = reclaimDeadline(expiration);
      const value = record.value;
      if (value.byteLength <= SMALL_VALUE_BYTES) {
        const inline = encodeEnvelope(metadata, expiration, value, undefined);
        return writeSmall(
          key,
          (op) => op.set(rKey(key), inline, expireOptions(deadline)),
        );
      }
      const size = headerLength(metadata, expiration) + value.byteLength;
      if (size <= MAX_DENO_VALUE) {
        return putMedium(
          key,
          encodeEnvelope(metadata, expiration, undefined, undefined),
          encodeEnvelope(metadata, expiration, value, undefined),
          deadline,
        );
      }
      return putLarge(key, record, metadata, deadline);
    },

    delete(key) {
      return writeSmall(key, (op) => op.delete(rKey(key)));
    },

    async list(prefix, after, limit) {
      // A string range, never Deno's tuple `prefix`, so that "ab" matches
      // "abc"; an `after` outside the prefix is clamped into it.
      const start: DenoKvKey = after !== undefined && compareKeys(after, prefix) >= 0
        ? [ns, R, `${after}\u0000`]
        : [ns, R, prefix];
      const endKey = prefixEnd(prefix);
      if (
        endKey !== undefined && compareKeys(start[2] as string, endKey) >= 0
      ) {
        return [];
      }
      const selector = endKey === undefined
        ? { prefix: [ns, R], start }
        : { start, end: [ns, R, endKey] };
      const entries = await listAll(selector, limit, Math.min(limit, 1000));
      const infos: KvKeyInfo[] = [];
      for (const entry of entries) {
        const envelope = decodeEnvelope(entry.value);
        const info: KvKeyInfo = { name: entry.key[2] as string };
        if (envelope.metadata !== undefined) info.metadata = envelope.metadata;
        if (envelope.expiration !== undefined) {
          info.expiration = envelope.expiration;
        }
        infos.push(info);
      }
      return infos;
    },

    async deleteExpired(keys, nowMs) {
      const entries = await getMany(keys.map(rKey));
      const small: { key: string; versionstamp: string }[] = [];
      const owning: string[] = [];
      for (let i = 0; i < keys.length; i++) {
        const entry = entries[i];
        if (entry.versionstamp === null) continue;
        const envelope = decodeEnvelope(entry.value);
        if (!isExpired(envelope.expiration, nowMs)) continue;
        if (envelope.value !== undefined) {
          small.push({ key: keys[i], versionstamp: entry.versionstamp });
        } else {
          owning.push(keys[i]);
        }
      }
      // The versionstamp check lets a concurrent fresh write survive.
      const deleteSmall = async (batch: typeof small) => {
        const { ok } = await commit(() => {
          const op = kv.atomic();
          for (const { key, versionstamp } of batch) {
            op.check({ key: rKey(key), versionstamp }).delete(rKey(key));
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
      for (const key of owning) work.push(deleteExpiredOwning(key, nowMs));
      await Promise.all(work);
    },

    sweep,
  };

  /** Deletes an expired medium or large value and what it owns. */
  async function deleteExpiredOwning(key: string, nowMs: number) {
    remembered.delete(key);
    for (;;) {
      const [record, owned] = await getMany([rKey(key), oKey(key)]);
      if (record.versionstamp === null) return;
      const envelope = decodeEnvelope(record.value);
      if (!isExpired(envelope.expiration, nowMs)) return;
      const current = decodeOwned(owned.value);
      const next = { v: false, gens: retire(current.gens) };
      const { ok } = await commit(() => {
        const op = kv.atomic()
          .check({ key: rKey(key), versionstamp: record.versionstamp })
          .check({ key: oKey(key), versionstamp: owned.versionstamp })
          .delete(rKey(key))
          .delete(vKey(key));
        return isEmpty(next) ? op.delete(oKey(key)) : op.set(oKey(key), encodeOwned(next));
      });
      if (ok) {
        await cleanup(key);
        return;
      }
    }
  }

  /**
   * Marks abandoned and stale generations of every key dead, then removes
   * their chunks. A generation is stale when it is listed live but the
   * record no longer points to it (Deno's expiry removed the record). An
   * owned entry that still claims a value entry the record no longer has
   * is corrected too.
   */
  async function sweep(
    sweepOptions: DenoKvSweepOptions = {},
  ): Promise<DenoKvSweepResult> {
    const grace = sweepOptions.graceMs ?? DEFAULT_SWEEP_GRACE_MS;
    if (!(grace >= 0)) {
      throw new RangeError(`graceMs must be >= 0, got ${grace}`);
    }
    const result: DenoKvSweepResult = { keys: 0, generations: 0, chunks: 0 };
    const entries = await listAll({ prefix: [ns, O] }, undefined, 500);
    for (const { key: ownedKey } of entries) {
      const key = ownedKey[2] as string;
      for (;;) {
        const [record, owned] = await getMany([rKey(key), oKey(key)]);
        if (owned.versionstamp === null) break;
        const envelope = record.versionstamp === null ? undefined : decodeEnvelope(record.value);
        const live = envelope?.chunks?.gen;
        const cutoff = Date.now() - grace;
        const current = decodeOwned(owned.value);
        let swept = 0;
        const gens = current.gens.map((gen): Generation => {
          if (gen.id === live || gen.s === "d") return gen;
          if (gen.s === "l" || gen.t <= cutoff) {
            swept++;
            return { ...gen, s: "d" };
          }
          return gen;
        });
        const v = current.v && envelope?.medium === true;
        const dead = gens.filter((gen) => gen.s === "d").length;
        if (swept > 0 || v !== current.v) {
          const next = { v, gens };
          const { ok } = await commit(() => {
            const op = kv.atomic()
              .check({ key: rKey(key), versionstamp: record.versionstamp })
              .check({ key: oKey(key), versionstamp: owned.versionstamp });
            return isEmpty(next) ? op.delete(oKey(key)) : op.set(oKey(key), encodeOwned(next));
          });
          if (!ok) continue;
        }
        if (dead > 0) {
          result.keys++;
          result.generations += dead;
          result.chunks += await cleanup(key);
        }
        break;
      }
    }
    return result;
  }

  return driver;
}
