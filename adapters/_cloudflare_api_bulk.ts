// Bulk requests for the Cloudflare REST adapter: which bulk-get answers
// to distrust, and how bulk writes and deletes are cut into requests.
// Private.

import { utf8Length } from "../keys.ts";

/** Keys per bulk write or delete request (Cloudflare's limit). */
export const BULK_MAX_KEYS = 10_000;

/** Bytes per bulk write request: Cloudflare takes "100 megabytes or less". */
export const BULK_MAX_BYTES = 100_000_000;

/**
 * Keys a bulk get answer may lose: array indices (`"0"` … `"4294967294"`)
 * and `"__proto__"`. Workers' binding drops them from its Map (spec §6.1),
 * so a REST server built on the binding (Miniflare's explorer is) answers
 * `null` or nothing for them even when they exist; the adapter reads each
 * such key singly instead of trusting that answer.
 */
export function isFragileKey(key: string): boolean {
  if (key === "__proto__") return true;
  if (!/^(?:0|[1-9]\d{0,9})$/.test(key)) return false;
  return Number(key) < 2 ** 32 - 1;
}

/** What one entry of a bulk write carries. */
export interface BulkRecord {
  /** The key, checked. */
  key: string;
  /** The value: text, or bytes sent as base64. */
  value: string | Uint8Array;
  /** The `expiration` option, epoch seconds. */
  expiration?: number;
  /** The `expirationTtl` option, seconds; wins over `expiration`. */
  expirationTtl?: number;
  /** The metadata's JSON text. */
  metadata?: string;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * One element of the bulk write body, as documented:
 * `{ key, value, base64?, expiration?, expiration_ttl?, metadata? }`. The
 * metadata's JSON text goes in as it is, so it is stored byte for byte.
 */
export function bulkEntryJson(record: BulkRecord): string {
  let json = `{"key":${JSON.stringify(record.key)}`;
  if (typeof record.value === "string") json += `,"value":${JSON.stringify(record.value)}`;
  else json += `,"value":"${toBase64(record.value)}","base64":true`;
  if (record.expirationTtl !== undefined) json += `,"expiration_ttl":${record.expirationTtl}`;
  else if (record.expiration !== undefined) json += `,"expiration":${record.expiration}`;
  if (record.metadata !== undefined) json += `,"metadata":${record.metadata}`;
  return json + "}";
}

/** One element of a bulk body: its key and its JSON text. */
export interface BulkElement {
  /** The key the element writes. */
  key: string;
  /** The element's JSON text. */
  json: string;
}

/**
 * Cuts elements into request bodies (`[a,b,…]`) of at most
 * {@linkcode BULK_MAX_KEYS} elements and `maxBytes` bytes each.
 */
export function batches<T extends { json: string }>(
  elements: readonly T[],
  maxBytes: number = BULK_MAX_BYTES,
): T[][] {
  const out: T[][] = [];
  let batch: T[] = [];
  let bytes = 2;
  for (const element of elements) {
    const size = utf8Length(element.json) + 1;
    if (batch.length > 0 && (batch.length === BULK_MAX_KEYS || bytes + size > maxBytes)) {
      out.push(batch);
      batch = [];
      bytes = 2;
    }
    batch.push(element);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
