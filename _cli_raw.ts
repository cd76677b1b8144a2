// A dump entry too large to parse whole: its object is read member by
// member from the bytes as they came in, and a long "value" string is
// kept as its raw JSON bytes (a RawString), turned straight into value
// bytes later, slice by slice. So a 25 MiB value costs about its own size
// in memory, not the several copies that decoding the whole entry and
// JSON.parse would make. Anything unusual in such an entry makes the
// reader fall back to JSON.parse, which then gives the exact error.
// Private to the CLI.

import { fromBase64 } from "./_cli_base64.ts";
import { textValue } from "./_codec.ts";

/** Entries at least this large are read member by member. */
export const LARGE_ENTRY_BYTES = 1024 * 1024;

/** Bytes of a raw string turned into value bytes at a time. */
const SLICE_BYTES = 256 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

/** A JSON string as the bytes between its quotes, escapes and all. */
export class RawString {
  /** The bytes, in pieces, as they came in. */
  readonly parts: readonly Uint8Array[];
  /** Their total length. */
  readonly length: number;

  /**
   * @param parts The bytes between the quotes.
   * @param length Their total length.
   */
  constructor(parts: readonly Uint8Array[], length: number) {
    this.parts = parts;
    this.length = length;
  }

  /** The bytes in one piece (a copy, when they came in several). */
  bytes(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0];
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part, offset);
      offset += part.byteLength;
    }
    return out;
  }

  /** The bytes in slices of at most `size`, each with whether it is the last. */
  *#slices(size: number): Generator<[Uint8Array, boolean]> {
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i];
      for (let at = 0; at < part.byteLength; at += size) {
        const last = i === this.parts.length - 1 && at + size >= part.byteLength;
        yield [part.subarray(at, at + size), last];
      }
    }
  }

  /**
   * The string's value in pieces, each with whether it is the last: the
   * raw bytes are read in slices, each cut between escapes and unescaped
   * by `JSON.parse`, so every rule of JSON strings applies. A high
   * surrogate at a piece's end waits for the next piece, which may hold
   * its low half (`\uD83D` `\uDE00` cut apart).
   */
  *#text(slice: number): Generator<[string, boolean]> {
    let pending = "";
    let carry = "";
    const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    for (const [bytes, last] of this.#slices(slice)) {
      pending += decoder.decode(bytes, { stream: !last });
      let cut = pending.length;
      if (!last) {
        // Never cut inside an escape: keep an unfinished one for later.
        for (let at = 0, b = pending.indexOf("\\"); b >= 0; b = pending.indexOf("\\", at)) {
          at = b + (pending[b + 1] === "u" ? 6 : 2);
          if (at > pending.length) {
            cut = b;
            break;
          }
        }
      }
      let piece = carry + (JSON.parse(`"${pending.slice(0, cut)}"`) as string);
      pending = pending.slice(cut);
      carry = "";
      const tail = piece.charCodeAt(piece.length - 1);
      if (!last && tail >= 0xd800 && tail <= 0xdbff) {
        carry = piece.slice(-1);
        piece = piece.slice(0, -1);
      }
      yield [piece, last];
    }
    if (this.length === 0) yield ["", true];
  }

  /**
   * The string's value as the bytes a text value is stored as: each
   * piece as the engine stores text (`textValue`: UTF-8, or WTF-8 for a
   * lone surrogate), so the bytes are those of a put of the whole string.
   */
  utf8(slice: number = SLICE_BYTES): Uint8Array {
    // Unescaping never makes a string longer in UTF-8.
    const out = new Uint8Array(this.length);
    let written = 0;
    for (const [piece] of this.#text(slice)) {
      const value = textValue(piece);
      if (typeof value === "string") {
        written += encoder.encodeInto(value, out.subarray(written)).written;
      } else {
        out.set(value, written);
        written += value.byteLength;
      }
    }
    return out.subarray(0, written);
  }

  /**
   * The string's value read as base64, as `Uint8Array.fromBase64` reads
   * it whole (ASCII whitespace skipped, a loose last group): piece by
   * piece, each but the last cut to whole 4-character groups. Padding
   * ends a valid value, so from the first `=` on the rest is read as one
   * last piece, and fails as it would whole.
   */
  base64(slice: number = SLICE_BYTES): Uint8Array {
    const out = new Uint8Array(Math.floor(this.length / 4) * 3 + 3);
    let written = 0;
    let pending = "";
    let padded = false;
    for (const [piece, last] of this.#text(slice)) {
      const text = pending + piece.replace(/[\t\n\f\r ]/g, "");
      padded ||= text.includes("=");
      if (padded && !last) {
        pending = text;
        continue;
      }
      const whole = last ? text.length : text.length - (text.length % 4);
      const decoded = fromBase64(text.slice(0, whole));
      out.set(decoded, written);
      written += decoded.byteLength;
      pending = text.slice(whole);
    }
    return out.subarray(0, written);
  }

  /**
   * Frees the memory of the pieces that fill a buffer of their own (the
   * reads in the middle of a large entry), once the value has been
   * turned into bytes: nothing else can use them.
   */
  release(): void {
    for (const part of this.parts) {
      if (part.byteOffset === 0 && part.byteLength === part.buffer.byteLength) release(part);
    }
  }
}

type Transferable = ArrayBufferLike & { transfer?(length: number): ArrayBuffer };

/**
 * Frees the memory behind `bytes` now, rather than at the next garbage
 * collection, by detaching their buffer (`ArrayBuffer#transfer`, where
 * the runtime has it). Only for bytes whose buffer nothing else uses.
 */
export function release(bytes: Uint8Array): void {
  const buffer = bytes.buffer as Transferable;
  if (typeof buffer.transfer === "function" && buffer.byteLength > 0) buffer.transfer(0);
}

