// Bulk decoding: one item of a bulk `get` or `getWithMetadata`, as the
// Workers binding delivers it. Private to the engine and the Workers
// wrapper, which uses it to refill items a binding lost.

import { KvError } from "./errors.ts";

// Workers' bulk decode (Miniflare's default TextDecoder) drops a leading
// BOM, where a single-key text read keeps it.
const decoder = new TextDecoder();

/** What {@linkcode decodeBulkItem} decodes. */
export interface BulkItemSource {
  /** The stored value. */
  value: string | Uint8Array;
  /** Whether the bulk read asked for `"json"`. */
  json: boolean;
  /** Whether it is a bulk `getWithMetadata`. */
  withMetadata: boolean;
  /** The parsed metadata, used when `withMetadata`. */
  metadata?: unknown;
}

/**
 * One item of a bulk read: the value as text (a leading BOM dropped),
 * parsed when `json`, and carried across the backend as JSON (so -0 reads
 * as 0 and 1e400 as null); with metadata, wrapped as `{ value, metadata }`,
 * except that a stored JSON null is `null`. Also returns the decoded
 * length, which counts toward the 25 MiB bulk total.
 *
 * @throws {KvError} 400 when `json` and the value is not JSON.
 */
export function decodeBulkItem(source: BulkItemSource): { item: unknown; size: number } {
  const { value: stored, json, withMetadata } = source;
  const text = typeof stored === "string"
    ? (stored.charCodeAt(0) === 0xfeff ? stored.slice(1) : stored)
    : decoder.decode(stored);
  let value: unknown = text;
  if (json) {
    try {
      value = JSON.parse(text, bulkJsonReviver);
    } catch {
      throw new KvError(
        "GET_BULK",
        400,
        "At least one of the requested keys corresponds to a non-json value",
      );
    }
    // A stored JSON null maps to null; an overflowing number that reads
    // as null still gets its { value, metadata } item.
    if (text.trim() === "null") return { item: null, size: text.length };
  }
  return {
    item: withMetadata ? { value, metadata: source.metadata ?? null } : value,
    size: text.length,
  };
}

/**
 * Workers' bulk reads carry parsed values across the backend as JSON, so
 * -0 arrives as 0 and numbers beyond double range (1e400) as null.
 */
function bulkJsonReviver(_key: string, value: unknown): unknown {
  if (typeof value !== "number") return value;
  if (!Number.isFinite(value)) return null;
  return value === 0 ? 0 : value;
}
