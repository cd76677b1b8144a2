import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  backoffMs,
  DEFAULT_RETRY,
  nextDelay,
  parseRetryAfter,
  retryableStatus,
} from "./_cloudflare_api_retry.ts";

Deno.test("only 429 and 5xx other than 501 are retryable", () => {
  const retryable = [200, 400, 401, 403, 404, 409, 413, 414, 429, 500, 501, 502, 503, 504, 599]
    .filter(retryableStatus);
  assertEquals(retryable, [429, 500, 502, 503, 504, 599]);
});

Deno.test("Retry-After is read as delay-seconds or as an HTTP date", () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  assertEquals(parseRetryAfter("120", now), 120_000);
  assertEquals(parseRetryAfter(" 0 ", now), 0);
  assertEquals(parseRetryAfter("Thu, 01 Jan 2026 12:00:05 GMT", now), 5_000);
  assertEquals(parseRetryAfter("Thu, 01 Jan 2026 11:59:00 GMT", now), 0, "a past date: now");
  assertEquals(parseRetryAfter(null, now), undefined);
  assertEquals(parseRetryAfter("soon", now), undefined);
  assertEquals(parseRetryAfter("-5", now), undefined);
});

Deno.test("backoff doubles from 250 ms up to 8 s, half of it jitter", () => {
  assertEquals(backoffMs(0, DEFAULT_RETRY, () => 0), 125);
  assertEquals(backoffMs(0, DEFAULT_RETRY, () => 1), 250);
  assertEquals(backoffMs(3, DEFAULT_RETRY, () => 1), 2000);
  assertEquals(backoffMs(10, DEFAULT_RETRY, () => 1), 8000);
  assertEquals(backoffMs(10, DEFAULT_RETRY, () => 0), 4000);
});

Deno.test("nextDelay stops after the retries and before the time budget runs out", () => {
  const policy = { ...DEFAULT_RETRY, retries: 2, totalMs: 10_000 };
  assertEquals(nextDelay(policy, 0, 0, 3000), 3000, "Retry-After wins over the backoff");
  assertEquals(nextDelay(policy, 1, 6000, 4000), 4000, "ends exactly at the budget");
  assertEquals(nextDelay(policy, 1, 6001, 4000), undefined, "would end past it");
  assertEquals(nextDelay(policy, 2, 0, 0), undefined, "no retries left");
  const backoff = nextDelay(policy, 0, 0, undefined)!;
  assert(backoff >= 125 && backoff <= 250, String(backoff));
});
