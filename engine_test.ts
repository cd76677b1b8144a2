import fc from "fast-check";
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { KvError } from "./errors.ts";
import { createEngineKv } from "./engine.ts";
import type { KvDriver, KvRecord } from "./kv_driver.ts";
import { createMemoryKv } from "./adapters/memory.ts";
import { createFakeClock } from "./conformance/clock.ts";

/** The error a call rejects with; fails when it resolves. */
async function rejection(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

/** Fails unless the call rejects with an Error of this message. */
async function assertRejects(call: () => unknown, _kind: "Error", message?: string) {
  const error = await rejection(call);
  if (!(error instanceof Error)) throw new Error(`expected an Error, got ${error}`);
  if (message !== undefined) assertEquals(error.message, message);
  return error;
}

/** A Map driver that records every call it receives. */
function recordingDriver(records = new Map<string, KvRecord>()) {
  const calls: string[] = [];
  const driver: KvDriver = {
    get: (key) => (calls.push(`get ${key}`), Promise.resolve(records.get(key))),
    getMany: (
      keys,
    ) => (calls.push(`getMany ${keys}`), Promise.resolve(keys.map((k) => records.get(k)))),
    put: (
      key,
      record,
    ) => (calls.push(`put ${key}`), Promise.resolve(void records.set(key, record))),
    delete: (key) => (calls.push(`delete ${key}`), Promise.resolve(void records.delete(key))),
    list(prefix, after, limit) {
      calls.push(`list ${prefix} ${after} ${limit}`);
      const names = [...records.keys()].filter((k) =>
        k.startsWith(prefix) && (after === undefined || k > after)
      )
        .sort();
      return Promise.resolve(
        names.slice(0, limit).map((name) => {
          const { metadata, expiration } = records.get(name)!;
          return { name, metadata, expiration };
        }),
      );
    },
    deleteExpired(keys, nowMs) {
      calls.push(`deleteExpired ${keys} ${nowMs}`);
      for (const key of keys) {
        const expiration = records.get(key)?.expiration;
        if (expiration !== undefined && expiration * 1000 <= nowMs) records.delete(key);
      }
      return Promise.resolve();
    },
  };
  return { driver, calls, records };
}

Deno.test("createEngineKv() binds cursors to the namespace option", async () => {
  const shared = new Map<string, KvRecord>();
  const a = createEngineKv(recordingDriver(shared).driver, { namespace: "a" });
  const b = createEngineKv(recordingDriver(shared).driver, { namespace: "b" });
  for (const key of ["k1", "k2", "k3"]) await a.put(key, "v");
  const page = await a.list({ limit: 1 });
  if (page.list_complete) throw new Error("expected a cursor");
  assertEquals((await a.list({ cursor: page.cursor })).keys.map((k) => k.name), ["k2", "k3"]);
  assertEquals(await b.list({ cursor: page.cursor }), {
    keys: [],
    list_complete: true,
    cacheStatus: null,
  });
});

Deno.test("a cursor replayed under another prefix reads nothing", async () => {
  const kv = createMemoryKv();
  for (const key of ["a1", "a2", "b1", "b2"]) await kv.put(key, "v");
  const page = await kv.list({ prefix: "a", limit: 1 });
  if (page.list_complete) throw new Error("expected a cursor");
  assertEquals(await kv.list({ prefix: "b", cursor: page.cursor }), {
    keys: [],
    list_complete: true,
    cacheStatus: null,
  });
  assertEquals((await kv.list({ prefix: "a", cursor: page.cursor })).keys, [{ name: "a2" }]);
});

Deno.test("driver failures become KvError 500 with the native error as cause", async () => {
  const native = new Error("disk on fire");
  const { driver } = recordingDriver();
  driver.get = () => Promise.reject(native);
  driver.put = () => {
    throw native;
  };
  const kv = createEngineKv(driver);
  for (const call of [() => kv.get("k"), () => kv.put("k", "v")]) {
    const error = await assertRejects(call, "Error");
    if (!(error instanceof KvError) || error.status !== 500 || error.cause !== native) {
      throw new Error(`expected a KvError with cause, got ${error}`);
    }
  }
  const error = await assertRejects(
    () => kv.get("k"),
    "Error",
    "KV GET failed: 500 Internal Server Error",
  );
  assertEquals((error as KvError).operation, "GET");
});

Deno.test("invalid input never reaches the driver", async () => {
  const { driver, calls } = recordingDriver();
  const kv = createEngineKv(driver);
  const bad: (() => Promise<unknown>)[] = [
    () => kv.put("", "v"),
    () => kv.put("k", {} as never),
    () => kv.put("k", "v", { expirationTtl: 1 }),
    () => kv.put("k", "v", { metadata: "x".repeat(2000) }),
    () => kv.put("k", new Uint8Array(25 * 1024 * 1024 + 1)),
    () => kv.put("k\uD800", "v"),
    () => kv.get("x".repeat(513)),
    () => kv.get(["a"], "arrayBuffer" as never),
    () => kv.list({ limit: 1001 }),
    () => kv.delete("."),
  ];
  for (const call of bad) {
    await call().then(() => Promise.reject(new Error("expected a failure")), () => {});
  }
  assertEquals(calls, []);
});

Deno.test("reads reclaim expired records through deleteExpired, and never fail on it", async () => {
  const clock = createFakeClock(1_000_000_000);
  const { driver, calls, records } = recordingDriver();
  const kv = createEngineKv(driver, { now: clock.now });
  await kv.put("k", "v", { expirationTtl: 60 });
  await kv.put("j", "v", { expirationTtl: 60 });
  clock.advance(60_000);
  assertEquals(await kv.get("k"), null);
  assertEquals(calls.at(-1), `deleteExpired k ${clock.now()}`);
  assertEquals(records.has("k"), false);
  driver.deleteExpired = () => Promise.reject(new Error("cannot delete"));
  assertEquals(await kv.get(["j"]), new Map([["j", null]]));
  assertEquals((await kv.list()).keys, []);
});

Deno.test("time comes only from the injected clock", async () => {
  const clock = createFakeClock(1_893_456_000_000); // 2030-01-01
  const kv = createMemoryKv({ now: clock.now });
  const realNow = Date.now;
  Date.now = () => {
    throw new Error("the engine read the wall clock");
  };
  try {
    await kv.put("k", "v", { expirationTtl: 60 });
    await kv.put("e", "v", { expiration: 1_893_456_000 + 120 });
    assertEquals((await kv.list()).keys, [
      { name: "e", expiration: 1_893_456_120 },
      { name: "k", expiration: 1_893_456_060 },
    ]);
    clock.advance(60_000);
    assertEquals(await kv.get("k"), null);
    assertEquals(await kv.get("e"), "v");
  } finally {
    Date.now = realNow;
  }
});

Deno.test("calls after close() fail with a KvError, and the driver closes once", async () => {
  let closes = 0;
  const { driver } = recordingDriver();
  driver.close = () => (closes++, Promise.resolve());
  const kv = createEngineKv(driver);
  await kv.put("k", "v");
  await kv.close();
  await kv[Symbol.asyncDispose]();
  assertEquals(closes, 1);
  await assertRejects(() => kv.get("k"), "Error", "KV GET failed: 500 Namespace is closed.");
  await assertRejects(() => kv.put("k", "v"), "Error", "KV PUT failed: 500 Namespace is closed.");
  await assertRejects(() => kv.list(), "Error", "KV GET failed: 500 Namespace is closed.");
});

Deno.test("stored values are independent of the caller's buffers, even when small", async () => {
  const { driver, records } = recordingDriver();
  const kv = createEngineKv(driver);
  const source = new Uint8Array([1, 2, 3, 4]);
  await kv.put("a", source.subarray(1, 3));
  await kv.put("b", "text");
  source.fill(0);
  assertEquals(records.get("a")!.value, new Uint8Array([2, 3]));
  // Text stays text in the record (the driver contract allows both forms).
  assertEquals(records.get("b")!.value, "text");
  const out = new Uint8Array((await kv.get("a", "arrayBuffer"))!);
  out.fill(9);
  assertEquals(records.get("a")!.value, new Uint8Array([2, 3]));
});

Deno.test("small and large values round-trip, as text and as bytes", async () => {
  // Property: whatever mix of sizes and encodings is written, each key
  // reads back exactly what was written to it last.
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.tuple(
          fc.constantFrom("a", "b", "c", "d"),
          fc.oneof(
            fc.string({ unit: "binary", maxLength: 600 }),
            fc.uint8Array({ maxLength: 3000 }),
          ),
        ),
        { maxLength: 40 },
      ),
      async (writes) => {
        const kv = createMemoryKv();
        const expected = new Map<string, Uint8Array>();
        for (const [key, value] of writes) {
          await kv.put(key, value);
          expected.set(key, typeof value === "string" ? new TextEncoder().encode(value) : value);
        }
        for (const [key, bytes] of expected) {
          assertEquals(new Uint8Array((await kv.get(key, "arrayBuffer"))!), bytes, key);
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("bulk json reads carry values as JSON does: -0 reads as 0, 1e400 as null", async () => {
  const kv = createMemoryKv();
  await kv.put("neg", "-0");
  await kv.put("big", "1e400");
  await kv.put("nested", '{"a":[-0.0,1e999,2]}');
  await kv.put("null", " null ");
  const read = await kv.get(["neg", "big", "nested", "null"], "json");
  if (!Object.is(read.get("neg"), 0)) throw new Error("-0 should read as 0");
  assertEquals(read.get("big"), null);
  assertEquals(read.get("nested"), { a: [0, null, 2] });
  assertEquals(
    await kv.getWithMetadata(["big", "null"], "json"),
    new Map<string, unknown>([["big", { value: null, metadata: null }], ["null", null]]),
  );
  // A single-key read is not carried as JSON, so it keeps -0 and Infinity.
  if (!Object.is(await kv.get("neg", "json"), -0)) throw new Error("single read keeps -0");
  assertEquals(await kv.get("big", "json"), Infinity);
});

Deno.test("a stream value is copied chunk by chunk, so a producer may reuse its buffer", async () => {
  const kv = createMemoryKv();
  const scratch = new Uint8Array(4);
  let round = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (round === 3) return controller.close();
      scratch.fill(0x61 + round++); // the same buffer, refilled for each chunk
      controller.enqueue(scratch);
    },
  });
  await kv.put("k", stream);
  assertEquals(await kv.get("k"), "aaaabbbbcccc");
});

Deno.test("put and delete resolve undefined, whatever the driver's calls return", async () => {
  const records = new Map<string, KvRecord>();
  // Map#set returns the map and Map#delete a boolean: neither may leak.
  const driver: KvDriver = {
    get: (key) => records.get(key),
    put: (key, record) => records.set(key, record) as unknown as void,
    delete: (key) => records.delete(key) as unknown as void,
    list: () => [],
  };
  const kv = createEngineKv(driver);
  assertEquals(await kv.put("k", "v"), undefined);
  assertEquals(await kv.delete("k"), undefined);
  const asyncKv = createEngineKv({
    ...driver,
    put: () => Promise.resolve(null) as unknown as Promise<void>,
    delete: () => Promise.resolve(1) as unknown as Promise<void>,
  });
  assertEquals(await asyncKv.put("k", "v"), undefined);
  assertEquals(await asyncKv.delete("k"), undefined);
});

Deno.test("a bulk read of one 25 MiB key repeated 100 times decodes it once and fails 413", async () => {
  const { driver, calls } = recordingDriver();
  const kv = createEngineKv(driver);
  await kv.put("big", new Uint8Array(25 * 1024 * 1024).fill(97));
  const error = await rejection(() => kv.get(Array(100).fill("big")));
  assertEquals(
    error.message,
    "KV GET_BULK failed: 413 Total size of request exceeds the limit of 25MB",
  );
  assertEquals(calls.filter((c) => c.startsWith("getMany")), ["getMany big"]);
});

Deno.test("a text bulk read with an invalid key fails before reading anything", async () => {
  const { driver, calls } = recordingDriver();
  const kv = createEngineKv(driver);
  const error = await rejection(() => kv.get(["a", "", "b"]));
  assertEquals(error.message, "KV GET_BULK failed: 400 Key names must not be empty");
  assertEquals(calls, []);
});

Deno.test("an arrayBuffer read copies a driver's Node Buffer view, not its whole pool", async () => {
  const { Buffer } = await import("node:buffer");
  // Buffer.from of a short string is a view into Node's shared 8 KiB pool.
  const pooled = Buffer.from("pooled");
  assertEquals(pooled.buffer.byteLength > 6, true, "the test needs a pooled Buffer");
  const kv = createEngineKv({
    get: () => ({ value: pooled }),
    put: () => {},
    delete: () => {},
    list: () => [],
  });
  const bytes = await kv.get("k", "arrayBuffer");
  assertEquals(bytes!.byteLength, 6);
  assertEquals(new TextDecoder().decode(bytes!), "pooled");
  const stream = await kv.get("k", "stream");
  const { value } = await stream!.getReader().read();
  assertEquals(value.buffer.byteLength, 6);
});
