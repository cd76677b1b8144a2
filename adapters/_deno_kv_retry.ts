// SQLite's `database is locked`, which commits with checks raise when
// several processes write one file, retried with jittered exponential
// backoff. Every backend call of the Deno KV driver goes through
// retryLocked, so this is the one place the policy lives. Private.

import { LOCK_RETRY_MS } from "./_deno_kv_handle.ts";

/** Whether a backend error is SQLite's (or @deno/kv's) busy database. */
export function isLocked(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /database is locked|database is busy|SQLITE_BUSY|DatabaseBusy/i.test(
    message,
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs a backend call, retrying it while the database is locked, for up to
 * LOCK_RETRY_MS after the first failure; `then`, if given, runs on its
 * result. A call that succeeds the first time costs one promise step on
 * top of it, with or without `then`, which is what keeps the hot paths
 * (a `get` of a small value, a small write) as cheap as the call itself.
 */
export function retryLocked<T, R = T>(
  call: () => Promise<T>,
  then?: (value: T) => R | PromiseLike<R>,
): Promise<R> {
  return call().then(then, (error) => {
    if (!isLocked(error)) throw error;
    return backoff(call).then(then);
  }) as Promise<R>;
}

async function backoff<T>(call: () => Promise<T>): Promise<T> {
  const start = Date.now();
  let delay = 2;
  for (;;) {
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 100);
    try {
      return await call();
    } catch (error) {
      if (!isLocked(error) || Date.now() - start > LOCK_RETRY_MS) throw error;
    }
  }
}
