/**
 * Key order, for the engine and for drivers: Workers KV lists keys in
 * UTF-8 byte order. Helpers for backends that compare strings
 * ({@linkcode compareKeys}, {@linkcode codePointSortKey},
 * {@linkcode prefixEnd}) and for backends that compare bytes
 * ({@linkcode encodeKey}, {@linkcode decodeKey}, {@linkcode compareBytes},
 * {@linkcode prefixEndBytes}), plus {@linkcode utf8Length} and
 * {@linkcode isWellFormed}.
 *
 * UTF-8 byte order is Unicode code-point order. JavaScript's `<` compares
 * UTF-16 code units instead, and the two disagree exactly when one side
 * holds a surrogate pair (a code point above U+FFFF) and the other a code
 * unit from U+E000 to U+FFFF.
 *
 * @module
 */

const HIGH_UNITS = /[\uD800-\uFFFF]/;

/**
 * Maps a well-formed key to a string whose UTF-16 order (`<`) equals the
 * key's UTF-8 byte order. Keys without code units at or above U+D800 map
 * to themselves, so the common case costs one regular-expression test.
 *
 * Prefixes are preserved: `a.startsWith(b)` exactly when
 * `codePointSortKey(a).startsWith(codePointSortKey(b))`.
 *
 * @param key A well-formed string.
 * @returns A string that sorts with `<` the way `key` sorts by UTF-8 bytes.
 *
 * @example Sort keys the way Workers KV lists them
 * ```ts
 * import { codePointSortKey } from "@kvkit/kvkit/driver";
 *
 * const keys = ["\u{1F600}", "\uFFFF", "a"];
 * keys.sort((a, b) => codePointSortKey(a) < codePointSortKey(b) ? -1 : 1);
 * if (keys.join() !== "a,\uFFFF,\u{1F600}") throw new Error("wrong order");
 * ```
 */
export function codePointSortKey(key: string): string {
  if (!HIGH_UNITS.test(key)) return key;
  let out = "";
  for (let i = 0; i < key.length; i++) {
    const unit = key.charCodeAt(i);
    // Surrogates move above U+FFFF's units; U+E000..U+FFFF move down.
    out += String.fromCharCode(
      unit < 0xd800 ? unit : unit < 0xe000 ? unit + 0x2000 : unit - 0x800,
    );
  }
  return out;
}

/**
 * Compares two well-formed keys in UTF-8 byte order, the order in which
 * Workers KV lists them.
 *
 * @param a The first key.
 * @param b The second key.
 * @returns A negative number, zero, or a positive number.
 *
 * @example
 * ```ts
 * import { compareKeys } from "@kvkit/kvkit/driver";
 *
 * // U+FFFF is EF BF BF in UTF-8, the emoji F0 9F 98 80.
 * if (compareKeys("\uFFFF", "\u{1F600}") >= 0) throw new Error("wrong order");
 * ```
 */
