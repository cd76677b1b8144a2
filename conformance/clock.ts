/**
 * A manual clock for expiry tests that never sleep, and the fixture built
 * on one.
 *
 * @module
 */

import type { KvNamespace, KvNamespaceHandle } from "../types.ts";
import type { KvFixture } from "./case.ts";

/** A clock that moves only when told to. */
export interface FakeClock {
  /** The current fake time, in epoch milliseconds. */
  now(): number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
}

/**
 * Creates a fake clock to pass as an adapter's `now` option.
 *
 * @param startMs The starting time in epoch milliseconds. Defaults to a
 * fixed instant on a whole second, 2025-01-01T00:00:00Z.
 * @returns The clock; `now` is bound, so it can be passed on its own.
 *
 * @example
 * ```ts
 * import { createFakeClock } from "@kvkit/kvkit/conformance";
 *
 * const clock = createFakeClock(1_000_000);
 * clock.advance(60_000);
 * if (clock.now() !== 1_060_000) throw new Error("clock did not advance");
 * ```
 */
export function createFakeClock(
  startMs: number = 1_735_689_600_000,
): FakeClock {
  if (!Number.isFinite(startMs)) {
    throw new TypeError(`startMs must be a finite number, got ${startMs}`);
  }
  let time = startMs;
  return {
    now: () => time,
    advance(ms: number) {
      if (!Number.isFinite(ms) || ms < 0) {
        throw new RangeError(`advance() takes a finite ms >= 0, got ${ms}`);
      }
      time += ms;
    },
  };
}

/**
 * A fixture on a fresh fake clock: opens the namespace with the clock's
 * `now` and returns it with `now`, `advanceTime` and a `close` that closes
 * the namespace when it has `close()`. The usual conformance factory.
 *
 * @param open Opens an empty namespace that reads the given clock.
 * @param startMs Where the clock starts, as in {@linkcode createFakeClock}.
 * @returns The fixture.
 *
 * @example
 * ```ts
 * import { clockFixture, runConformance } from "@kvkit/kvkit/conformance";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const report = await runConformance(
 *   () => clockFixture((now) => createMemoryKv({ now })),
 *   { filter: (c) => c.area === "expiration" },
 * );
 * if (report.some((r) => r.status !== "pass")) throw new Error("expiry broke");
 * ```
 */
export async function clockFixture(
  open: (now: () => number) => KvNamespace | Promise<KvNamespace>,
  startMs?: number,
): Promise<KvFixture> {
  const clock = createFakeClock(startMs);
  const kv = await open(clock.now);
  const closable = kv as Partial<KvNamespaceHandle>;
  return {
    kv,
    now: clock.now,
    advanceTime: clock.advance,
    close: () => closable.close?.(),
  };
}
