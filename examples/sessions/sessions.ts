/**
 * Login sessions in a Workers KV namespace: one key per session, expiring
 * on its own with `expirationTtl`, renewed by {@linkcode touch}, listed per
 * user by key prefix with the session's metadata, so listing never reads a
 * value.
 *
 * Keys are `sessions/<user>/<random id>`, with the user URI-encoded so that
 * no user's prefix is another's. A session id is the part after
 * `sessions/`, so it alone finds the key.
 *
 * @example
 * ```ts
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 * import { createSession, getSession, listSessions } from "./sessions.ts";
 *
 * await using kv = createMemoryKv();
 * const id = await createSession(kv, "ada", { device: "laptop" });
 * const session = await getSession(kv, id);
 * const mine = await listSessions(kv, "ada");
 * console.log(session?.user, mine.length); // ada 1
 * ```
 *
 * @module
 */

import type { KvNamespace } from "../../mod.ts";

/** How long a session lives without {@linkcode touch}: one hour, in seconds. */
export const SESSION_TTL = 3600;

/** What the app keeps about a session, stored as its metadata (at most 1024 bytes of JSON). */
export type SessionInfo = Record<string, string | number | boolean>;

/** A live session, as {@linkcode getSession} reads it. */
export interface Session {
  /** The session id, as {@linkcode createSession} returned it. */
  id: string;
  /** Who signed in. */
  user: string;
  /** What the app stored with the session. */
  info: SessionInfo;
}

/** One of a user's sessions, as {@linkcode listSessions} lists it. */
export interface SessionListing {
  /** The session id. */
  id: string;
  /** The session's metadata. */
  info: SessionInfo;
  /** When the session expires, in seconds since the epoch, on the namespace's clock. */
  expiration: number;
}

/** The stored value: what `touch` needs to write the session again. */
interface Stored {
  user: string;
  ttl: number;
}

const PREFIX = "sessions/";

function userPrefix(user: string): string {
  return `${PREFIX}${encodeURIComponent(user)}/`;
}

/**
 * Starts a session for `user`, which expires `ttl` seconds from now
 * unless renewed.
 *
 * @param kv The namespace.
 * @param user Who signed in.
 * @param info What to keep with the session (device, address, ...), shown
 * by {@linkcode listSessions}.
 * @param ttl Its lifetime in seconds, at least 60 (Workers KV's minimum).
 * @returns The new session's id.
 */
export async function createSession(
  kv: KvNamespace,
  user: string,
  info: SessionInfo = {},
  ttl: number = SESSION_TTL,
): Promise<string> {
  const id = `${encodeURIComponent(user)}/${crypto.randomUUID()}`;
  const stored: Stored = { user, ttl };
  await kv.put(PREFIX + id, JSON.stringify(stored), { expirationTtl: ttl, metadata: info });
  return id;
}

/**
 * Reads a session.
 *
 * @param kv The namespace.
 * @param id The session id.
 * @returns The session, or `null` when it ended or expired.
 */
export async function getSession(kv: KvNamespace, id: string): Promise<Session | null> {
  const { value, metadata } = await kv.getWithMetadata<Stored, SessionInfo>(PREFIX + id, "json");
  if (value === null) return null;
  return { id, user: value.user, info: metadata ?? {} };
}

/**
 * Renews a session: it expires its full TTL from now again. Workers KV has
 * no compare-and-set, so a session ended at the same moment elsewhere can
 * come back; end it again to be sure.
 *
 * @param kv The namespace.
 * @param id The session id.
 * @returns Whether the session was still live (and is now renewed).
 */
export async function touch(kv: KvNamespace, id: string): Promise<boolean> {
  const { value, metadata } = await kv.getWithMetadata<Stored, SessionInfo>(PREFIX + id, "json");
  if (value === null) return false;
  await kv.put(PREFIX + id, JSON.stringify(value), {
    expirationTtl: value.ttl,
    metadata: metadata ?? {},
  });
  return true;
}

/**
 * Ends a session (signs out). Ending a session that is gone succeeds.
 *
 * @param kv The namespace.
 * @param id The session id.
 * @returns When the session is deleted.
 */
export async function endSession(kv: KvNamespace, id: string): Promise<void> {
  await kv.delete(PREFIX + id);
}

/**
 * Lists a user's live sessions, in key order, with their metadata and
 * expiration, page by page: it reads no values.
 *
 * @param kv The namespace.
 * @param user The user.
 * @returns The user's sessions.
 */
export async function listSessions(kv: KvNamespace, user: string): Promise<SessionListing[]> {
  const prefix = userPrefix(user);
  const out: SessionListing[] = [];
  let cursor: string | undefined;
  while (true) {
    const page = await kv.list<SessionInfo>({ prefix, cursor });
    for (const key of page.keys) {
      out.push({
        id: key.name.slice(PREFIX.length),
        info: key.metadata ?? {},
        expiration: key.expiration!,
      });
    }
    // A page can be short before the end: loop on list_complete, not on size.
    if (page.list_complete) return out;
    cursor = page.cursor;
  }
}

/**
 * Ends every session of a user (signs out everywhere).
 *
 * @param kv The namespace.
 * @param user The user.
 * @returns How many sessions were ended.
 */
export async function endAllSessions(kv: KvNamespace, user: string): Promise<number> {
  const sessions = await listSessions(kv, user);
  await Promise.all(sessions.map((session) => endSession(kv, session.id)));
  return sessions.length;
}
