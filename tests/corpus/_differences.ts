// Every deliberate difference between kvkit and workerd's raw binding
// that the corpus shows, in one list. Each has a one-line reason, as the
// README's "Where kvkit differs from a Workers binding" states it, and
// either a rule that rewrites both outcomes (workerd's and kvkit's) or
// kvkit's own outcome for the inputs it concerns. Anything else the corpus
// finds is a bug.

import type { Outcome, StoredKey } from "./_run.ts";

/** Which kvkit namespaces a difference concerns. */
export type Subject = "engine" | "openMiniflareKv";

/** One deliberate difference. */
export interface Difference {
  /** A short name, for the counts. */
  name: string;
  /** One line, as the README's list says it. */
  reason: string;
  /** The namespaces that differ; absent: all of them. */
  subjects?: readonly Subject[];
  /** Rewrites an outcome so that what the difference allows compares equal. */
  normalize?(outcome: Outcome, id: string): Outcome;
  /** kvkit's outcome, by input id, where it answers otherwise. */
  kvkit?: Readonly<Record<string, Outcome>>;
}

const map = (...entries: [string, unknown][]): Outcome => ({ ok: { $: "Map", entries } });
const done: Outcome["ok"] = { $: "undefined" };
const EMPTY_PAGE = { keys: [], list_complete: true, cacheStatus: null };
const old: StoredKey[] = [{ name: "k", metadata: { m: 1 }, value: "76" }];
const stored = (value: string): StoredKey[] => [{ name: "k", value }];

