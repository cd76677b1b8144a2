/**
 * The shape of a conformance case.
 *
 * @module
 */

import type { KvFixture } from "./runner.ts";

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
