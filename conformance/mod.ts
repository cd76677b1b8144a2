/**
 * The kvkit conformance suite: proof that a namespace behaves like a
 * Cloudflare Workers KV binding. Run it on any adapter, kvkit's or your
 * own, with any test runner.
 *
 * - {@linkcode testKv} registers the cases with a test function
 *   (`Deno.test`, `node:test`, `bun:test`, vitest's or `@std/testing/bdd`'s
 *   `it`); {@linkcode runConformance} runs them and returns a report.
 * - {@linkcode clockFixture} builds the usual fixture on a fake clock.
 * - {@linkcode cases} holds every case; each area's cases are also
 *   exported on their own (`listCases`, ...), for the `cases` option.
 *
 * @example With Deno.test
 * ```ts ignore
 * import { clockFixture, testKv } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * testKv(Deno.test, "memory", () => clockFixture((now) => createMemoryKv({ now })));
 * ```
 *
 * @module
 */

export {
  areas,
  type CaseInfo,
  type ConformanceArea,
  type ConformanceCase,
  type ConformanceTag,
  type KvFixture,
  type KvFixtureFactory,
} from "./case.ts";
export { cases } from "./cases.ts";
export { getCases } from "./get_cases.ts";
export { putCases } from "./put_cases.ts";
export { metadataCases } from "./metadata_cases.ts";
export { expirationCases } from "./expiration_cases.ts";
export { listCases } from "./list_cases.ts";
export { bulkCases } from "./bulk_cases.ts";
export { validationCases } from "./validation_cases.ts";
export { orderingCases } from "./ordering_cases.ts";
export { largeCases } from "./large_cases.ts";
export { concurrencyCases } from "./concurrency_cases.ts";
export { clockFixture, createFakeClock, type FakeClock } from "./clock.ts";
export {
  type ConformanceOptions,
  type ConformanceResult,
  type ConformanceTarget,
  runConformance,
  testKv,
  type TestRegistrar,
} from "./runner.ts";
