// List pages for the Cloudflare REST adapter. Private.
//
// The REST endpoint takes a limit of 10 to 1000, where Workers takes 1 to
// 1000. For a smaller limit the adapter asks for 10 keys and keeps the
// first ones; the page's cursor then points inside that server page, so
// it is kvkit's own: `kvkit1.` and base64url of [server cursor, last key
// returned, keys used so far in that server page]. The next call reads
// the server page again and skips every key up to and including that
// last key, by key order, not by count: keys inserted ahead of the cursor
// are seen and keys deleted behind it change nothing, as with Workers'
// cursors. A page that ends at a server page's end returns the server's
// own cursor, so limits of 10 and more pass the server's cursors through.
//
// The loop also fills a page that a server returns short with more server
// pages, so a page holds `limit` keys unless the listing is complete.

import { compareKeys } from "../keys.ts";
import type { KvListKey, KvListResult } from "../types.ts";

/** One page as the REST endpoint answers it. */
export interface ServerPage {
  /** The keys, in order. */
  keys: KvListKey[];
  /** The server's cursor for the next page, `""` when complete. */
  cursor: string;
  /** No keys follow. */
  complete: boolean;
}

/** Reads one server page of at most `limit` (10 to 1000) keys. */
export type PageReader = (prefix: string, cursor: string, limit: number) => Promise<ServerPage>;

/** Where a listing continues. */
export interface Position {
  /** The server cursor of the server page to read. */
  cursor: string;
  /** Keys up to and including this one were returned already. */
  after?: string;
  /** How many keys of that server page were used (a size hint). */
  used: number;
}

const TAG = "kvkit1.";
const MIN_LIMIT = 10;
const MAX_LIMIT = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function toBase64Url(text: string): string {
  let binary = "";
  for (const byte of encoder.encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return decoder.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

/** A position inside a server page, as a cursor. */
export function encodePosition(position: Required<Position>): string {
  return TAG + toBase64Url(JSON.stringify([position.cursor, position.after, position.used]));
}

/**
 * The position a caller's cursor names. A server cursor, or anything not
 * made by {@linkcode encodePosition}, goes to the server as it is.
 */
export function decodePosition(cursor: string): Position {
  if (cursor.startsWith(TAG)) {
    try {
      const parsed = JSON.parse(fromBase64Url(cursor.slice(TAG.length)));
      if (
        Array.isArray(parsed) && parsed.length === 3 && typeof parsed[0] === "string" &&
        typeof parsed[1] === "string" && Number.isSafeInteger(parsed[2]) && parsed[2] >= 0
      ) {
        return { cursor: parsed[0], after: parsed[1], used: parsed[2] };
      }
    } catch {
      // Not one of ours after all.
    }
  }
  return { cursor, used: 0 };
}

/**
 * One Workers `list` page of `limit` (1 to 1000) keys from the REST
 * endpoint, in Workers' shape: `cursor` only on an incomplete page.
 */
export async function listPage(
  read: PageReader,
  prefix: string,
  limit: number,
  cursor: string,
): Promise<KvListResult> {
  let { cursor: server, after, used } = decodePosition(cursor);
  const keys: KvListKey[] = [];
  while (true) {
    const want = limit - keys.length;
    const size = Math.min(MAX_LIMIT, Math.max(MIN_LIMIT, used + want));
    const page = await read(prefix, server, size);
    let index = 0;
    if (after !== undefined) {
      while (index < page.keys.length && compareKeys(page.keys[index].name, after) <= 0) index++;
    }
    const taken = page.keys.slice(index, index + want);
    keys.push(...taken);
    const end = index + taken.length;
    if (end < page.keys.length) {
      const last = keys[keys.length - 1].name;
      return incomplete(keys, encodePosition({ cursor: server, after: last, used: end }));
    }
    if (page.complete) return { keys, list_complete: true, cacheStatus: null };
    if (keys.length === limit) return incomplete(keys, page.cursor);
    server = page.cursor;
    after = undefined;
    used = 0;
  }
}

function incomplete(keys: KvListKey[], cursor: string): KvListResult {
  return { keys, list_complete: false, cursor, cacheStatus: null };
}
