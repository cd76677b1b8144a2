/**
 * The kvkit conformance suite: proof that a namespace behaves like a
 * Cloudflare Workers KV binding. Run it on any adapter, kvkit's or your
 * own, with any test runner.
 *
 * @example With Deno.test
 * ```ts ignore
 * import { createFakeClock, testKv } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * testKv(Deno.test, "memory", () => {
 *   const clock = createFakeClock();
 *   return { kv: createMemoryKv({ now: clock.now }), now: clock.now, advanceTime: clock.advance };
 * });
 * ```
 *
 * @module
 */

export { areas, type ConformanceArea, type ConformanceCase, type ConformanceTag } from "./case.ts";
export { cases } from "./cases.ts";
export { createFakeClock, type FakeClock } from "./clock.ts";
export {
  type CaseInfo,
  type ConformanceOptions,
  type ConformanceResult,
  type ConformanceTarget,
  type KvFixture,
  type KvFixtureFactory,
  runConformance,
  testKv,
  type TestRegistrar,
} from "./runner.ts";
