/**
 * Every conformance case, in area order.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";
import { getCases } from "./get_cases.ts";

/** All cases, grouped by area in report order. */
export const cases: readonly ConformanceCase[] = [
  ...getCases,
];
