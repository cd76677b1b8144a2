/**
 * The shape of a conformance case, and of the fixture it runs against.
 *
 * @module
 */

import type { KvNamespace } from "../types.ts";

/**
 * What a case runs against: a fresh, empty namespace plus, optionally,
 * control of its clock. {@linkcode clockFixture} builds one on a fake clock.
 */
export interface KvFixture {
  /** The namespace under test. It must be empty. */
  kv: KvNamespace;
  /**
   * The namespace's current time in epoch milliseconds, for cases that
   * compute absolute expirations. Defaults to `Date.now()`.
   */
  now?(): number;
  /**
   * Moves the namespace's clock forward. Cases tagged `clock` need it;
   * without it, declare them skipped.
   */
  advanceTime?(ms: number): void | Promise<void>;
  /** Releases the fixture after the case. */
  close?(): void | Promise<void>;
}

/** Identifies the case a fixture is made for. */
export interface CaseInfo {
  /** Stable id, e.g. `list.cursor-pages`. */
  id: string;
  /** The area the case belongs to. */
  area: ConformanceArea;
  /** A sentence describing the behaviour. */
  name: string;
  /** `clock` when the case advances time, `large` when it moves 25 MiB. */
  tags: readonly ConformanceTag[];
}

/** Makes a fresh fixture for each case. */
export type KvFixtureFactory = (
  info: CaseInfo,
) => KvFixture | Promise<KvFixture>;

/** The behaviour areas the cases are grouped by. */
export type ConformanceArea =
  | "get"
  | "put"
  | "metadata"
  | "expiration"
  | "list"
  | "bulk"
  | "validation"
  | "ordering"
  | "large"
  | "concurrency";

/**
 * Every area, in report order.
 *
 * @example
 * ```ts
 * import { areas, cases } from "@kvkit/kvkit/conformance";
 *
 * for (const area of areas) console.log(area, cases.filter((c) => c.area === area).length);
 * ```
 */
export const areas: readonly ConformanceArea[] = [
  "get",
  "put",
  "metadata",
  "expiration",
  "list",
  "bulk",
  "validation",
  "ordering",
  "large",
  "concurrency",
];

/**
 * `clock`: the case calls `advanceTime`. `large`: the case moves values of
 * several MiB up to 25 MiB.
 */
export type ConformanceTag = "clock" | "large";

/** One behaviour of Workers KV, checked against a fixture. */
export interface ConformanceCase {
  /** Stable id, `<area>.<slug>`. */
  id: string;
  /** The area it belongs to. */
  area: ConformanceArea;
  /** What must hold, as a sentence. */
  name: string;
  /** Needs beyond a plain namespace. */
  tags?: readonly ConformanceTag[];
  /** Throws when the fixture's namespace does not behave. */
  run(fixture: KvFixture): Promise<void>;
}

/**
 * Returns a function that builds the cases of one area, prefixing ids with
 * the area name.
 */
export function caseBuilder(
  area: ConformanceArea,
): (
  id: string,
  name: string,
  run: (fixture: KvFixture) => Promise<void>,
  tags?: readonly ConformanceTag[],
) => ConformanceCase {
  return (id, name, run, tags) => ({ id: `${area}.${id}`, area, name, run, tags });
}
