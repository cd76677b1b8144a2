// The bytes kvkit stores in Deno KV, as pure functions: the envelope of a
// record or medium value entry, and the owned entry. Private; which key
// holds which is in the storage layout table of deno_kv.ts.
//
// An envelope is a header, then what the flags say follows it:
//   byte 0        FORMAT
//   byte 1        flags: HAS_EXPIRATION | HAS_METADATA | CHUNKED | MEDIUM |
//                 LEADING_BOMS
//   1 byte        how many U+FEFF the key starts with (if LEADING_BOMS)
//   8 bytes       the expiration, a float64 in seconds (if HAS_EXPIRATION)
//   4 + n bytes   the metadata's UTF-8 length and bytes (if HAS_METADATA)
//   then          with CHUNKED, a ChunkPointer: length, count, size (uint32
//                 each), the id's byte length (uint8) and UTF-8 bytes; with
//                 MEDIUM, nothing; otherwise the value itself
// Numbers are big-endian. An owned entry is FORMAT, then an Owned as JSON.

/** The version byte that starts every envelope and owned entry. */
const FORMAT = 1;
/** Flags of an envelope's second byte. */
const HAS_EXPIRATION = 1;
const HAS_METADATA = 2;
const CHUNKED = 4;
const MEDIUM = 8;
/**
 * The key starts with U+FEFF. npm @deno/kv 0.14 decodes key parts with a
 * TextDecoder that drops one leading U+FEFF, so a listed name can lose it;
 * the count in the record puts back what was dropped, on any runtime.
 */
const LEADING_BOMS = 16;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** Where a large value's chunks are: part of its record. */
export interface ChunkPointer {
  /** The generation's id, a key part of its chunks. */
  gen: string;
  /** The value's length in bytes. */
  length: number;
  /** The number of chunks. */
  count: number;
  /** Bytes per chunk (the last may be shorter), as written. */
  size: number;
}

/** A decoded record or medium value entry. */
export interface Envelope {
  /** Absolute expiry in seconds since the epoch, absent when none. */
  expiration?: number;
  /** Metadata as JSON text, absent when none. */
  metadata?: string;
  /** The value, for small records and medium value entries. */
  value?: Uint8Array;
  /** The record of a medium value: the value is in its value entry. */
  medium?: boolean;
  /** The record of a large value: where its chunks are. */
  chunks?: ChunkPointer;
  /** How many U+FEFF the record's key starts with, when any. */
  boms?: number;
}

/**
 * A generation of chunks, as a key's owned entry lists it. The field names
 * are short because they are stored, once per generation.
 */
export interface Generation {
  /** Id: a key part of its chunks. */
  id: string;
  /** Number of chunks written (or to be written) under it. */
  n: number;
  /** Real time of registration, epoch ms; `sweep` compares it to its grace. */
  t: number;
  /** State: pending (being written), live (published) or dead (to delete). */
  s: "p" | "l" | "d";
}

/** What a key owns beyond its record: the stored owned entry. */
export interface Owned {
  /** Value: a medium value entry may exist. */
  v: boolean;
  /** Generations of chunks, in the order they were registered. */
  gens: Generation[];
}

/** The byte length of the header for this metadata, expiration and key. */
export function headerLength(
  metadata: Uint8Array | undefined,
  expiration: number | undefined,
  boms = 0,
): number {
  return 2 + (boms === 0 ? 0 : 1) + (expiration === undefined ? 0 : 8) +
    (metadata === undefined ? 0 : 4 + metadata.byteLength);
}

/** How many U+FEFF a key starts with: almost always none. */
export function leadingBoms(key: string): number {
  let count = 0;
  while (key.charCodeAt(count) === 0xfeff) count++;
  return count;
}

/**
 * A listed key name as stored: `name` as the backend decoded it, with the
 * leading U+FEFF it dropped put back.
 */
