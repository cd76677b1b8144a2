/**
 * Every conformance case, in area order.
 *
 * @module
 */

import type { ConformanceCase } from "./case.ts";
import { getCases } from "./get_cases.ts";
import { putCases } from "./put_cases.ts";
import { metadataCases } from "./metadata_cases.ts";
import { expirationCases } from "./expiration_cases.ts";
import { listCases } from "./list_cases.ts";
import { bulkCases } from "./bulk_cases.ts";
import { validationCases } from "./validation_cases.ts";
import { orderingCases } from "./ordering_cases.ts";
import { largeCases } from "./large_cases.ts";
import { concurrencyCases } from "./concurrency_cases.ts";

/**
 * All cases, grouped by area in report order. Each has a stable `id`, its
 * `area`, a `name` that states the behaviour, optional `tags` (`clock`,
 * `large`) and `run(fixture)`.
 *
 * @example Run one case by hand
 * ```ts
 * import { cases } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const utf8Order = cases.find((c) => c.id === "ordering.utf8")!;
 * await utf8Order.run({ kv: createMemoryKv() }); // throws if the order is wrong
 * ```
 */
export const cases: readonly ConformanceCase[] = [
  ...getCases,
  ...putCases,
  ...metadataCases,
  ...expirationCases,
  ...listCases,
  ...bulkCases,
  ...validationCases,
  ...orderingCases,
  ...largeCases,
  ...concurrencyCases,
];