/** The list, in the README's order. */
export const differences: readonly Difference[] = [
  {
    name: "always-rejects",
    reason: "Errors always arrive as rejected promises; workerd throws synchronously from " +
      "`get` and `getWithMetadata` for argument-conversion errors, and from " +
      "`getWithMetadata` for bad key names.",
    normalize: ({ sync: _, ...rest }) => rest,
  },
  {
    name: "lone-surrogate-keys",
    reason: "Keys with lone surrogates fail everywhere with `KV <OP> failed: 400 Could not " +
      "URL-decode key name`, bulk reads included; Workers mangles them in bulk reads.",
    kvkit: {
      "getBulk.keys.lone-surrogate": {
        error: {
          name: "KvError",
          message: "KV GET_BULK failed: 400 Could not URL-decode key name",
        },
      },
      "getWithMetadataBulk.keys.lone-surrogate": {
        error: {
          name: "KvError",
          message: "KV GET_BULK failed: 400 Could not URL-decode key name",
        },
      },
    },
  },
  {
    name: "own-cursor",
    reason: "The `list` cursor is kvkit's own opaque string, bound to the namespace and " +
      "prefix; a garbage one yields an empty, complete page.",
    subjects: ["engine"],
    normalize(outcome) {
      const ok = outcome.ok as { cursor?: unknown } | undefined;
      if (typeof ok?.cursor !== "string") return outcome;
      return { ...outcome, ok: { ...ok, cursor: "<cursor>" } };
    },
    kvkit: {
      // Miniflare decodes these as "start after" keys that sort early.
      "list.options.cursor-number": { ok: EMPTY_PAGE },
      "list.options.cursor-bigint": { ok: EMPTY_PAGE },
      "list.options.cursor-long": { ok: EMPTY_PAGE },
      "list.options.cursor-proxy-function": {
        ok: EMPTY_PAGE,
        hits: ["cursor.get:Symbol(Symbol.toPrimitive)", "cursor.get:toString"],
      },
    },
  },
  {
    name: "every-bulk-key",
    reason: 'Bulk `get` returns integer-like keys ("1"), "__proto__" and a value for every ' +
      "requested key; the Miniflare binding drops them.",
    kvkit: {
      "getBulk.keys.integer-like": map(["1", "one"], ["a", "1"]),
      "getBulk.keys.proto": map(["__proto__", '"p"'], ["a", "1"]),
      "getBulk.keys.numbers": map(["1", "one"], ["2", null]),
      "getBulk.keys.bigint": map(["1", "one"]),
      "getWithMetadataBulk.keys.integer-like": map(
        ["1", { value: "one", metadata: null }],
        ["a", { value: "1", metadata: { m: "a" } }],
      ),
      "getWithMetadataBulk.keys.proto": map(
        ["__proto__", { value: '"p"', metadata: null }],
        ["a", { value: "1", metadata: { m: "a" } }],
      ),
      "getWithMetadataBulk.keys.numbers": map(["1", { value: "one", metadata: null }], ["2", null]),
      "getWithMetadataBulk.keys.bigint": map(["1", { value: "one", metadata: null }]),
    },
  },
  {
    name: "kverror-name",
    reason: '`KvError`\'s name is "KvError"; Workers\' plain errors are named "Error".',
    normalize(outcome) {
      if (outcome.error?.name !== "KvError") return outcome;
      return { ...outcome, error: { ...outcome.error, name: "Error" } };
    },
  },
  {
    name: "stream-read-first",
    reason: "A put's stream is read before anything is stored: when it fails, the old value " +
      "stays and the stream's own error arrives (workerd stores an empty value, and re-creates " +
      "errors of classes it does not know as plain Errors).",
    kvkit: {
      "put.value.stream-of-strings": {
        error: { name: "TypeError", message: "This ReadableStream did not return bytes." },
        state: old,
      },
      "put.value.stream-that-errors": {
        error: { name: "Boom", message: "boom from the caller's hook", boom: true },
        state: old,
      },
    },
  },
  {
    name: "bytes-at-call",
    reason: "A put's bytes are taken at the call: changing or resizing the buffer afterwards " +
      "changes nothing (workerd reads them only when it sends them).",
    kvkit: {
      "put.value.mutated-after-call": { ok: done, state: stored("010203") },
      "put.value.resizable-shrunk-after-call": { ok: done, state: stored("010203") },
      "put.value.tracking-view-shrunk-after-call": { ok: done, state: stored("020304") },
      "put.value.fixed-view-out-of-bounds-after-call": { ok: done, state: stored("0203") },
    },
  },
  {
    name: "proxy-array-key",
    reason: "A Proxy of an array given as a key is read as a bulk key list (`Array.isArray` " +
      "sees through Proxies); workerd converts it with `String()` and reads one key.",
    kvkit: {
      "get.key.proxy-array": {
        ok: { $: "Map", entries: [["k", "v"]] },
        hits: ["key.get:Symbol(Symbol.iterator)", "key.get:length", "key.get:0", "key.get:length"],
      },
      "getWithMetadata.key.proxy-array": {
        ok: { $: "Map", entries: [["k", { value: "v", metadata: { m: 1 } }]] },
        hits: ["key.get:Symbol(Symbol.iterator)", "key.get:length", "key.get:0", "key.get:length"],
      },
    },
  },
  {
    name: "stream-brand-check",
    reason: "A Proxy given as a put value has its prototype read once (a `getPrototypeOf` " +
      "trap) where `ReadableStream` is written in JavaScript (Deno, Node).",
    normalize(outcome, id) {
      if (!id.startsWith("put.value.proxy-") || outcome.hits?.[0] !== "value.getPrototypeOf") {
        return outcome;
      }
      return { ...outcome, hits: outcome.hits.slice(1) };
    },
  },
];

/** How kvkit's outcome for one input compares with workerd's. */
export interface Comparison {
  /** Equal as recorded. */
  exact: boolean;
  /** Equal once the differences are applied. */
  equal: boolean;
  /** The differences that made it equal. */
  used: string[];
}

const json = (value: unknown) => JSON.stringify(value);

/** Compares kvkit's outcome with workerd's, allowing the listed differences. */
export function compare(
  id: string,
  workerd: Outcome,
  kvkit: Outcome,
  subject: Subject,
): Comparison {
  if (json(workerd) === json(kvkit)) return { exact: true, equal: true, used: [] };
  const used: string[] = [];
  let expected = workerd;
  let actual = kvkit;
  for (const difference of differences) {
    if (difference.subjects !== undefined && !difference.subjects.includes(subject)) continue;
    const own = difference.kvkit?.[id];
    if (own !== undefined) {
      expected = own;
      used.push(difference.name);
    }
  }
  for (const difference of differences) {
    if (difference.subjects !== undefined && !difference.subjects.includes(subject)) continue;
    if (difference.normalize === undefined) continue;
    const [e, a] = [difference.normalize(expected, id), difference.normalize(actual, id)];
    if (json(e) !== json(expected) || json(a) !== json(actual)) used.push(difference.name);
    expected = e;
    actual = a;
  }
  return { exact: false, equal: json(expected) === json(actual), used };
}
