// Reading a value whole in the Deno KV driver: a small one from its record,
// a medium one from its value entry, a large one from its chunks, reading
// the record again when a concurrent overwrite moved the value away.
// Private; the storage layout is in the module docs of deno_kv.ts.

import type { KvRecord } from "../kv_driver.ts";
import { type DenoKvEntryMaybe, MAX_READ_ATTEMPTS } from "./_deno_kv_handle.ts";
import { decodeEnvelope, type Envelope } from "./_deno_kv_envelope.ts";
import type { DriverState } from "./_deno_kv_state.ts";
import { readChunks } from "./_deno_kv_chunks.ts";

/** The record a decoded envelope and its value stand for. */
export function toRecord(envelope: Envelope, value: Uint8Array): KvRecord {
  const record: KvRecord = { value };
  if (envelope.metadata !== undefined) record.metadata = envelope.metadata;
  if (envelope.expiration !== undefined) {
    record.expiration = envelope.expiration;
  }
  return record;
}

/** Reads a small record right away; anything else through `resolve`. */
export function readRecord(
  state: DriverState,
  key: string,
  entry: DenoKvEntryMaybe,
): KvRecord | undefined | Promise<KvRecord | undefined> {
  if (entry.versionstamp === null) return undefined;
  const envelope = decodeEnvelope(entry.value);
  if (envelope.value !== undefined) {
    return toRecord(envelope, envelope.value);
  }
  return resolve(state, key, entry);
}

/**
 * Reads a key this driver saw holding a medium value: its value entry,
 * which is current whenever it exists, and the record only when it does
 * not (the key no longer holds a medium value).
 */
export function readRemembered(
  state: DriverState,
  key: string,
): Promise<KvRecord | undefined> {
  const { keys, get } = state;
  return get(keys.value(key)).then((entry) => {
    if (entry.versionstamp === null) {
      state.remembered.delete(key);
      return get(keys.record(key)).then((record) => resolve(state, key, record));
    }
    const medium = decodeEnvelope(entry.value);
    return toRecord(medium, medium.value!);
  });
}

/**
 * Turns a record entry into a record, reading a medium value or the
 * chunks of a large one. If a concurrent overwrite removed them under
 * us, the record is read again: a reader sees one whole value, never a
 * mix.
 */
export async function resolve(
  state: DriverState,
  key: string,
  entry: DenoKvEntryMaybe,
): Promise<KvRecord | undefined> {
  const { keys, get } = state;
  for (let attempt = 1;; attempt++) {
    if (entry.versionstamp === null) return undefined;
    const envelope = decodeEnvelope(entry.value);
    if (envelope.value !== undefined) {
      return toRecord(envelope, envelope.value);
    }
    if (envelope.medium) {
      // The owned entry's versionstamp stays unknown until a write.
      if (!state.remembered.has(key)) state.remember(key, undefined);
      const medium = await get(keys.value(key));
      if (medium.versionstamp !== null) {
        const inner = decodeEnvelope(medium.value);
        return toRecord(inner, inner.value!);
      }
    } else {
      const bytes = await readChunks(state, envelope.chunks!);
      // Assembled for this read alone: the engine may hand it over uncopied.
      if (bytes !== undefined) return { ...toRecord(envelope, bytes), fresh: true };
    }
    const again = await get(keys.record(key));
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