export function compareKeys(a: string, b: string): number {
  const x = codePointSortKey(a);
  const y = codePointSortKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Counts the bytes of a string's UTF-8 encoding without allocating it.
 * A lone surrogate counts as 3 bytes, the size of the U+FFFD that
 * `TextEncoder` writes for it.
 *
 * @param text Any string.
 * @returns The UTF-8 byte length.
 *
 * @example
 * ```ts
 * import { utf8Length } from "@kvkit/kvkit/driver";
 *
 * if (utf8Length("é😀") !== 6) throw new Error("expected 2 + 4 bytes");
 * ```
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (
      unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length &&
      (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      bytes += 2; // a pair: 4 bytes over 2 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * The smallest string greater than every string that starts with
 * `prefix`, in code-point order, or `undefined` when there is none (an
 * empty prefix, or one made only of U+10FFFF). Use it as the exclusive end
 * of a prefix range in a backend that orders strings by code point.
 *
 * @param prefix A well-formed string.
 * @returns The exclusive upper bound of the prefix range.
 *
 * @example
 * ```ts
 * import { prefixEnd } from "@kvkit/kvkit/driver";
 *
 * if (prefixEnd("ab") !== "ac") throw new Error("expected ac");
 * if (prefixEnd("a\u{10FFFF}") !== "b") throw new Error("expected b");
 * if (prefixEnd("\uD7FF") !== "\uE000") throw new Error("skips surrogates");
 * ```
 */
export function prefixEnd(prefix: string): string | undefined {
  const points = Array.from(prefix);
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return points.join("") + String.fromCodePoint(next);
  }
  return undefined;
}

/**
 * Whether a string holds no lone surrogate, so that it has one UTF-8
 * encoding. kvkit refuses keys that are not well-formed, since several
 * backends would silently turn a lone surrogate into U+FFFD.
 *
 * @param text Any string.
 * @returns False when the string holds a lone surrogate.
 *
 * @example
 * ```ts
 * import { isWellFormed } from "@kvkit/kvkit/driver";
 *
 * if (!isWellFormed("a😀") || isWellFormed("a\uD800")) throw new Error();
 * ```
 */
export function isWellFormed(text: string): boolean {
  // A surrogate-free string (nearly every key) needs no further scan.
  return !/[\uD800-\uDFFF]/.test(text) || text.isWellFormed();
}

const encoder = new TextEncoder();
// A leading U+FEFF is part of a key, not a byte-order mark to drop.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * A key's UTF-8 bytes, in a buffer of their own: the form to store in a
 * backend that orders keys bytewise (IndexedDB binary keys, `bytea`).
 *
 * @param key A well-formed key.
 * @returns Its UTF-8 encoding.
 *
 * @example
 * ```ts
 * import { decodeKey, encodeKey } from "@kvkit/kvkit/driver";
 *
 * const bytes = encodeKey("\uFEFFé");
 * if (bytes.byteLength !== 5 || decodeKey(bytes) !== "\uFEFFé") throw new Error();
 * ```
 */
export function encodeKey(key: string): Uint8Array {
  return encoder.encode(key);
}

/**
 * The key whose UTF-8 bytes these are, the inverse of
 * {@linkcode encodeKey}. A leading U+FEFF is kept: it is part of the key.
 *
 * @param bytes A key's UTF-8 bytes, as a view or an `ArrayBuffer`.
 * @returns The key.
 *
 * @example
 * ```ts
 * import { decodeKey } from "@kvkit/kvkit/driver";
 *
 * const key = decodeKey(new Uint8Array([0xef, 0xbb, 0xbf, 0x62]));
 * if (key !== "\uFEFFb") throw new Error("the BOM is part of the key");
 * ```
 */
export function decodeKey(bytes: ArrayBuffer | ArrayBufferView): string {
  return decoder.decode(bytes);
}

/**
 * Compares byte strings as unsigned bytes, shorter first on a common
 * prefix: for UTF-8 keys, the order in which Workers KV lists them.
 *
 * @param a The first bytes.
 * @param b The second bytes.
 * @returns A negative number, zero, or a positive number.
 *
 * @example
 * ```ts
 * import { compareBytes, encodeKey } from "@kvkit/kvkit/driver";
 *
 * if (compareBytes(encodeKey("\uFFFF"), encodeKey("\u{1F600}")) >= 0) throw new Error();
 * ```
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return a.byteLength - b.byteLength;
}

/**
 * The smallest byte string greater than every byte string that starts
 * with `prefix` (trailing 0xFF bytes dropped, then the last byte plus
 * one), or `undefined` when there is none: an empty prefix, or only 0xFF
 * bytes. Use it as the exclusive end of a prefix range in a backend that
 * orders bytes. The result is a new buffer of its own.
 *
 * @param prefix A prefix's bytes, usually {@linkcode encodeKey} of it.
 * @returns The exclusive upper bound of the prefix range.
 *
 * @example
 * ```ts
 * import { encodeKey, prefixEndBytes } from "@kvkit/kvkit/driver";
 *
 * const end = prefixEndBytes(encodeKey("a\u{10FFFF}"))!; // 61 F4 8F BF BF
 * if (end.join() !== "97,244,143,191,192") throw new Error();
 * if (prefixEndBytes(new Uint8Array()) !== undefined) throw new Error("no bound");
 * ```
 */
export function prefixEndBytes(prefix: Uint8Array): Uint8Array | undefined {
  let end = prefix.byteLength;
  while (end > 0 && prefix[end - 1] === 0xff) end--;
  if (end === 0) return undefined;
  const next = prefix.slice(0, end);
  next[end - 1]++;
  return next;
}
