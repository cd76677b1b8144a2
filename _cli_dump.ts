// The dump format, wrangler's `kv bulk put` JSON, read and written as a
// stream: `[{"key": …, "value": …, "base64"?: true, "expiration"?: …,
// "metadata"?: …}, …]`. The writer emits one entry per line as entries
// arrive; the reader yields one parsed element at a time. Neither ever
// holds more than one entry. Private to the CLI.

import { isUtf8 } from "node:buffer";
import { toBase64 } from "./_cli_base64.ts";
import { LARGE_ENTRY_BYTES, parseLargeObject } from "./_cli_raw.ts";

/** One entry to write: a key with its value bytes, expiration and metadata. */
export interface DumpItem {
  /** The key. */
  key: string;
  /** The value's bytes; written as text when they are UTF-8, else as base64. */
  value: Uint8Array;
  /** Absolute expiration, epoch seconds. */
  expiration?: number;
  /** The metadata, parsed; absent when there is none. */
  metadata?: unknown;
}

/** Where written bytes go; resolves once they are taken. */
export type ByteSink = (bytes: Uint8Array) => Promise<void>;

const encoder = new TextEncoder();
/** Bytes of text the writer gathers before handing them on. */
const FLUSH_BYTES = 64 * 1024;
/** Value bytes turned into output at a time: a multiple of 3, for base64. */
const SLICE_BYTES = 3 * 256 * 1024;

const base64 = toBase64;

/**
 * Writes a dump to `sink` as entries arrive: `[`, one entry per line,
 * `]`. A large value goes out in slices, so it is never held as a whole
 * string or twice.
 */
export class DumpWriter {
  readonly #sink: ByteSink;
  #text = "";
  #count = 0;
  #bytes = 0;

  /** @param sink Takes the dump's bytes, in order. */
  constructor(sink: ByteSink) {
    this.#sink = sink;
  }

