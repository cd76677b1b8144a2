/**
 * The one error class kvkit adds: {@linkcode KvError}, for every failure that
 * Workers KV reports as `KV <OP> failed: <status> <text>`.
 *
 * @module
 */

/** The operation names Workers KV puts in its error messages. */
export type KvOperation = "GET" | "GET_BULK" | "PUT" | "DELETE";

/**
 * A Workers KV operation failure, with the binding's exact message text,
 * e.g. `KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.`
 *
 * Workers throws a plain `Error` for these; `KvError` extends `Error`, so
 * code written for Workers keeps working, and `instanceof KvError` tells a
 * KV failure apart from a bug. A backend failure is a `KvError` with status
 * 500 whose `cause` is the native error.
 *
 * @example Catch a limit error
 * ```ts
 * import { KvError } from "@kvkit/kvkit";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const kv = createMemoryKv();
 * try {
 *   await kv.put("k", "v", { metadata: "x".repeat(2000) });
 * } catch (error) {
 *   if (!(error instanceof KvError) || error.status !== 413) throw error;
 *   console.log(error.message); // KV PUT failed: 413 Metadata length of 2002 exceeds limit of 1024.
 * }
 * ```
 */
export class KvError extends Error {
  /** The failed operation, as Workers KV names it. */
  readonly operation: KvOperation;
  /** The HTTP status Workers KV reports. */
  readonly status: number;

  /**
   * Builds the error and its Workers-style message.
   *
   * @param operation The failed operation.
   * @param status The HTTP status Workers KV reports for this condition.
   * @param text The rest of the message after the status.
   * @param options `cause` carries a backend's native error.
   */
  constructor(
    operation: KvOperation,
    status: number,
    text: string,
    options?: ErrorOptions,
  ) {
    super(`KV ${operation} failed: ${status} ${text}`, options);
    this.name = "KvError";
    this.operation = operation;
    this.status = status;
  }
}

const FAILURE = /^KV (GET|GET_BULK|PUT|DELETE) failed: (\d{3}) ([\s\S]*)$/;

/**
 * Reads a Workers KV failure message (`KV PUT failed: 413 …`) back into its
 * parts, for adapters that receive Workers' own errors as text. Internal:
 * not exported from any entry point.
 */
export function parseKvFailure(
  message: string,
): { operation: KvOperation; status: number; text: string } | undefined {
  const match = FAILURE.exec(message);
  if (match === null) return undefined;
  return { operation: match[1] as KvOperation, status: Number(match[2]), text: match[3] };
}
