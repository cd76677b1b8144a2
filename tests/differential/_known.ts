// Every known difference between the oracle (Miniflare 4.20260426.0 +
// workerd 1.20260426.1, through createWorkersKv) and kvkit's engine, in
// one named list. Nothing is normalized anywhere else: a difference is
// either excluded by the generator, normalized by `compare` below (and
// counted in the run's summary), or an equivalence of the comparison.

import type { Op, Outcome } from "./_ops.ts";

/** One known difference and how the differential test handles it. */
export interface KnownDifference {
  /** Stable id, used in outcome flags and in the summary. */
  id: string;
  /** Whose behaviour it is. */
  source: "miniflare" | "miniflare-test-mode" | "by-design";
  /** What differs. */
  what: string;
  /** `generator`: never generated; `normalize`: handled in compare(); `equivalent`: the comparison treats both as equal. */
  handling: "generator" | "normalize" | "equivalent";
}

/** The named list. */
export const KNOWN: readonly KnownDifference[] = [
  {
    id: "list-at-expiry-ms",
    source: "miniflare",
    what: "At the exact millisecond a key expires, Miniflare's list still includes it " +
      "(its filter is expiration >= now) while get returns null (spec §3). kvkit hides it " +
      "from both. The oracle probes each list issued on a whole second; a flagged page is " +
      "not compared, nor are later pages that continue from its cursor.",
    handling: "normalize",
  },
  {
    id: "test-mode-value-size",
    source: "miniflare-test-mode",
    what: "Fake time needs Miniflare's control endpoints, which limit that namespace's values " +
      "to 1 KiB (spec §4.3 (a)). Values are at most a few dozen bytes; the 25 MiB limit is " +
      "covered by the conformance suite.",
    handling: "generator",
  },
  {
    id: "test-mode-bulk-size",
    source: "miniflare-test-mode",
    what: "In test mode a bulk read fails past 1 KiB in total (`...exceeds the limit of " +
      "0.0009765625MB`). A bulk read has no visible side effect, so when the oracle fails " +
      "with exactly that error and the adapter succeeded, the read counts as equal.",
    handling: "normalize",
  },
  {
    id: "bulk-lone-surrogate",
    source: "by-design",
    what: "Workers turns a lone surrogate in a bulk key into U+FFFD; kvkit (and " +
      "createWorkersKv) reject it. Bulk keys are generated without lone surrogates; single-key " +
      "operations get them.",
    handling: "generator",
  },
  {
    id: "foreign-cursor",
    source: "by-design",
    what: "kvkit's cursors are its own opaque format, bound to namespace and prefix; Miniflare's " +
      "are base64 of the last key. A cursor is only ever reused with the prefix it came " +
      "from, and garbage cursors are not generated. Cursor strings are compared by presence.",
    handling: "generator",
  },
  {
    id: "stream-first",
    source: "by-design",
    what: "createWorkersKv reads a stream value before calling the binding (workerd stores an " +
      "empty value for a stream that errors), so a stream that fails and an invalid key or " +
      "option together report the stream's error, where the engine reports the key's. " +
      "Failing streams are generated only with a valid key and no options.",
    handling: "generator",
  },
  {
    id: "sync-throw",
    source: "by-design",
    what: "workerd throws synchronously for getWithMetadata key errors and get argument " +
      "conversion; kvkit rejects. Each call is awaited inside a try, so both are an error.",
    handling: "equivalent",
  },
  {
    id: "kv-error-class",
    source: "by-design",
    what: "Errors compare by class (TypeError, SyntaxError, RangeError, or any other Error, " +
      "which includes KvError) and exact message text.",
    handling: "equivalent",
  },
];

/** How often each normalization was applied in a run. */
export type Applied = Map<string, number>;

const TEST_MODE_BULK =
  "KV GET_BULK failed: 413 Total size of request exceeds the limit of 0.0009765625MB";

function count(applied: Applied, id: string): void {
  applied.set(id, (applied.get(id) ?? 0) + 1);
}

function isBulk(op: Op): boolean {
  return (op.op === "get" || op.op === "getWithMetadata") && Array.isArray(op.args[0]);
}

function listsWithCursor(op: Op): boolean {
  const options = op.op === "list" ? op.args[0] : undefined;
  return typeof options === "object" && options !== null &&
    JSON.stringify((options as { cursor?: unknown }).cursor) === '{"$":"cursor"}';
}

function listPrefix(op: Op): string {
  const options = op.op === "list" ? op.args[0] : undefined;
  if (typeof options !== "object" || options === null) return "";
  const prefix = (options as { prefix?: unknown }).prefix;
  return prefix === undefined || prefix === null ? "" : String(prefix);
}

/**
 * Compares a sequence's outcomes, oracle against adapter. Returns the
 * index of the first real difference, or -1. Applied normalizations are
 * counted in `applied`.
 */
export function compare(
  ops: Op[],
  oracle: Outcome[],
  adapter: Outcome[],
  applied: Applied,
): number {
  const poisoned = new Set<string>();
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    const expected = oracle[i];
    const actual = adapter[i];
    if (op.op === "list") {
      const prefix = listPrefix(op);
      if (expected.flags?.includes("list-at-expiry-ms")) {
        count(applied, "list-at-expiry-ms");
        poisoned.add(prefix);
        continue;
      }
      if (listsWithCursor(op)) {
        if (poisoned.has(prefix)) {
          count(applied, "list-at-expiry-ms");
          continue;
        }
      } else poisoned.delete(prefix);
    }
    if (same(expected, actual)) continue;
    if (
      isBulk(op) && expected.error?.message === TEST_MODE_BULK && actual.ok !== undefined
    ) {
      count(applied, "test-mode-bulk-size");
      continue;
    }
    return i;
  }
  return -1;
}

function same(a: Outcome, b: Outcome): boolean {
  return JSON.stringify({ ok: a.ok, error: a.error }) ===
    JSON.stringify({ ok: b.ok, error: b.error });
}