  /** Entries written so far. */
  get count(): number {
    return this.#count;
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  async #push(text: string): Promise<void> {
    this.#text += text;
    if (this.#text.length >= FLUSH_BYTES) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#text === "") return;
    const bytes = encoder.encode(this.#text);
    this.#text = "";
    this.#bytes += bytes.byteLength;
    await this.#sink(bytes);
  }

  /** Writes one entry. */
  async write(item: DumpItem): Promise<void> {
    await this.#push(`${this.#count++ === 0 ? "[\n" : ",\n"}{"key":${JSON.stringify(item.key)}`);
    await this.#push(`,"value":"`);
    const text = isUtf8(item.value);
    if (item.value.byteLength <= SLICE_BYTES) {
      await this.#push(text ? quoted(item.value) : base64(item.value));
    } else {
      // A streaming decoder never splits a character between slices.
      const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
      for (let i = 0; i < item.value.byteLength; i += SLICE_BYTES) {
        const slice = item.value.subarray(i, i + SLICE_BYTES);
        await this.#push(
          text
            ? JSON.stringify(decoder.decode(slice, { stream: true })).slice(1, -1)
            : base64(slice),
        );
      }
    }
    let tail = `"`;
    if (!text) tail += `,"base64":true`;
    if (item.expiration !== undefined) tail += `,"expiration":${item.expiration}`;
    if (item.metadata !== undefined) tail += `,"metadata":${JSON.stringify(item.metadata)}`;
    await this.#push(`${tail}}`);
  }

  /** Closes the array and hands on what is left. */
  async end(): Promise<void> {
    await this.#push(this.#count === 0 ? "[]\n" : "\n]\n");
    await this.#flush();
  }
}

const textDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** UTF-8 bytes as the inside of a JSON string. */
function quoted(bytes: Uint8Array): string {
  return JSON.stringify(textDecoder.decode(bytes)).slice(1, -1);
}

/** One element of a dump's array, parsed. */
export interface DumpElement {
  /** Its index in the array, from 0. */
  index: number;
  /** The line it starts on, from 1. */
  line: number;
  /** The element, as `JSON.parse` returns it. */
  value: unknown;
  /** Its size in the input, in bytes. */
  bytes: number;
}

/** A dump that is not a well-formed JSON array: the reader stops there. */
export class DumpSyntaxError extends Error {
  /**
   * @param message What is wrong, and where.
   * @param options The `JSON.parse` error, as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "DumpSyntaxError";
  }
}

/**
 * The largest element the reader takes: a 25 MiB value with every
 * character escaped as `\uXXXX`, and room for the rest of the entry.
 */
export const MAX_ELEMENT_BYTES = 6 * 25 * 1024 * 1024 + 64 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function shown(byte: number): string {
  return byte >= 0x20 && byte < 0x7f
    ? `"${String.fromCharCode(byte)}"`
    : `byte 0x${byte.toString(16)}`;
}

type ReaderState = "start" | "before" | "inside" | "after" | "done";

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Reads a JSON array from a stream of bytes and yields its elements one at
 * a time, each parsed by `JSON.parse`. Only the element being read is
 * held. The array itself is checked as it goes (a missing comma, a
 * trailing comma, data after the array, an input that ends early), and
 * each failure is a {@linkcode DumpSyntaxError} that names the element
 * and line. A UTF-8 byte order mark may open the input.
 *
 * An object of 1 MiB or more is read member by member, and its long
 * "value" string is yielded as a `RawString` of _cli_raw.ts (`largeEntries`
 * false turns this off, for tests).
 */
export async function* parseDump(
  chunks: AsyncIterable<Uint8Array>,
  largeEntries = true,
): AsyncGenerator<DumpElement> {
  // Where the reader is: before the array, before an element (after "["
  // or ","), inside one, after one, or past the closing "]".
  let state = "start" as ReaderState;
  let afterComma = false;
  let index = 0;
  let seenBytes = 0;
  // The element being read: its parts, its nesting and string state.
  let parts: Uint8Array[] = [];
  let partBytes = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;
  let elementLine = 1;
  // Lines before the current chunk, and newlines counted in it so far.
  let lineBase = 1;
  let counted = 0;
  let chunk: Uint8Array = new Uint8Array(0);
  const lineAt = (position: number): number => {
    for (let j = chunk.indexOf(NEWLINE, counted); j >= 0 && j < position;) {
      lineBase++;
      counted = j + 1;
      j = chunk.indexOf(NEWLINE, counted);
    }
    counted = Math.max(counted, position);
    return lineBase;
  };
  const where = (position: number) => `line ${lineAt(position)}`;

  // Where the element starts in the current chunk: 0 when it began in an
  // earlier one.
  let start = 0;
  const finish = (end: number): DumpElement => {
    parts.push(chunk.subarray(start, end));
    const length = partBytes + end - start;
    if (length >= LARGE_ENTRY_BYTES && largeEntries) {
      const value = parseLargeObject(parts);
      if (value !== undefined) {
        parts = [];
        partBytes = 0;
        return { index: index++, line: elementLine, value, bytes: length };
      }
    }
    let bytes: Uint8Array;
    if (parts.length === 1) bytes = parts[0];
    else {
      bytes = new Uint8Array(length);
      let offset = 0;
      for (const part of parts) {
        bytes.set(part, offset);
        offset += part.byteLength;
      }
    }
    parts = [];
    partBytes = 0;
    let text: string;
    try {
      text = strict.decode(bytes);
    } catch (error) {
      throw new DumpSyntaxError(`entry ${index} (line ${elementLine}) is not valid UTF-8`, {
        cause: error,
      });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new DumpSyntaxError(
        `entry ${index} (line ${elementLine}) is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return { index: index++, line: elementLine, value, bytes: length };
  };

  for await (const next of chunks) {
    chunk = next;
    counted = 0;
    let i = 0;
    if (seenBytes === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) i = 3;
    seenBytes += chunk.byteLength;
    // Next quote and backslash in this chunk, found once and reused.
    let nextQuote = -1;
    let nextBackslash = -1;
    while (i < chunk.byteLength) {
      if (state === "inside") {
        if (inString) {
          if (escaped) {
            escaped = false;
            i++;
            continue;
          }
          if (nextQuote < i) {
            const j = chunk.indexOf(QUOTE, i);
            nextQuote = j < 0 ? Infinity : j;
          }
          if (nextBackslash < i) {
            const j = chunk.indexOf(BACKSLASH, i);
            nextBackslash = j < 0 ? Infinity : j;
          }
          if (nextBackslash < nextQuote) {
            // An escape: skip the backslash and the character after it,
            // which may be the next chunk's first.
            i = nextBackslash + 2;
            if (i > chunk.byteLength) {
              escaped = true;
              i = chunk.byteLength;
            }
            continue;
          }
          if (nextQuote === Infinity) {
            i = chunk.byteLength;
            continue;
          }
          inString = false;
          i = nextQuote + 1;
          if (depth === 0) {
            yield finish(i);
            state = "after";
          }
          continue;
        }
        const byte = chunk[i];
        if (scalar) {
          if (byte === 0x2c || byte === 0x5d || isSpace(byte)) {
            scalar = false;
            yield finish(i);
            state = "after";
            continue;
          }
          i++;
          continue;
        }
        i++;
        if (byte === QUOTE) inString = true;
        else if (byte === 0x7b || byte === 0x5b) depth++;
        else if (byte === 0x7d || byte === 0x5d) {
          if (--depth === 0) {
            yield finish(i);
            state = "after";
          }
        }
        continue;
      }
      const byte = chunk[i];
      if (isSpace(byte)) {
        i++;
        continue;
      }
      if (state === "start") {
        if (byte !== 0x5b) {
          throw new DumpSyntaxError(
            `a dump is a JSON array of entries, but this input starts with ${shown(byte)}`,
          );
        }
        state = "before";
        i++;
      } else if (state === "before") {
        if (byte === 0x5d) {
          if (afterComma) {
            throw new DumpSyntaxError(
              `a comma after entry ${index - 1} ends the array (${where(i)})`,
            );
          }
          state = "done";
          i++;
          continue;
        }
        state = "inside";
        elementLine = lineAt(i);
        start = i;
        depth = 0;
        if (byte === 0x7b || byte === 0x5b) {
          depth = 1;
          i++;
        } else if (byte === QUOTE) {
          inString = true;
          i++;
        } else {
          scalar = true;
        }
      } else if (state === "after") {
        // The element's bytes are handed on; keep reading after them.
        if (byte === 0x2c) {
          state = "before";
          afterComma = true;
          i++;
        } else if (byte === 0x5d) {
          state = "done";
          i++;
        } else {
          throw new DumpSyntaxError(
            `expected "," or "]" after entry ${index - 1}, found ${shown(byte)} (${where(i)})`,
          );
        }
      } else {
        throw new DumpSyntaxError(`unexpected ${shown(byte)} after the array's "]" (${where(i)})`);
      }
    }
    if (state === "inside") {
      // An element that goes on in the next chunk, where it continues at 0.
      const rest = chunk.subarray(start);
      start = 0;
      parts.push(rest);
      partBytes += rest.byteLength;
      if (partBytes > MAX_ELEMENT_BYTES) {
        throw new DumpSyntaxError(
          `entry ${index} (line ${elementLine}) is over ${MAX_ELEMENT_BYTES} bytes, ` +
            `larger than any entry Workers KV takes`,
        );
      }
    }
    lineAt(chunk.byteLength);
  }
  if (state === "inside" && scalar) {
    chunk = new Uint8Array(0);
    start = 0;
    scalar = false;
    yield finish(0);
    state = "after";
  }
  if ((state as ReaderState) === "done") return;
  if (seenBytes === 0) throw new DumpSyntaxError("the input is empty; a dump is a JSON array");
  throw new DumpSyntaxError(
    state === "inside"
      ? `the input ends inside entry ${index} (line ${elementLine}): is it cut short?`
      : `the input ends before the array's closing "]": is it cut short?`,
  );
}
