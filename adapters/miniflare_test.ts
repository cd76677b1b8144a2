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
Deno.test("a fake clock survives Miniflare evicting the idle namespace", async () => {
  const mf = startMiniflare(miniflareOptions({ RAW: "raw", KEPT: "kept" }));
  try {
    const raw = createWorkersKv(await mf.getKVNamespace("RAW") as unknown as KvBinding);
    const kept = createWorkersKv(await mf.getKVNamespace("KEPT") as unknown as KvBinding);
    await sendControlOp(mf, "raw", "enableFakeTimers", [1_000_000]);
    const clock = new NamespaceClock(mf, "kept", 1_000_000);
    await clock.set(1_000_000);
    await clock.advance(5_000);
    await new Promise((resolve) => setTimeout(resolve, 13_000));
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
