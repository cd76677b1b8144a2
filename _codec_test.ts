import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { KvError } from "./errors.ts";
import { createMemoryKv } from "./adapters/memory.ts";
import { MAX_COUNTED_STREAM_BYTES, readValueStream } from "./_codec.ts";

const MiB = 1024 * 1024;

/** A stream that answers every pull at once, with the same chunk, forever. */
function endless(chunk: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({ pull: (controller) => controller.enqueue(chunk) });
}

Deno.test("an endless synchronous stream lets timers fire and fails with a 413 in bounded time", async () => {
  await using kv = createMemoryKv();
  await kv.put("k", "old");
  const start = performance.now();
  let firedAt = -1;
  const timer = setTimeout(() => firedAt = performance.now() - start, 25);
  const error = await kv.put("k", endless(new Uint8Array(64 * 1024))).catch((e) => e);
  clearTimeout(timer);
  const elapsed = performance.now() - start;
  assert(error instanceof KvError, `a KvError: ${error}`);
  const counted = Number(
    /^KV PUT failed: 413 Value length of at least (\d+) exceeds limit of 26214400\.$/
      .exec(error.message)?.[1],
  );
  assert(
    counted > MAX_COUNTED_STREAM_BYTES && counted <= MAX_COUNTED_STREAM_BYTES + 65_536,
    error.message,
  );
  assert(firedAt >= 25 && firedAt < 25 + 40, `the 25 ms timer fired at ${firedAt} ms`);
  assert(elapsed < 10_000, `failed after ${elapsed} ms`);
  assertEquals(await kv.get("k"), "old");
});

Deno.test("a stream past the limit but short of the counting cap reports its exact length, as Workers", async () => {
  const chunk = new Uint8Array(MiB);
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => sent++ < 30 ? controller.enqueue(chunk) : controller.close(),
  });
  const error = await readValueStream(stream).catch((e) => e);
  assertEquals(
    error.message,
    `KV PUT failed: 413 Value length of ${30 * MiB} exceeds limit of 26214400.`,
  );
});

Deno.test("a stream of empty chunks that never ends fails with a KvError", async () => {
  const error = await readValueStream(endless(new Uint8Array(0))).catch((e) => e);
  assert(error instanceof KvError, `${error}`);
  assertEquals(
    error.message,
    "KV PUT failed: 400 The value stream sent more than 65536 empty chunks.",
  );
});

Deno.test("a stream of tiny chunks far past the limit stops counting soon after it", async () => {
  const start = performance.now();
  const big = new Uint8Array(MiB);
  let sent = 0;
  // 25 MiB at once, then one byte at a time, forever.
  const stream = new ReadableStream<Uint8Array>({
    pull: (controller) => controller.enqueue(sent++ < 26 ? big : new Uint8Array(1)),
  });
  const error = await readValueStream(stream).catch((e) => e);
  assert(error instanceof KvError && error.status === 413, `${error}`);
  assert(/at least \d+ exceeds/.test(error.message), error.message);
  assert(performance.now() - start < 10_000);
});

Deno.test("a failed stream read cancels the stream and releases the lock", async () => {
  let cancelled: unknown;
  const stream = new ReadableStream({
    start(controller) {
      controller.enqueue("not bytes");
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const error = await readValueStream(stream).catch((e) => e);
  assert(error instanceof TypeError);
  assert(cancelled === error, "cancelled with the error");
  assert(!stream.locked, "lock released");
});
