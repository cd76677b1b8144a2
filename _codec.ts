// The value codec: what a put value becomes in a record, and what a record
// value becomes for each read type. Private to the engine and the Workers
// wrapper.
//
// Text stays text: a string value is kept as the (well-formed) string and
// turned into bytes only when it is read as bytes. Binary values are copied
// at the call into a buffer of their own, so no caller can reach stored
// bytes, and nothing pins a larger buffer.

import { KvError } from "./errors.ts";
import { isWellFormed, utf8Length } from "./keys.ts";
import { KV_LIMITS } from "./limits.ts";

const MAX_VALUE_BYTES = KV_LIMITS.maxValueBytes;

/** workerd's text for a value of a type `put` does not take. */
export const PUT_VALUE_TYPES =
  "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.";

const UNKNOWN_TYPE =
  'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".';

const encoder = new TextEncoder();
// Workers' single-key text decode keeps a leading BOM.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** A put value reduced to what a record holds, or a stream still to read. */
export type PutValue = string | Uint8Array | ReadableStream<unknown>;

const byteLengthOf = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;

/**
 * True only for a real `ArrayBuffer`. `instanceof` also accepts a Proxy of
 * one and objects made from its prototype, which workerd rejects; the
 * `byteLength` getter throws for anything but a real one.
 */
export function isArrayBuffer(value: object): value is ArrayBuffer {
  try {
    byteLengthOf.call(value);
    return true;
  } catch {
    return false;
  }
}

/**
 * A text value as a record keeps it: the string itself when it is
 * well-formed, else its WTF-8 bytes, which is what workerd stores for a
 * lone surrogate (U+D800 as ED A0 80; a text read then decodes each of
 * those bytes as U+FFFD, as Workers does).
 */
export function textValue(text: string): string | Uint8Array {
  return isWellFormed(text) ? text : wtf8(text);
}

/** UTF-8, except that a lone surrogate is encoded as its own code point. */
function wtf8(text: string): Uint8Array {
  const out = new Uint8Array(utf8Length(text));
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x80) out[at++] = code;
    else if (code < 0x800) {
      out[at++] = 0xc0 | (code >> 6);
      out[at++] = 0x80 | (code & 0x3f);
    } else if (code < 0x10000) {
      out[at++] = 0xe0 | (code >> 12);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    } else {
      out[at++] = 0xf0 | (code >> 18);
      out[at++] = 0x80 | ((code >> 12) & 0x3f);
      out[at++] = 0x80 | ((code >> 6) & 0x3f);
      out[at++] = 0x80 | (code & 0x3f);
    }
  }
  return out;
}

/**
 * What an object put value becomes, by Workers' rules: `ArrayBuffer`s and
 * views a copy of their bytes, streams themselves (read later). Anything
 * else is workerd's TypeError.
 */
export function objectValue(value: object): Uint8Array | ReadableStream<unknown> {
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
  }
  if (isArrayBuffer(value)) return new Uint8Array(value.slice(0));
  if (typeof (value as ReadableStream).getReader === "function") {
    return value as ReadableStream<unknown>;
  }
  throw new TypeError(PUT_VALUE_TYPES);
}

/** Workers' 413 for a value over 25 MiB, with its length in bytes. */
export function valueTooLarge(length: number): KvError {
  return new KvError(
    "PUT",
    413,
    `Value length of ${length} exceeds limit of ${MAX_VALUE_BYTES}.`,
  );
}

/** Fails with Workers' 413 when a record value is over 25 MiB. */
export function checkValueSize(value: string | Uint8Array): void {
  if (typeof value !== "string") {
    if (value.byteLength > MAX_VALUE_BYTES) throw valueTooLarge(value.byteLength);
    return;
  }
  // At most 3 UTF-8 bytes per UTF-16 unit, at least 1: count only when the
  // length alone cannot decide.
  if (value.length * 3 <= MAX_VALUE_BYTES) return;
  const length = utf8Length(value);
  if (length > MAX_VALUE_BYTES) throw valueTooLarge(length);
}

/**
 * A record value as bytes the caller may keep: a fresh copy, unless the
 * driver made these bytes for this read alone (`fresh`).
 */