export function restoreBoms(name: string, boms: number | undefined): string {
  if (boms === undefined) return name;
  const missing = boms - leadingBoms(name);
  return missing > 0 ? "\uFEFF".repeat(missing) + name : name;
}

/** Writes the shared header; returns the offset after it. */
export function writeHeader(
  out: Uint8Array,
  view: DataView,
  flags: number,
  metadata: Uint8Array | undefined,
  expiration: number | undefined,
  boms = 0,
): number {
  out[0] = FORMAT;
  out[1] = flags | (expiration === undefined ? 0 : HAS_EXPIRATION) |
    (metadata === undefined ? 0 : HAS_METADATA) | (boms === 0 ? 0 : LEADING_BOMS);
  let offset = 2;
  if (boms !== 0) out[offset++] = boms;
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
 * `chunks`, a pointer; with neither, a medium record's header. `boms` is
 * the number of U+FEFF the key starts with ({@linkcode leadingBoms}).
 */
export function encodeEnvelope(
  metadata: Uint8Array | undefined,
  expiration: number | undefined,
  value: Uint8Array | undefined,
  chunks: ChunkPointer | undefined,
  boms = 0,
): Uint8Array {
  const header = headerLength(metadata, expiration, boms);
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
  const offset = writeHeader(out, view, kind, metadata, expiration, boms);
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

/** `value` if it is a Uint8Array; a TypeError naming `what` otherwise. */
export function asBytes(value: unknown, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new TypeError(
      `kvkit: ${what} is not a kvkit record (not a Uint8Array)`,
    );
  }
  return value;
}

/** Decodes a stored record or medium value entry. */
export function decodeEnvelope(raw: unknown): Envelope {
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
  if (flags & LEADING_BOMS) envelope.boms = out[offset++];
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

/** What `list` needs of a record: its header, never its value. */
export interface Listed {
  /** Absolute expiry in seconds since the epoch, absent when none. */
  expiration?: number;
  /** Metadata as JSON text, absent when none. */
  metadata?: string;
  /** How many U+FEFF the record's key starts with, when any. */
  boms?: number;
}

const NOTHING_LISTED: Listed = Object.freeze({});

/**
 * Decodes only a record's header: the common record (no expiration, no
 * metadata) costs two byte reads and no allocation.
 */
export function decodeListed(raw: unknown): Listed {
  const bytes = asBytes(raw, "stored value");
  if (bytes.byteLength < 2 || bytes[0] !== FORMAT) {
    throw new TypeError(`kvkit: unknown record format ${bytes[0]}`);
  }
  if ((bytes[1] & (HAS_EXPIRATION | HAS_METADATA | LEADING_BOMS)) === 0) return NOTHING_LISTED;
  const { expiration, metadata, boms } = decodeEnvelope(bytes);
  return { expiration, metadata, boms };
}

/** Encodes an owned entry. */
export function encodeOwned(owned: Owned): Uint8Array {
  const json = encoder.encode(JSON.stringify(owned));
  const out = new Uint8Array(json.byteLength + 1);
  out[0] = FORMAT;
  out.set(json, 1);
  return out;
}

/** Decodes an owned entry; a missing one (`null`) owns nothing. */
export function decodeOwned(raw: unknown): Owned {
  if (raw === null || raw === undefined) return { v: false, gens: [] };
  const bytes = asBytes(raw, "owned entry");
  if (bytes[0] !== FORMAT) {
    throw new TypeError(`kvkit: unknown owned entry format ${bytes[0]}`);
  }
  return JSON.parse(decoder.decode(bytes.subarray(1))) as Owned;
}

/** Whether the key owns nothing, so its owned entry can go. */
export const isEmpty = (owned: Owned): boolean => !owned.v && owned.gens.length === 0;

/** Marks the live generation dead: the record stops pointing to it. */
export const retire = (gens: Generation[]): Generation[] =>
  gens.map((gen) => gen.s === "l" ? { ...gen, s: "d" } : gen);
