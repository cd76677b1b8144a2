// The cursor codec. A cursor is base64url of [version, a 4-byte hash of
// the namespace and prefix it was made for, the UTF-8 bytes of the last
// key returned]. Private to the engine.
//
// The hash is not a secret: a forged cursor can only position a scan that
// the engine already confines to the namespace and the prefix.

const VERSION = 1;

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The scope a cursor is bound to: FNV-1a over the namespace and prefix. */
export function cursorScope(namespace: string, prefix: string): number {
  let hash = 0x811c9dc5;
  const text = `${namespace}\u0000${prefix}`;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}

/** The cursor that continues after `lastKey` within `scope`. */
export function encodeCursor(scope: number, lastKey: string): string {
  const key = encoder.encode(lastKey);
  const bytes = new Uint8Array(5 + key.byteLength);
  bytes[0] = VERSION;
  new DataView(bytes.buffer).setUint32(1, scope);
  bytes.set(key, 5);
  return toBase64Url(bytes);
}

/** The key a cursor continues after, or `undefined` if it is not of `scope`. */
export function decodeCursor(cursor: string, scope: number): string | undefined {
  const bytes = fromBase64Url(cursor);
  if (bytes === undefined || bytes.byteLength < 6) return undefined;
  if (bytes[0] !== VERSION) return undefined;
  if (new DataView(bytes.buffer).getUint32(1) !== scope) return undefined;
  try {
    return strictDecoder.decode(bytes.subarray(5));
  } catch {
    return undefined;
  }
}
