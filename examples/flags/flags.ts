/**
 * Feature flags in a Workers KV namespace: each flag a JSON value under
 * `flags/<name>`, with who changed it and when as metadata. A request reads
 * the flags it needs in one bulk `get`; an admin page lists them all, a
 * page at a time, from the metadata alone.
 *
 * @example
 * ```ts
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 * import { getFlags, setFlag } from "./flags.ts";
 *
 * await using kv = createMemoryKv();
 * await setFlag(kv, "new-checkout", { enabled: true, percent: 10 }, "ada");
 * const flags = await getFlags(kv, ["new-checkout", "dark-mode"]);
 * console.log(flags.get("new-checkout"), flags.get("dark-mode"));
 * // { enabled: true, percent: 10 } null
 * ```
 *
 * @module
 */

import type { KvNamespace } from "../../mod.ts";

/** A flag's value: any JSON. */
export type FlagValue =
  | null
  | boolean
  | number
  | string
  | FlagValue[]
  | { [key: string]: FlagValue };

/** Who changed a flag and when: the flag's metadata. */
export interface FlagInfo {
  /** Who set the flag. */
  owner: string;
  /** When it was set, as an ISO 8601 date. */
  updated: string;
}

/** A flag as {@linkcode listFlags} lists it: its name and metadata, not its value. */
export interface FlagListing extends FlagInfo {
  /** The flag's name. */
  name: string;
}

/** One page of {@linkcode listFlags}. */
export interface FlagPage {
  /** The page's flags, in UTF-8 order of their names. */
  flags: FlagListing[];
  /** Where the next page starts; absent on the last page. */
  cursor?: string;
}

const PREFIX = "flags/";
/** Workers KV reads at most 100 keys in one bulk `get`. */
const BULK = 100;

/**
 * Sets a flag.
 *
 * @param kv The namespace.
 * @param name The flag's name.
 * @param value Its value.
 * @param owner Who sets it.
 * @returns When the flag is stored.
 */
export async function setFlag(
  kv: KvNamespace,
  name: string,
  value: FlagValue,
  owner: string,
): Promise<void> {
  const metadata: FlagInfo = { owner, updated: new Date().toISOString() };
  await kv.put(PREFIX + name, JSON.stringify(value), { metadata });
}

/**
 * Removes a flag.
 *
 * @param kv The namespace.
 * @param name The flag's name.
 * @returns When the flag is gone.
 */
export async function deleteFlag(kv: KvNamespace, name: string): Promise<void> {
  await kv.delete(PREFIX + name);
}

/**
 * Reads many flags at once: one bulk `get` per 100 names.
 *
 * @param kv The namespace.
 * @param names The flags to read.
 * @returns Each name's value, in the order asked, `null` for a flag that is not set.
 */
export async function getFlags(
  kv: KvNamespace,
  names: readonly string[],
): Promise<Map<string, FlagValue | null>> {
  const out = new Map<string, FlagValue | null>();
  for (let i = 0; i < names.length; i += BULK) {
    const chunk = names.slice(i, i + BULK);
    const values = await kv.get<FlagValue>(chunk.map((name) => PREFIX + name), "json");
    for (const name of chunk) out.set(name, values.get(PREFIX + name) ?? null);
  }
  return out;
}

/**
 * Lists one page of flags with their metadata; it reads no values.
 *
 * @param kv The namespace.
 * @param options `limit`: flags per page (1 to 1000, default 1000);
 * `cursor`: the previous page's `cursor`.
 * @returns The page.
 */
export async function listFlags(
  kv: KvNamespace,
  options: { limit?: number; cursor?: string } = {},
): Promise<FlagPage> {
  const page = await kv.list<FlagInfo>({ prefix: PREFIX, ...options });
  const flags = page.keys.map((key) => ({ name: key.name.slice(PREFIX.length), ...key.metadata! }));
  return page.list_complete ? { flags } : { flags, cursor: page.cursor };
}

/**
 * Every flag, page after page.
 *
 * @param kv The namespace.
 * @param limit Flags per page.
 * @returns The flags, in UTF-8 order of their names.
 */
export async function* allFlags(kv: KvNamespace, limit?: number): AsyncGenerator<FlagListing> {
  let cursor: string | undefined;
  do {
    const page = await listFlags(kv, { limit, cursor });
    yield* page.flags;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
