// Large values: the chunked-generation protocol of the Deno KV driver.
// Private; the storage layout is in the module docs of deno_kv.ts.
//
// A large value is written as chunks under a fresh generation id, which is
// registered in the key's owned entry (pending) before any chunk exists,
// and published by one commit that points the record to it and marks it
// live, checked against the owned entry. Overwrites and deletes mark the
// live generation dead; `cleanup` deletes dead generations' chunks, then
// drops them from the owned entry. So the owned entry always names every
// chunk a key may have, and a crash leaves only chunks it names, which a
// later cleanup or sweep removes.

import {
  CHUNK_BYTES,
  type DenoKvKey,
  MAX_COMMIT_BYTES,
  MAX_COMMIT_KEY_BYTES,
  MAX_COMMIT_MUTATIONS,
} from "./_deno_kv_handle.ts";
import {
  asBytes,
  type ChunkPointer,
  decodeOwned,
  encodeEnvelope,
  encodeOwned,
  type Generation,
  leadingBoms,
  type Owned,
  retire,
} from "./_deno_kv_envelope.ts";
import { type DriverState, expireOptions, writeOwned } from "./_deno_kv_state.ts";

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let id = "";
  for (const byte of bytes) id += byte.toString(16).padStart(2, "0");
  return id;
}

/** Writes a value over the inline limit as a new generation of chunks. */
export async function putLarge(
  state: DriverState,
  key: string,
  bytes: Uint8Array,
  expiration: number | undefined,
  metadata: Uint8Array | undefined,
  deadline: number | undefined,
): Promise<void> {
  const { kv, keys } = state;
  state.remembered.delete(key);
  const gen = randomId();
  const count = Math.ceil(bytes.byteLength / CHUNK_BYTES);
  const mine: Generation = { id: gen, n: count, t: Date.now(), s: "p" };
  // Registered before any chunk exists, so a crash can only leave chunks
  // that the key's owned entry names.
  await updateOwned(state, key, (owned) => ({
    ...owned,
    gens: [...owned.gens, mine],
  }));
  try {
    await writeChunks(state, gen, bytes, deadline);
  } catch (error) {
    await abandon(state, key, gen).catch(() => {});
    throw error;
  }
  const pointer = { gen, length: bytes.byteLength, count, size: CHUNK_BYTES };
  const value = encodeEnvelope(metadata, expiration, undefined, pointer, leadingBoms(key));
  for (;;) {
    const entry = await state.get(keys.owned(key));
    const owned = decodeOwned(entry.value);
    if (!owned.gens.some((g) => g.id === gen && g.s === "p")) {
      // A sweep took this generation for abandoned: give its chunks up.
      await deleteChunks(state, [mine]);
      throw new Error(
        `kvkit: generation ${gen} of "${key}" was swept before it was published`,
      );
    }
    const next: Owned = {
      v: false,
      gens: retire(owned.gens).map((g) => g.id === gen ? { ...g, s: "l" as const } : g),
    };
    const { ok } = await state.commit(() => {
      const op = kv.atomic()
        .check({ key: keys.owned(key), versionstamp: entry.versionstamp })
        .set(keys.record(key), value, expireOptions(deadline))
        .set(keys.owned(key), encodeOwned(next));
      return owned.v ? op.delete(keys.value(key)) : op;
    });
    if (ok) break;
  }
  await cleanup(state, key);
}

/** Gives up a generation whose chunks could not all be written. */
async function abandon(state: DriverState, key: string, gen: string): Promise<void> {
  await updateOwned(state, key, (owned) => ({
    ...owned,
    gens: owned.gens.map((g) => g.id === gen ? { ...g, s: "d" } : g),
  }));
  await cleanup(state, key);
}

async function writeChunks(
  { kv, keys, commit }: DriverState,
  gen: string,
  bytes: Uint8Array,
  deadline: number | undefined,
): Promise<void> {
  const count = Math.ceil(bytes.byteLength / CHUNK_BYTES);
  const perCommit = Math.max(
    1,
    Math.min(
      MAX_COMMIT_MUTATIONS,
      Math.floor((MAX_COMMIT_BYTES - 1024) / (CHUNK_BYTES + keys.chunkKeyBytes)),
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
        op.set(keys.chunk(gen, i), chunk, options);
      }
      return op;
    });
  }
}

/** Reads a chunked value; `undefined` when chunks are missing. */
export async function readChunks(
  { keys, listAll }: DriverState,
  pointer: ChunkPointer,
): Promise<Uint8Array | undefined> {
  const entries = await listAll(
    { prefix: keys.chunks(pointer.gen) },
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

/** Reads, changes and writes a key's owned entry, atomically. */
async function updateOwned(
  { kv, keys, get, commit }: DriverState,
  key: string,
  change: (owned: Owned) => Owned,
): Promise<void> {
  for (;;) {
    const entry = await get(keys.owned(key));
    const next = change(decodeOwned(entry.value));
    const { ok } = await commit(() => {
      const op = kv.atomic().check({
        key: keys.owned(key),
        versionstamp: entry.versionstamp,
      });
      return writeOwned(op, keys.owned(key), next);
    });
    if (ok) return;
  }
}

/** Deletes the chunks of generations, in commits within Deno's limits. */
async function deleteChunks(
  { kv, keys, commit }: DriverState,
  gens: Generation[],
): Promise<number> {
  const perCommit = Math.min(
    MAX_COMMIT_MUTATIONS,
    Math.floor(MAX_COMMIT_KEY_BYTES / keys.chunkKeyBytes),
  );
  const chunks: DenoKvKey[] = [];
  for (const gen of gens) {
    for (let i = 0; i < gen.n; i++) chunks.push(keys.chunk(gen.id, i));
  }
  for (let first = 0; first < chunks.length; first += perCommit) {
    const batch = chunks.slice(first, first + perCommit);
    await commit(() => {
      const op = kv.atomic();
      for (const key of batch) op.delete(key);
      return op;
    });
  }
  return chunks.length;
}

/**
 * Deletes the chunks of the key's dead generations, then drops them from
 * its owned entry, and the entry itself once it owns nothing. Returns the
 * number of chunk keys deleted.
 */
export async function cleanup(state: DriverState, key: string): Promise<number> {
  const { kv, keys } = state;
  let deleted = 0;
  for (;;) {
    const entry = await state.get(keys.owned(key));
    if (entry.versionstamp === null) return deleted;
    const owned = decodeOwned(entry.value);
    const dead = owned.gens.filter((gen) => gen.s === "d");
    if (dead.length === 0) return deleted;
    // A dead generation never comes back, so deleting first is safe; a
    // crash here leaves it listed, and the next cleanup or sweep retries.
    deleted += await deleteChunks(state, dead);
    const next = { ...owned, gens: owned.gens.filter((g) => g.s !== "d") };
    const { ok } = await state.commit(() => {
      const op = kv.atomic().check({
        key: keys.owned(key),
        versionstamp: entry.versionstamp,
      });
      return writeOwned(op, keys.owned(key), next);
    });
    if (ok) return deleted;
  }
}
