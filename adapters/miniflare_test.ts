import { Miniflare } from "miniflare";
import { KvError } from "../errors.ts";
import { FAKE_TIME_START } from "../targets/_miniflare_pool.ts";
import { NamespaceClock, sendControlOp, startMiniflare } from "./_miniflare_control.ts";
import { miniflareOptions } from "./_miniflare_control.ts";
import { openMiniflareKv } from "./miniflare.ts";
import { createWorkersKv, type KvBinding } from "./workers.ts";

function assertEquals(actual: unknown, expected: unknown, message = "") {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}\n  expected: ${e}\n    actual: ${a}`);
}

async function assertRejects(fn: () => Promise<unknown>, message: string) {
  try {
    await fn();
  } catch (error) {
    assertEquals((error as Error).message, message);
    return error as Error;
  }
  throw new Error(`expected a rejection: ${message}`);
}

Deno.test("openMiniflareKv() starts Miniflare and returns a working namespace", async () => {
  await using kv = await openMiniflareKv();
  await kv.put("b", "2", { metadata: { n: 2 } });
  await kv.put("a", "1");
  assertEquals(await kv.get("a"), "1");
  assertEquals((await kv.list()).keys, [{ name: "a" }, { name: "b", metadata: { n: 2 } }]);
  assertEquals([...await kv.get(["1", "a"])], [["1", null], ["a", "1"]]);
});

Deno.test("openMiniflareKv() without persist starts empty every time", async () => {
  {
    await using kv = await openMiniflareKv();
    await kv.put("k", "v");
  }
  await using kv = await openMiniflareKv();
  assertEquals((await kv.list()).keys, []);
});

Deno.test("openMiniflareKv({ persist }) keeps data across close and reopen", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-miniflare-" });
  try {
    const expiration = Math.floor(Date.now() / 1000) + 3600;
    {
      await using kv = await openMiniflareKv({ persist: dir });
      await kv.put("k", "kept", { metadata: { v: 1 }, expiration });
      await kv.put("gone", "x");
      await kv.delete("gone");
    }
    await using kv = await openMiniflareKv({ persist: dir });
    assertEquals(await kv.getWithMetadata("k"), {
      value: "kept",
      metadata: { v: 1 },
      cacheStatus: null,
    });
    assertEquals((await kv.list()).keys, [{ name: "k", expiration, metadata: { v: 1 } }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openMiniflareKv({ persist, namespace }) isolates namespaces in one directory", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-miniflare-" });
  try {
    {
      await using a = await openMiniflareKv({ persist: dir, namespace: "a" });
      await a.put("k", "in a");
    }
    {
      await using b = await openMiniflareKv({ persist: dir, namespace: "b" });
      assertEquals(await b.get("k"), null);
    }
    await using a = await openMiniflareKv({ persist: dir, namespace: "a" });
    assertEquals(await a.get("k"), "in a");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openMiniflareKv({ fakeTime }) expires keys at the fake expiry millisecond", async () => {
  await using kv = await openMiniflareKv({ fakeTime: 1_000_000 });
  assertEquals(kv.now(), 1_000_000);
  await kv.put("k", "v", { expirationTtl: 60 });
  assertEquals((await kv.list()).keys, [{ name: "k", expiration: 1060 }]);
  await kv.advanceTime(59_999);
  assertEquals(await kv.get("k"), "v");
  await kv.advanceTime(1);
  assertEquals(kv.now(), 1_060_000);
  assertEquals(await kv.get("k"), null);
  await assertRejects(
    () => kv.put("k", "v", { expiration: 1100 }),
    "KV PUT failed: 400 Invalid expiration of 1100. Expiration times must be at least 60 seconds in the future.",
  );
});

Deno.test("openMiniflareKv({ fakeTime }) is in Miniflare's 1 KiB test mode", async () => {
  await using kv = await openMiniflareKv({ fakeTime: FAKE_TIME_START });
  await kv.put("small", "x".repeat(1024));
  const error = await assertRejects(
    () => kv.put("big", "x".repeat(1025)),
    "KV PUT failed: 413 Value length of 1025 exceeds limit of 1024.",
  );
  if (!(error instanceof KvError)) throw new Error("expected a KvError");
});

Deno.test("openMiniflareKv() rejects a fakeTime that is not an epoch millisecond", async () => {
  for (const fakeTime of [-1, 1.5, NaN]) {
    await assertRejects(
      () => openMiniflareKv({ fakeTime }),
      `fakeTime must be a non-negative integer of epoch ms, got ${fakeTime}`,
    );
  }
});

Deno.test("openMiniflareKv() close() is idempotent and later calls fail", async () => {
  const kv = await openMiniflareKv();
  await kv.close();
  await kv[Symbol.asyncDispose]();
  let failed = false;
  try {
    await kv.get("k");
  } catch {
    failed = true;
  }
  if (!failed) throw new Error("a call after close() succeeded");
});

// The fix is for Miniflare evicting the idle KV object (after about 10 s),
// which silently restores the real clock. Namespace "raw" shows that the
// eviction happened; "kept" shows that the clock survived it.
Deno.test("a fake clock, openMiniflareKv's too, survives Miniflare evicting the idle namespace", async () => {
  const mf = startMiniflare(miniflareOptions({ RAW: "raw", KEPT: "kept" }));
  try {
    const raw = createWorkersKv(await mf.getKVNamespace("RAW") as unknown as KvBinding);
    const kept = createWorkersKv(await mf.getKVNamespace("KEPT") as unknown as KvBinding);
    await sendControlOp(mf, "raw", "enableFakeTimers", [1_000_000]);
    const clock = new NamespaceClock(mf, "kept", 1_000_000);
    await clock.set(1_000_000);
    await clock.advance(5_000);
    // openMiniflareKv's namespace idles through the same pause.
    await using opened = await openMiniflareKv({ fakeTime: 2_000_000 });
    await opened.advanceTime(5_000);
    await new Promise((resolve) => setTimeout(resolve, 13_000));
    await opened.put("k", "v", { expirationTtl: 60 });
    assertEquals((await opened.list()).keys, [{ name: "k", expiration: 2065 }]);
    await raw.put("k", "v", { expirationTtl: 60 });
    const [{ expiration: rawExpiration }] = (await raw.list()).keys;
    if (rawExpiration! < Date.now() / 1000) {
      throw new Error("Miniflare did not evict the idle namespace; the test proves nothing");
    }
    await clock.run(() => kept.put("k", "v", { expirationTtl: 60 }));
    assertEquals((await clock.run(() => kept.list())).keys, [{ name: "k", expiration: 1065 }]);
  } finally {
    await mf.dispose();
  }
});

// What Miniflare's Node proxy (the path openMiniflareKv took before) got
// wrong, each answered as workerd answers it: every case below was
// recorded on workerd's raw binding in tests/corpus/workerd.json.

const NOW_S = FAKE_TIME_START / 1000;

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

Deno.test("openMiniflareKv() converts options and keys as workerd does", async () => {
  await using kv = await openMiniflareKv({ fakeTime: FAKE_TIME_START });
  await kv.put("k", "old");
  const symbol = await errorOf(kv.put("k", "v", { expiration: Symbol() as unknown as number }));
  if (!(symbol instanceof TypeError)) throw new Error(`expected a TypeError, got ${symbol}`);
  assertEquals(symbol.message, "Cannot convert a Symbol value to a number");
  assertEquals(await kv.get("k"), "old", "a failed put keeps the old value");
  let calls = 0;
  const ttl = { valueOf: () => (calls++, 120) } as unknown as number;
  const key = { toString: () => (calls++, "object key") } as unknown as string;
  await kv.put(key, "v", { expirationTtl: ttl });
  assertEquals(calls, 2, "each hook runs once, as in workerd");
  assertEquals((await kv.list()).keys, [{ name: "k" }, {
    name: "object key",
    expiration: NOW_S + 120,
  }]);
});

Deno.test("openMiniflareKv() keeps metadata exactly, and measures it as workerd does", async () => {
  await using kv = await openMiniflareKv();
  await kv.put("proto", "v", { metadata: JSON.parse('{"__proto__":1,"b":2}') });
  const { metadata } = await kv.getWithMetadata("proto");
  assertEquals(Object.keys(metadata as object), ["__proto__", "b"]);
  if (Object.getPrototypeOf(metadata) !== Object.prototype) {
    throw new Error("a __proto__ key became the prototype");
  }
  await kv.put("lone", "v", { metadata: "\uD800" });
  if ((await kv.getWithMetadata("lone")).metadata !== "\uD800") {
    throw new Error("a lone surrogate in metadata was changed");
  }
  if ((await kv.list({ prefix: "lone" })).keys[0].metadata !== "\uD800") {
    throw new Error("list changed a lone surrogate in metadata");
  }
  let deep: unknown = 0;
  for (let i = 0; i < 2000; i++) deep = { a: deep };
  const tooLong = await errorOf(kv.put("deep", "v", { metadata: deep }));
  if (!(tooLong instanceof KvError)) throw new Error(`expected a KvError, got ${tooLong}`);
  assertEquals(
    tooLong.message,
    "KV PUT failed: 413 Metadata length of 12001 exceeds limit of 1024.",
  );
});

Deno.test("openMiniflareKv() rethrows workerd's errors as the same class", async () => {
  await using kv = await openMiniflareKv();
  await kv.put("k", "not json");
  const json = await errorOf(kv.get("k", "json"));
  if (!(json instanceof SyntaxError)) throw new Error(`expected a SyntaxError, got ${json}`);
  assertEquals(json.message, `Unexpected token 'o', "not json" is not valid JSON`);
  const type = await errorOf(kv.get("k", "bogus" as "text"));
  if (!(type instanceof TypeError)) throw new Error(`expected a TypeError, got ${type}`);
  assertEquals(
    type.message,
    'Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".',
  );
  const key = await errorOf(kv.getWithMetadata(""));
  if (!(key instanceof TypeError)) throw new Error(`expected a TypeError, got ${key}`);
  assertEquals(key.message, "Key name cannot be empty.");
});

Deno.test("openMiniflareKv() reads every value type and bulk keys through its Worker", async () => {
  await using kv = await openMiniflareKv();
  await kv.put("bytes", new Uint8Array([0, 255, 128]));
  await kv.put("json", '{"n":-0}', { metadata: [1] });
  await kv.put("1", "one");
  assertEquals([...new Uint8Array((await kv.get("bytes", "arrayBuffer"))!)], [0, 255, 128]);
  const stream = (await kv.get("bytes", "stream"))!;
  assertEquals([...new Uint8Array(await new Response(stream).arrayBuffer())], [0, 255, 128]);
  if (!Object.is(((await kv.get("json", "json")) as { n: number }).n, -0)) {
    throw new Error("-0 did not survive a JSON read");
  }
  assertEquals(await kv.getWithMetadata("json", "json"), {
    value: { n: 0 },
    metadata: [1],
    cacheStatus: null,
  });
  assertEquals([...await kv.get(["1", "json", "none"])], [["1", "one"], ["json", '{"n":-0}'], [
    "none",
    null,
  ]]);
});

Deno.test("openMiniflareKv() rejects every method after close() with the closed error", async () => {
  const kv = await openMiniflareKv({ fakeTime: FAKE_TIME_START });
  await kv.close();
  const calls: [string, () => Promise<unknown>][] = [
    ["GET", () => kv.get("k")],
    ["GET_BULK", () => kv.get(["k"])],
    ["GET", () => kv.getWithMetadata("k")],
    ["GET_BULK", () => kv.getWithMetadata(["k"])],
    ["PUT", () => kv.put("k", "v")],
    ["DELETE", () => kv.delete("k")],
    ["GET", () => kv.list()],
    ["PUT", () => kv.advanceTime(1000)],
  ];
  for (const [op, call] of calls) {
    const error = await errorOf(call());
    if (!(error instanceof KvError)) throw new Error(`expected a KvError, got ${error}`);
    assertEquals(error.message, `KV ${op} failed: 500 Namespace is closed.`);
  }
});

// If Miniflare's proxy ever carries these, openMiniflareKv's own Worker
// may no longer be needed: this test then fails and says so.
Deno.test("Miniflare's proxy path still fails where openMiniflareKv answers as workerd", async () => {
  const mf = new Miniflare(miniflareOptions({ KV: "proxy" }));
  try {
    const proxy = createWorkersKv(await mf.getKVNamespace("KV") as unknown as KvBinding);
    const proto = await errorOf(proxy.put("k", "v", { metadata: JSON.parse('{"__proto__":1}') }));
    assertEquals(proto.name, "DevalueError");
    await proxy.put("lone", "v", { metadata: "\uD800" });
    assertEquals((await proxy.getWithMetadata("lone")).metadata, "\uFFFD");
  } finally {
    await mf.dispose();
  }
});