/**
 * Whether raw string bytes are what JSON.parse would take: UTF-8, with no
 * control character unescaped.
 */
function isJsonString(pieces: readonly Uint8Array[]): boolean {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      for (let at = 0; at < piece.byteLength; at += SLICE_BYTES) {
        const last = i === pieces.length - 1 && at + SLICE_BYTES >= piece.byteLength;
        const text = decoder.decode(piece.subarray(at, at + SLICE_BYTES), { stream: !last });
        // deno-lint-ignore no-control-regex
        if (/[\x00-\x1f]/.test(text)) return false;
      }
    }
    return true;
  } catch {
    return false;
  }
}

/** Bytes in pieces, read with one offset across them. */
class Pieces {
  readonly #parts: readonly Uint8Array[];
  readonly #starts: number[] = [];
  readonly length: number;
  #part = 0;

  constructor(parts: readonly Uint8Array[]) {
    this.#parts = parts;
    let offset = 0;
    for (const part of parts) {
      this.#starts.push(offset);
      offset += part.byteLength;
    }
    this.length = offset;
  }

  #find(at: number): number {
    while (this.#part > 0 && this.#starts[this.#part] > at) this.#part--;
    while (
      this.#part < this.#parts.length - 1 && this.#starts[this.#part + 1] <= at
    ) this.#part++;
    return this.#part;
  }

  at(at: number): number {
    const part = this.#find(at);
    return this.#parts[part][at - this.#starts[part]];
  }

  /** The first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from: number): number {
    for (let part = this.#find(from); part < this.#parts.length; part++) {
      const start = this.#starts[part];
      const found = this.#parts[part].indexOf(byte, Math.max(0, from - start));
      if (found >= 0) return start + found;
    }
    return -1;
  }

  /** The bytes from `start` to `end`, as pieces of the parts. */
  pieces(start: number, end: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let part = this.#find(start); part < this.#parts.length && start < end; part++) {
      const base = this.#starts[part];
      const bytes = this.#parts[part];
      const from = Math.max(0, start - base);
      const to = Math.min(bytes.byteLength, end - base);
      if (to > from) out.push(bytes.subarray(from, to));
      if (base + bytes.byteLength >= end) break;
    }
    return out;
  }

  /** The text from `start` to `end`, strictly UTF-8. */
  text(start: number, end: number): string {
    const pieces = this.pieces(start, end);
    const joined = pieces.length === 1 ? pieces[0] : new RawString(pieces, end - start).bytes();
    return strict.decode(joined);
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/** Where the string starting with the quote at `start` ends (its closing quote). */
function stringEnd(bytes: Pieces, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, at);
    if (quote < 0) throw new SyntaxError("unterminated string");
    let backslashes = 0;
    while (bytes.at(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** Where the value starting at `start` ends: after it, at top level. */
function valueEnd(bytes: Pieces, start: number): number {
  let depth = 0;
  for (let at = start; at < bytes.length; at++) {
    const byte = bytes.at(at);
    if (byte === QUOTE) {
      at = stringEnd(bytes, at);
      if (depth === 0) return at + 1;
    } else if (byte === 0x7b || byte === 0x5b) depth++;
    else if (byte === 0x7d || byte === 0x5d) {
      if (depth === 0) return at;
      if (--depth === 0) return at + 1;
    } else if (depth === 0 && (byte === 0x2c || isSpace(byte))) return at;
  }
  return bytes.length;
}

/**
 * Reads a large entry's object member by member, with its "value" string
 * kept raw when it is long. `undefined` when the entry is anything but a
 * well-formed object, so that the caller's JSON.parse reports the error.
 */
export function parseLargeObject(
  parts: readonly Uint8Array[],
  rawBytes: number = LARGE_ENTRY_BYTES / 2,
): object | undefined {
  const bytes = new Pieces(parts);
  const out: Record<string, unknown> = {};
  let at = 0;
  const skip = () => {
    while (at < bytes.length && isSpace(bytes.at(at))) at++;
  };
  try {
    skip();
    if (bytes.at(at++) !== 0x7b) return undefined;
    skip();
    if (bytes.at(at) === 0x7d) return end(bytes, at + 1, out);
    for (;;) {
      if (bytes.at(at) !== QUOTE) return undefined;
      const nameEnd = stringEnd(bytes, at);
      const name = JSON.parse(bytes.text(at, nameEnd + 1)) as string;
      at = nameEnd + 1;
      skip();
      if (bytes.at(at++) !== 0x3a) return undefined;
      skip();
      let value: unknown;
      const first = bytes.at(at);
      if (first === QUOTE && name === "value") {
        const close = stringEnd(bytes, at);
        if (close - at - 1 >= rawBytes) {
          const pieces = bytes.pieces(at + 1, close);
          if (!isJsonString(pieces)) return undefined;
          value = new RawString(pieces, close - at - 1);
        } else {
          value = JSON.parse(bytes.text(at, close + 1));
        }
        at = close + 1;
      } else {
        const close = valueEnd(bytes, at);
        value = JSON.parse(bytes.text(at, close));
        at = close;
      }
      // As JSON.parse does: the last of a repeated name wins, and
      // "__proto__" is a plain property.
      Object.defineProperty(out, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      skip();
      const next = bytes.at(at++);
      if (next === 0x7d) return end(bytes, at, out);
      if (next !== 0x2c) return undefined;
      skip();
    }
  } catch {
    return undefined;
  }
}

function end(bytes: Pieces, at: number, out: object): object | undefined {
  for (; at < bytes.length; at++) if (!isSpace(bytes.at(at))) return undefined;
  return out;
}
