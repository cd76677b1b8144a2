import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { isLocked, retryLocked } from "./_deno_kv_retry.ts";

const locked = () => new TypeError("database is locked");

/** A call that fails with each of `failures` in turn, then returns `value`. */
function flaky<T>(failures: unknown[], value: T) {
  const state = { calls: 0 };
  const call = () => {
    const failure = failures[state.calls++];
    return failure === undefined ? Promise.resolve(value) : Promise.reject(failure);
  };
  return { call, state };
}

/** Microtask turns until `promise` settles, as seen from outside. */
async function turns(promise: Promise<unknown>): Promise<number> {
  let settled = false;
  const done = () => void (settled = true);
  promise.then(done, done);
  let count = 0;
  while (!settled) {
    await Promise.resolve();
    count++;
  }
  return count;
}

Deno.test("isLocked() recognizes SQLite's and @deno/kv's busy database errors", () => {
  for (
    const error of [
      new TypeError("database is locked"),
      new Error("Database Is Busy"),
      new Error("sqlite: SQLITE_BUSY (5)"),
      new Error("DatabaseBusy"),
      "database is locked",
    ]
  ) {
    assertEquals(isLocked(error), true, String(error));
  }
  for (const error of [new Error("disk on fire"), new Error("locked"), undefined, null, 5]) {
    assertEquals(isLocked(error), false, String(error));
  }
});

Deno.test("retryLocked() adds one promise step on top of a call that succeeds the first time", async () => {
  const call = () => Promise.resolve(1);
  const plain = await turns(call());
  assertEquals(await turns(retryLocked(call)), plain + 1);
  assertEquals(await turns(retryLocked(call, (n) => n + 1)), plain + 1);
  assertEquals(await retryLocked(call, (n) => n + 1), 2);
  assertEquals(await retryLocked(call), 1);
});

Deno.test("retryLocked() retries a locked database until the call succeeds, then runs `then` once", async () => {
  const { call, state } = flaky([locked(), locked(), new Error("SQLITE_BUSY")], "value");
  let thens = 0;
  const result = await retryLocked(call, (value) => {
    thens++;
    return Promise.resolve(`${value}!`);
  });
  assertEquals(result, "value!");
  assertEquals(state.calls, 4, "three locked attempts, then one that landed");
  assertEquals(thens, 1);
});

Deno.test("retryLocked() passes any other error through without retrying", async () => {
  const boom = new Error("disk on fire");
  const { call, state } = flaky([boom], "value");
  let thens = 0;
  await rejects(retryLocked(call, () => thens++), (error) => error === boom);
  assertEquals(state.calls, 1);
  assertEquals(thens, 0);
});

Deno.test("retryLocked() stops retrying at the first error that is not a locked database", async () => {
  const boom = new Error("disk on fire");
  const { call, state } = flaky([locked(), boom, locked()], "value");
  await rejects(retryLocked(call), (error) => error === boom);
  assertEquals(state.calls, 2);
});

Deno.test("retryLocked() does not retry an error that `then` throws, even a locked database", async () => {
  const { call, state } = flaky([], "value");
  await rejects(
    retryLocked(call, () => {
      throw locked();
    }),
    /database is locked/,
  );
  assertEquals(state.calls, 1);
});
