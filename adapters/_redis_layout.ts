// Where the Redis adapter keeps what, as pure functions: the Redis key
// names of a namespace and the sorted-set members that index its keys.
// Private; the layout table is in redis.ts, the scripts that keep it in
// _redis_scripts.ts.
//
// A member is the key's name, escaped so that it holds no NUL, then, when
// the key has an expiration or metadata, a NUL and both of them:
//
//   escape(name)                                    no expiration, no metadata
//   escape(name) NUL [expiration] NUL [metadata]    otherwise
//
// The escape maps U+0000 to U+0001 U+0001 and U+0001 to U+0001 U+0002 and
// leaves every other character alone. It is a prefix-free code that keeps
// order, so members sort bytewise exactly as their keys do (UTF-8 order,
// Workers' order), a key's prefix is its escaped prefix, and the NUL after
// a name sorts below every character that could continue another name.
// Metadata is JSON text, which never holds a raw U+0000.

import { isWellFormed, prefixEnd } from "../keys.ts";
import type { KvKeyInfo } from "../kv_driver.ts";

/** The Redis keys of one namespace; the table in redis.ts says what each holds. */
export interface RedisKeys {
  /** `kvkit:{ns}:k`, the sorted set of members (all scores 0). */
  readonly index: string;
  /** `kvkit:{ns}:x`, the members of expiring keys, scored by expiration. */
  readonly expiry: string;
  /** `kvkit:{ns}:r:<key>`, the key's record: a hash of `v`, `m`, `e`. */
  record(key: string): string;
}

/**
 * Checks a namespace: a non-empty, well-formed string. Anything else is a
 * TypeError, since an empty hash tag would scatter the namespace over hash
 * slots, and a lone surrogate would alias another name in UTF-8.
 */
export function checkNamespace(namespace: unknown): string {
  if (typeof namespace !== "string") {
    throw new TypeError(`namespace must be a string, got ${typeof namespace}`);
  }
  if (namespace === "" || !isWellFormed(namespace)) {
    throw new TypeError(
      `namespace must be a non-empty string without lone surrogates, got ${
        JSON.stringify(namespace)
      }`,
    );
  }
  return namespace;
}

/**
 * The hash tag of a namespace: the name with `%` and `}` percent-encoded,
 * so the tag ends where the name does and two names never share a key.
 */
export function hashTag(namespace: string): string {
  return namespace.replaceAll("%", "%25").replaceAll("}", "%7D");
}

/** The Redis keys of a namespace, every one in the hash slot of its tag. */
export function redisKeys(namespace: string): RedisKeys {
  const base = `kvkit:{${hashTag(namespace)}}:`;
  const recordBase = `${base}r:`;
  return {
    index: `${base}k`,
    expiry: `${base}x`,
    record: (key) => recordBase + key,
  };
}

/** A key name without U+0000, in the same order. */
export function escapeName(name: string): string {
  if (!name.includes("\u0000") && !name.includes("\u0001")) return name;
  // U+0001 first, so that the U+0001 the second step writes stay as they are.
  return name.replaceAll("\u0001", "\u0001\u0002").replaceAll("\u0000", "\u0001\u0001");
}

/** The inverse of {@linkcode escapeName}. */
export function unescapeName(escaped: string): string {
  if (!escaped.includes("\u0001")) return escaped;
  let name = "";
  for (let i = 0; i < escaped.length; i++) {
    const char = escaped[i];
    if (char !== "\u0001") name += char;
    else name += escaped[++i] === "\u0001" ? "\u0000" : "\u0001";
  }
  return name;
}

/** The member that indexes a key with this expiration and metadata. */
export function encodeMember(
  escaped: string,
  expiration: number | undefined,
  metadata: string | undefined,
): string {
  if (expiration === undefined && metadata === undefined) return escaped;
  return `${escaped}\u0000${expiration ?? ""}\u0000${metadata ?? ""}`;
}

/** What a member says about its key. */
export function decodeMember(member: string): KvKeyInfo {
  const end = member.indexOf("\u0000");
  if (end < 0) return { name: unescapeName(member) };
  const info: KvKeyInfo = { name: unescapeName(member.slice(0, end)) };
  const split = member.indexOf("\u0000", end + 1);
  if (split > end + 1) info.expiration = Number(member.slice(end + 1, split));
  if (split + 1 < member.length) info.metadata = member.slice(split + 1);
  return info;
}

/**
 * The `ZRANGEBYLEX` bounds of the members of keys that start with
 * `prefix` and sort after `after` (which starts with `prefix`). Every
 * member of `after` itself is below `[escape(after) U+0001`, every member
 * of a later key at or above it; `prefixEnd` bounds the prefix.
 */
export function listBounds(prefix: string, after: string | undefined): [string, string] {
  const min = after !== undefined
    ? `[${escapeName(after)}\u0001`
    : prefix === ""
    ? "-"
    : `[${escapeName(prefix)}`;
  const end = prefixEnd(prefix);
  return [min, end === undefined ? "+" : `(${escapeName(end)}`];
}
