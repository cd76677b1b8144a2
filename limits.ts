/**
 * Workers KV's limits, which the engine enforces: {@linkcode KV_LIMITS}.
 *
 * @module
 */

/** Workers KV's limits, as {@linkcode KV_LIMITS} lists them. */
export interface KvLimits {
  /** Largest key, in UTF-8 bytes. */
  readonly maxKeyBytes: number;
  /** Largest value, in bytes (25 MiB). */
  readonly maxValueBytes: number;
  /** Largest serialized metadata, in UTF-8 bytes. */
  readonly maxMetadataBytes: number;
  /** Most keys a `list` page returns, and the default page size. */
  readonly maxListLimit: number;
  /** Most keys one bulk `get` may request. */
  readonly maxBulkKeys: number;
  /** Largest total a bulk `get` may return, in decoded UTF-16 units. */
  readonly maxBulkSize: number;
  /** Smallest `expirationTtl`, and smallest distance of `expiration` from now, in seconds. */
  readonly minExpirationTtl: number;
  /** Smallest `cacheTtl`, in seconds. */
  readonly minCacheTtl: number;
}

/**
 * The limits the engine enforces, which are Workers KV's (spec §2.6).
 *
 * @example
 * ```ts
 * import { KV_LIMITS } from "@kvkit/kvkit";
 *
 * const value = new Uint8Array(KV_LIMITS.maxValueBytes); // the largest value allowed
 * if (value.byteLength !== 26_214_400) throw new Error("25 MiB");
 * ```
 */
export const KV_LIMITS: KvLimits = Object.freeze({
  maxKeyBytes: 512,
  maxValueBytes: 25 * 1024 * 1024,
  maxMetadataBytes: 1024,
  maxListLimit: 1000,
  maxBulkKeys: 100,
  maxBulkSize: 25 * 1024 * 1024,
  minExpirationTtl: 60,
  minCacheTtl: 30,
});
