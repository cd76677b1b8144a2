// When and how long the Cloudflare REST adapter waits before sending a
// request again. Private: pure helpers for _cloudflare_api_client.ts.
//
// Every request the adapter sends is idempotent, so every one may be
// retried: the reads (GET of a value, of metadata and of keys, POST
// bulk/get) change nothing, and the writes replace whole state (PUT of a
// value or of a bulk batch, DELETE of a value, POST bulk/delete), so
// sending one twice leaves what sending it once does. A request is sent
// again after:
// - 429 Too Many Requests, which Cloudflare answers without applying it;
// - a 5xx other than 501 (transient by nature; a write may or may not
//   have been applied, and the retry makes it applied);
// - a network failure (fetch rejected with a TypeError).
// Never after a 4xx other than 429: those are answers about the request.

/** How the adapter retries. */
export interface RetryPolicy {
  /** Retries after the first attempt, at most. */
  retries: number;
  /** The whole call, all attempts and waits, ends within this many ms. */
  totalMs: number;
  /** The first backoff step, in ms; it doubles with each retry. */
  baseMs: number;
  /** The longest backoff step, in ms (a `Retry-After` may ask for more). */
  maxDelayMs: number;
}

/** The default: up to 4 retries within 30 s, backing off from 250 ms. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  retries: 4,
  totalMs: 30_000,
  baseMs: 250,
  maxDelayMs: 8_000,
});

/** Whether a response status is worth another attempt. */
export function retryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * The wait a `Retry-After` header asks for, in ms: delay-seconds or an
 * HTTP-date (RFC 9110 §10.2.3). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date names its day and month; Date.parse would also take "-5".
  if (!/[A-Za-z]{3}/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * The backoff before retry number `attempt` (0 for the first retry):
 * exponential, capped, with "equal jitter" (half fixed, half random), so
 * clients that failed together do not come back together.
 */
export function backoffMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseMs * 2 ** attempt);
  return step / 2 + random() * step / 2;
}

/**
 * The wait before the next attempt, or `undefined` to give up: no retries
 * left, or the wait would end past the call's time budget.
 */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  elapsedMs: number,
  retryAfterMs: number | undefined,
  random?: () => number,
): number | undefined {
  if (attempt >= policy.retries) return undefined;
  const delay = retryAfterMs ?? backoffMs(attempt, policy, random);
  return elapsedMs + delay <= policy.totalMs ? delay : undefined;
}
