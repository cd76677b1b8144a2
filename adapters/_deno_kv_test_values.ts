// Self-checking values for the Deno KV adapter's multi-process tests: the
// first 8 bytes hold a sequence number, the rest a pattern derived from it,
// so a torn or mixed value is always detected.

/** A value of `length` bytes (at least 8) for sequence number `seq`. */
export function sequenced(seq: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  new DataView(bytes.buffer).setFloat64(0, seq);
  for (let i = 8; i < length; i++) {
    bytes[i] = (seq * 131 + i * 7 + (i >> 12)) & 255;
  }
  return bytes;
}

/** The sequence number of a whole value, or `undefined` if it is torn. */
export function sequenceOf(
  bytes: Uint8Array,
  length?: number,
): number | undefined {
  if (bytes.byteLength < 8) return undefined;
  if (length !== undefined && bytes.byteLength !== length) return undefined;
  const seq = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .getFloat64(0);
  for (let i = 8; i < bytes.byteLength; i++) {
    if (bytes[i] !== ((seq * 131 + i * 7 + (i >> 12)) & 255)) return undefined;
  }
  return seq;
}

/**
 * The size the crash test writes for a sequence number: small (in the
 * record), medium (in a value entry) or large (1-3 MiB of chunks).
 */
export function crashSize(seq: number): number {
  if (seq % 4 === 3) return 100 + (seq % 50);
  if (seq % 4 === 2) return 2000 + (seq * 7919) % 60_000;
  return 1024 * 1024 + (seq * 7919) % (2 * 1024 * 1024);
}
