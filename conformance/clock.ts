/**
 * A manual clock for expiry tests that never sleep.
 *
 * @module
 */

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