function freshBytes(value: string | Uint8Array, fresh: boolean): Uint8Array {
  if (typeof value === "string") return encoder.encode(value);
  if (fresh && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) return value;
  // Uint8Array's own slice: a Node Buffer's slice is a view, not a copy.
  return Uint8Array.prototype.slice.call(value);
}

/** A byte stream, as Workers returns, so BYOB readers work too. */
function toStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({
    type: "bytes",
    start(controller: ReadableByteStreamController) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  }) as ReadableStream<Uint8Array>;
}

/**
 * A record value decoded as a single-key read of `type` returns it;
 * `fresh` as on KvRecord.
 */
export function decodeValue(value: string | Uint8Array, type: string, fresh = false): unknown {
  switch (type) {
    case "text":
      return typeof value === "string" ? value : decoder.decode(value);
    case "json":
      return JSON.parse(typeof value === "string" ? value : decoder.decode(value));
    case "arrayBuffer":
      return freshBytes(value, fresh).buffer;
    case "stream":
      return toStream(freshBytes(value, fresh));
    default:
      throw new TypeError(UNKNOWN_TYPE);
  }
}

/**
 * How far past the limit a stream is still counted. Workers reads a stream
 * to its end and reports its whole length (measured on Miniflare: 26, 100
 * and 400 MiB streams all fail with their exact length), so an endless
 * stream never settles there. kvkit counts exactly up to four times the
 * limit (and for at most MAX_READS_PAST_LIMIT chunks past the limit),
 * then cancels the stream and fails with a lower bound: `Value length of
 * at least N exceeds limit of 26214400.`
 */
export const MAX_COUNTED_STREAM_BYTES = 4 * MAX_VALUE_BYTES;

/**
 * Chunks read past the limit before counting stops: a stream of tiny
 * chunks must not take minutes to be refused.
 */
const MAX_READS_PAST_LIMIT = 65_536;

/** Empty chunks carry nothing; more than this many is a stream that never ends. */
const MAX_EMPTY_READS = 65_536;

/** Reading yields to the event loop after this long, so timers still fire. */
const READ_SLICE_MS = 8;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * Reads a `put` value stream to bytes by Workers' rules: every chunk must
 * be an `ArrayBuffer` or a view (else the TypeError workerd throws), and
 * the 25 MiB limit is enforced while chunks arrive. Past the limit it
 * keeps no bytes but goes on counting, because Workers reports the
 * stream's full length in the error, up to {@linkcode MAX_COUNTED_STREAM_BYTES}
 * or MAX_READS_PAST_LIMIT further chunks; then it reports a lower bound.
 * It never starves the event loop: a stream that answers synchronously is
 * read in slices with a task boundary between them. The reader's lock is
 * released at the end, and the stream is cancelled on failure.
 */
export async function readValueStream(
  stream: ReadableStream<unknown>,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let readsPastLimit = 0;
  let emptyReads = 0;
  let slice = performance.now();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      let chunk: Uint8Array;
      if (ArrayBuffer.isView(value)) {
        chunk = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      } else if (typeof value === "object" && value !== null && isArrayBuffer(value)) {
        chunk = new Uint8Array(value);
      } else throw new TypeError("This ReadableStream did not return bytes.");
      length += chunk.byteLength;
      // Copied as it arrives: a producer may reuse its buffer once read.
      if (length <= MAX_VALUE_BYTES) chunks.push(chunk.slice());
      else {
        if (chunks.length > 0) chunks.length = 0;
        // Counted on past the limit, but not forever.
        if (length > MAX_COUNTED_STREAM_BYTES || ++readsPastLimit > MAX_READS_PAST_LIMIT) {
          throw new KvError(
            "PUT",
            413,
            `Value length of at least ${length} exceeds limit of ${MAX_VALUE_BYTES}.`,
          );
        }
      }
      if (chunk.byteLength === 0 && ++emptyReads > MAX_EMPTY_READS) {
        throw new KvError(
          "PUT",
          400,
          `The value stream sent more than ${MAX_EMPTY_READS} empty chunks.`,
        );
      }
      if (performance.now() - slice > READ_SLICE_MS) {
        await nextTask();
        slice = performance.now();
      }
    }
  } catch (error) {
    await reader.cancel(error).catch(() => {});
    throw error;
  } finally {
    reader.releaseLock();
  }
  if (length > MAX_VALUE_BYTES) throw valueTooLarge(length);
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
