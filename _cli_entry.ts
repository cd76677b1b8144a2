// One dump entry checked and turned into the record a store writes. The
// format is wrangler's bulk format (`key` and `value` strings, `base64` a
// boolean, `expiration` and `expiration_ttl` integers, `metadata` JSON);
// Workers KV's own rules and limits are the engine's validators, run as a
// put would run them, so no rule is written twice. Private to the CLI.

import { fromBase64 } from "./_cli_base64.ts";
import { RawString, release } from "./_cli_raw.ts";
import { buildRecord, parsePutArguments, toInt32 } from "./_validate.ts";
import { KV_LIMITS } from "./limits.ts";
import type { StoreRecord } from "./targets/_entry.ts";

/** The fields of an entry, as wrangler names them. */
export const ENTRY_FIELDS: readonly string[] = [
  "key",
  "value",
  "base64",
  "expiration",
  "expiration_ttl",
  "metadata",
];

/** An entry that cannot be written; the message names its index and key. */
export class EntryError extends Error {
  /**
   * @param message What is wrong, after the entry's index and key.
   * @param options The validator's error, as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EntryError";
  }
}

/** What a checked entry is: a record to write, or an entry already expired. */
export type CheckedEntry =
  | { record: StoreRecord; ttl?: number; unknown: string[] }
  | { expired: string; unknown: string[] };

/** A value for a message: short, and unambiguous about its type. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") {
    const json = JSON.stringify(value);
    return json.length > 40 ? `${json.slice(0, 39)}…"` : json;
  }
  return String(value);
}

/** The label of entry `index` in messages: its index, and its key when it has one. */
export function entryLabel(index: number, key: unknown): string {
  return typeof key === "string" ? `entry ${index} (key ${describe(key)})` : `entry ${index}`;
}

function integer(entry: Record<string, unknown>, field: string, what: string): number | undefined {
  const value = entry[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new EntryError(`"${field}" must be an integer (${what}), got ${describe(value)}`);
  }
  try {
    return toInt32(value);
  } catch (error) {
    const ms = field === "expiration" && value > 1e11 ? " (milliseconds? it is in seconds)" : "";
    throw new EntryError(`"${field}" ${value}${ms}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * The record a put with these arguments stores, built by the engine's own
 * validators at time `nowMs`; or `expired` when `expiration` (without a
 * TTL, which would win) is less than Workers' 60 s minimum away: such an
 * entry is gone, or about to be, and Workers refuses it.
 */
export function toRecord(
  key: string,
  value: string | Uint8Array,
  options: { expiration?: number; expirationTtl?: number; metadata?: unknown },
  nowMs: number,
): StoreRecord | "expired" {
  const { expiration, expirationTtl } = options;
  if (
    expirationTtl === undefined && expiration !== undefined &&
    expiration < Math.floor(nowMs / 1000) + KV_LIMITS.minExpirationTtl
  ) {
    return "expired";
  }
  const args = parsePutArguments(3, key, value, options);
  return { key: args.key, record: buildRecord(args, () => nowMs) };
}

/**
 * Checks one parsed dump element and builds its record, at time `nowMs`.
 * Unknown fields are an error unless `allowUnknown`; they are returned
 * either way. Throws an {@linkcode EntryError} naming the entry.
 */
export function checkEntry(
  element: unknown,
  index: number,
  nowMs: number,
  allowUnknown: boolean,
): CheckedEntry {
  const key = (element as { key?: unknown } | null)?.key;
  try {
    return check(element, nowMs, allowUnknown);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new EntryError(`${entryLabel(index, key)}: ${message}`, { cause: error });
  }
}

function check(element: unknown, nowMs: number, allowUnknown: boolean): CheckedEntry {
  if (typeof element !== "object" || element === null || Array.isArray(element)) {
    throw new EntryError(`is ${describe(element)}, not an object with "key" and "value"`);
  }
  const entry = element as Record<string, unknown>;
  const unknown = Object.keys(entry).filter((field) => !ENTRY_FIELDS.includes(field));
  if (unknown.length > 0 && !allowUnknown) {
    throw new EntryError(
      `unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((f) => `"${f}"`).join(", ")} ` +
        `(an entry has ${ENTRY_FIELDS.join(", ")}; --allow-unknown-fields ignores others)`,
    );
  }
  for (const field of ["key", "value"]) {
    if (!(field in entry)) throw new EntryError(`"${field}" is missing`);
    const raw = field === "value" && entry[field] instanceof RawString;
    if (typeof entry[field] !== "string" && !raw) {
      throw new EntryError(`"${field}" must be a string, got ${describe(entry[field])}`);
    }
  }
  const key = entry.key as string;
  const text = entry.value as string | RawString;
  if (entry.base64 !== undefined && typeof entry.base64 !== "boolean") {
    throw new EntryError(`"base64" must be true or false, got ${describe(entry.base64)}`);
  }
  const expiration = integer(entry, "expiration", "seconds since the epoch");
  const expirationTtl = integer(entry, "expiration_ttl", "seconds from now");
  // A large entry's value comes raw, and goes into the record as bytes.
  let value: string | Uint8Array | undefined;
  if (entry.base64 !== true) value = typeof text === "string" ? text : text.utf8();
  else {
    try {
      value = typeof text === "string" ? fromBase64(text) : text.base64();
    } catch (error) {
      throw new EntryError(`"value" is not valid base64, and "base64" is true`, { cause: error });
    }
  }
  const built = toRecord(
    key,
    value,
    { expiration, expirationTtl, metadata: entry.metadata },
    nowMs,
  );
  if (typeof text !== "string") {
    // The record holds a copy (the engine copies bytes it is given): the
    // large value's own bytes can go now.
    if (typeof value !== "string") release(value);
    text.release();
  }
  if (built === "expired") return { expired: key, unknown };
  return expirationTtl === undefined
    ? { record: built, unknown }
    : { record: built, ttl: expirationTtl, unknown };
}
