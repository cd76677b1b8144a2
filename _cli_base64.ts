// Base64 for dumps, as `Uint8Array#toBase64` and `Uint8Array.fromBase64`
// read and write it, with a strict fallback where those are missing
// (Node 20). Private to the CLI.

import { Buffer } from "node:buffer";

type Base64Bytes = Uint8Array & { toBase64?(): string };
type Base64Constructor = { fromBase64?(text: string): Uint8Array };

/** Bytes as base64: `Uint8Array#toBase64` where there is one (not Node 20). */
export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as Base64Bytes).toBase64;
  if (native !== undefined) return native.call(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/** Whitespace-free standard base64, as `Uint8Array.fromBase64` takes it. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/**
 * Base64 as bytes, strictly: a character outside the alphabet, or bad
 * padding, is a `SyntaxError` (Node's Buffer would skip it silently).
 * ASCII whitespace is allowed, as `Uint8Array.fromBase64` allows it.
 */
export function fromBase64(text: string): Uint8Array {
  const native = (Uint8Array as unknown as Base64Constructor).fromBase64;
  if (native !== undefined) return native(text);
  const compact = text.replace(/[\t\n\f\r ]/g, "");
  if (!BASE64.test(compact)) throw new SyntaxError("not valid base64");
  const decoded = Buffer.from(compact, "base64");
  return new Uint8Array(decoded.buffer, decoded.byteOffset, decoded.byteLength);
}
