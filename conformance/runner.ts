/**
 * Runs the conformance cases: {@linkcode testKv} registers them with any
 * test runner, {@linkcode runConformance} runs them and returns a report.
 *
 * @module
 */

import { cases as allCases } from "./cases.ts";
import type { CaseInfo, ConformanceArea, ConformanceCase, KvFixtureFactory } from "./case.ts";

/** Options for {@linkcode testKv} and {@linkcode runConformance}. */
export interface ConformanceOptions {
  /**
   * The cases to run, e.g. one area's (`listCases`) or your own.
   * Defaults to every case, {@linkcode allCases}.
   */
  cases?: readonly ConformanceCase[];
  /**
   * Cases to skip, each with the reason. A key is a case id, an area
   * (`expiration`) or a tag (`clock`, `large`). Every skip is reported.
   */
  skip?: Record<string, string>;
  /** Runs only the cases this returns true for. Unselected cases are not reported. */
  filter?: (info: CaseInfo) => boolean;
  /**
   * Fails a case that has not settled after this many milliseconds, so a
   * hung adapter cannot stall the run. Defaults to 120 000.
   */
  timeoutMs?: number;
}

/**
 * A named adapter setup to run the suite against: what the CLI's
 * `conformance` command runs, and a convenient unit for your own runs.
 */
export interface ConformanceTarget {
  /** A short label, e.g. `deno-kv:file`. */
  name: string;
  /** Makes a fresh, empty fixture per case. */
  factory: KvFixtureFactory;
  /** Declared skips and filters for this target. */
  options?: ConformanceOptions;
  /** Releases whatever the target shares across cases (a server, a file). */
  dispose?(): Promise<void>;
}

/** One case's outcome. */
export interface ConformanceResult {
  /** The case id. */
  id: string;
  /** The case's area. */
  area: ConformanceArea;
  /** The case's description. */
  name: string;
  /** What happened. */
  status: "pass" | "fail" | "skip";
  /** Wall time of the case, fixture included. */
  ms: number;
  /** The failure message, for `fail`. */
  error?: string;
  /** The declared reason, for `skip`. */
  reason?: string;
}

/**
 * A function that registers a test: `Deno.test`, `node:test`'s `test`,
 * `bun:test`'s `test`, or the `it` of vitest or `@std/testing/bdd`. Its
 * `skip` (or Deno's `ignore`), when present, registers skipped cases.
 */
export interface TestRegistrar {
  (name: string, fn: () => Promise<void>): unknown;
  /** Registers a skipped test, where the runner has such a form. */
  skip?: (name: string, fn: () => Promise<void>) => unknown;
  /** Deno's name for `skip`. */
  ignore?: (name: string, fn: () => Promise<void>) => unknown;
}

function info(c: ConformanceCase): CaseInfo {
  return { id: c.id, area: c.area, name: c.name, tags: c.tags ?? [] };
}

function skipReason(
  c: ConformanceCase,
  skip: Record<string, string> | undefined,
) {
  if (skip === undefined) return undefined;
  if (Object.hasOwn(skip, c.id)) return skip[c.id];
  if (Object.hasOwn(skip, c.area)) return skip[c.area];
  for (const tag of c.tags ?? []) {
    if (Object.hasOwn(skip, tag)) return skip[tag];
  }
  return undefined;
}

function selected(options: ConformanceOptions): readonly ConformanceCase[] {
  const cases = options.cases ?? allCases;
  const known = new Set<string>();
  for (const c of [...allCases, ...cases]) {
    known.add(c.id);
    known.add(c.area);
    for (const tag of c.tags ?? []) known.add(tag);
  }
  for (const key of Object.keys(options.skip ?? {})) {
    if (!known.has(key)) {
      throw new TypeError(`skip: "${key}" is not a case id, area or tag`);
    }
  }
  return options.filter ? cases.filter((c) => options.filter!(info(c))) : cases;
}

