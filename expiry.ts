/**
 * Expiry: the one rule that decides whether a record is expired
 * ({@linkcode isExpired}), and how `put`'s `expiration` and
 * `expirationTtl` options become a record's expiration.
 *
 * Workers KV keeps expirations in whole seconds since the epoch and hides
 * a key from the millisecond its expiration second begins. A TTL counts
 * from the current whole second, so TTL expiry lands on second boundaries.
 *
 * @module
 */

import { KvError } from "./errors.ts";
import { KV_LIMITS } from "./limits.ts";

/**
 * Whether a record with this expiration (whole epoch seconds, or none) is
 * expired at `nowMs`: Workers KV hides a key from the millisecond its
 * expiration second begins. The engine filters every read with it; drivers
 * use it when they reclaim storage.
 *
 * @param expiration The record's expiration in epoch seconds, if any.
 * @param nowMs The current time in epoch milliseconds.
 * @returns True when the record must no longer be served.
 *
 * @example
 * ```ts
 * import { isExpired } from "@kvkit/kvkit/driver";
 *
 * if (!isExpired(1000, 1_000_000) || isExpired(1000, 999_999)) throw new Error();
 * if (isExpired(undefined, Date.now())) throw new Error("no expiration never expires");
 * ```
 */
export function isExpired(expiration: number | undefined, nowMs: number): boolean {
  return expiration !== undefined && expiration * 1000 <= nowMs;
}

/**
 * The expiration a put stores, from its int32-coerced options, checked as
 * Workers' backend checks them: `expirationTtl` wins over `expiration`
 * (which is then not even validated), a TTL must be at least 60 seconds,
 * and an absolute expiration at least 60 seconds past the current second.
 *
 * @param expiration The `expiration` option, absolute epoch seconds.
 * @param expirationTtl The `expirationTtl` option, seconds from now.
 * @param now The clock, epoch ms; read only when an option is given.
 * @returns The expiration in epoch seconds, or `undefined` for none.
 * @throws {KvError} 400 with Workers' text for an expiration too soon.
 */
export function putExpiration(
  expiration: number | undefined,
  expirationTtl: number | undefined,
  now: () => number,
): number | undefined {
  const min = KV_LIMITS.minExpirationTtl;
  if (expirationTtl !== undefined) {
    if (expirationTtl <= 0) {
      throw new KvError(
        "PUT",
        400,
        `Invalid expiration_ttl of ${expirationTtl}. Please specify integer greater than 0.`,
      );
    }
    if (expirationTtl < min) {
      throw new KvError(
        "PUT",
        400,
        `Invalid expiration_ttl of ${expirationTtl}. Expiration TTL must be at least ${min}.`,
      );
    }
    return Math.floor(now() / 1000) + expirationTtl;
  }
  if (expiration === undefined) return undefined;
  const nowSeconds = Math.floor(now() / 1000);
  if (expiration <= nowSeconds) {
    throw new KvError(
      "PUT",
      400,
      `Invalid expiration of ${expiration}. Please specify integer greater than the current number of seconds since the UNIX epoch.`,
    );
  }
  if (expiration < nowSeconds + min) {
    throw new KvError(
      "PUT",
      400,
      `Invalid expiration of ${expiration}. Expiration times must be at least ${min} seconds in the future.`,
    );
  }
  return expiration;
}