/** Runs one case on a fresh fixture, within the timeout, and closes it. */
async function runCase(
  c: ConformanceCase,
  factory: KvFixtureFactory,
  timeoutMs = 120_000,
): Promise<void> {
  const fixture = await factory(info(c));
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    if ((c.tags ?? []).includes("clock") && fixture.advanceTime === undefined) {
      throw new Error(
        `case "${c.id}" advances time, but the fixture has no advanceTime(); ` +
          `declare skip: { clock: "<reason>" } if the adapter has no clock`,
      );
    }
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`case "${c.id}" did not settle within ${timeoutMs} ms`),
          ),
        timeoutMs,
      );
    });
    await Promise.race([c.run(fixture), timeout]);
  } finally {
    clearTimeout(timer);
    await fixture.close?.();
  }
}

/**
 * Registers every conformance case as a test with the given test
 * function. Declared skips are registered with the runner's `skip` (or
 * `ignore`) form when it has one, and are always printed.
 *
 * @param test `Deno.test`, `node:test`'s `test`, or an `it`.
 * @param name A label for the adapter, put in front of each test name.
 * @param factory Makes a fresh, empty fixture for each case.
 * @param options The cases, skips and a filter.
 *
 * @example With Deno.test
 * ```ts ignore
 * import { clockFixture, testKv } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * testKv(Deno.test, "memory", () => clockFixture((now) => createMemoryKv({ now })));
 * ```
 *
 * @example With a describe/it pair (node:test, vitest, @std/testing/bdd)
 * ```ts ignore
 * import { describe, it } from "node:test";
 * import { clockFixture, testKv } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * describe("memory adapter", () => {
 *   testKv(it, "", () => clockFixture((now) => createMemoryKv({ now })));
 * });
 * ```
 */
export function testKv(
  test: TestRegistrar,
  name: string,
  factory: KvFixtureFactory,
  options: ConformanceOptions = {},
): void {
  for (const c of selected(options)) {
    const title = `${name ? `${name}: ` : ""}${c.area}: ${c.name} [${c.id}]`;
    const reason = skipReason(c, options.skip);
    if (reason !== undefined) {
      console.log(
        `kvkit conformance: ${name || "adapter"} skips ${c.id}: ${reason}`,
      );
      const skip = test.skip ?? test.ignore;
      if (skip !== undefined) {
        skip.call(test, `${title} (skipped: ${reason})`, async () => {});
      }
      continue;
    }
    test(title, () => runCase(c, factory, options.timeoutMs));
  }
}

/**
 * Runs every conformance case in order and returns one result per case,
 * skips included. It never throws for a failing case.
 *
 * @param factory Makes a fresh, empty fixture for each case.
 * @param options The cases, skips, a filter, and a progress callback.
 * @returns One result per selected case.
 *
 * @example
 * ```ts
 * import { clockFixture, orderingCases, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(
 *   () => clockFixture((now) => createMemoryKv({ now })),
 *   { cases: orderingCases },
 * );
 * const failed = report.filter((r) => r.status === "fail");
 * if (failed.length > 0) throw new Error(failed[0].error);
 * ```
 */
export async function runConformance(
  factory: KvFixtureFactory,
  options: ConformanceOptions & {
    /** Called after each case, for progress output. */
    onResult?: (result: ConformanceResult) => void;
  } = {},
): Promise<ConformanceResult[]> {
  const report: ConformanceResult[] = [];
  for (const c of selected(options)) {
    const base = { id: c.id, area: c.area, name: c.name };
    const reason = skipReason(c, options.skip);
    let result: ConformanceResult;
    if (reason !== undefined) {
      result = { ...base, status: "skip", ms: 0, reason };
    } else {
      const start = performance.now();
      try {
        await runCase(c, factory, options.timeoutMs);
        result = { ...base, status: "pass", ms: performance.now() - start };
      } catch (error) {
        result = {
          ...base,
          status: "fail",
          ms: performance.now() - start,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        };
      }
    }
    report.push(result);
    options.onResult?.(result);
  }
  return report;
}
