// What Miniflare 4.20260426.0's local explorer implements, checked on the
// explorer itself: the reason each request of the cloudflare-api target
// goes to it or to the documented API over the binding (raw requests use
// canary-1; fixtures take canary-0 first). If a Miniflare
// upgrade fills a gap, a test here fails and the route can move.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { EXPLORER_TOKEN, ExplorerPool } from "./_cloudflare_api_pool.ts";

const test = (name: string, fn: (pool: ExplorerPool) => Promise<void>) =>
  Deno.test({
    name,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const pool = await ExplorerPool.start(2, "canary");
      try {
        await fn(pool);
      } finally {
        await pool.dispose();
      }
    },
  });

const raw = (pool: ExplorerPool, path: string, init?: RequestInit) =>
  fetch(`${pool.baseUrl}/storage/kv/namespaces/canary-1/${path}`, {
    ...init,
    headers: { authorization: `Bearer ${EXPLORER_TOKEN}`, ...init?.headers as object },
  });

async function names(pool: ExplorerPool): Promise<unknown> {
  return ((await (await raw(pool, "keys")).json()) as { result: unknown }).result;
}

test("the explorer has no metadata, bulk write or bulk delete endpoint", async (pool) => {
  const json = { "content-type": "application/json" };
  const answers = [
    await raw(pool, "metadata/k"),
    await raw(pool, "bulk", { method: "PUT", headers: json, body: '[{"key":"k","value":"v"}]' }),
    await raw(pool, "bulk/delete", { method: "POST", headers: json, body: '["k"]' }),
    await raw(pool, "bulk", { method: "DELETE", headers: json, body: '["k"]' }),
  ];
  for (const answer of answers) {
    assertEquals([answer.status, await answer.text()], [404, "404 Not Found"]);
  }
});

test("the explorer ignores a write's expiration and drops falsy metadata", async (pool) => {
  await raw(pool, "values/ttl?expiration_ttl=3600", { method: "PUT", body: "v" });
  const form = new FormData();
  form.set("value", "v");
  form.set("metadata", "0");
  await raw(pool, "values/zero", { method: "PUT", body: form });
  assertEquals(await names(pool), [{ name: "ttl" }, { name: "zero" }]);
  // Through the target's routing, both go through the binding instead.
  const fixture = await pool.fixture({ tags: [] });
  await fixture.kv.put("ttl", "v", { expirationTtl: 3600 });
  await fixture.kv.put("zero", "v", { metadata: 0 });
  const keys = (await fixture.kv.list()).keys;
  assert(keys[0].expiration !== undefined, "the expiration was kept");
  assertEquals(keys[1], { name: "zero", metadata: 0 });
  assertEquals(await fixture.kv.getWithMetadata("zero"), {
    value: "v",
    metadata: 0,
    cacheStatus: null,
  });
  await fixture.close?.();
});

test("the explorer's bulk get ignores type and withMetadata", async (pool) => {
  const form = new FormData();
  form.set("value", '{"a":1}');
  form.set("metadata", '{"m":1}');
  await raw(pool, "values/k", { method: "PUT", body: form });
  const answer = await raw(pool, "bulk/get", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ keys: ["k"], type: "json", withMetadata: true }),
  });
  assertEquals(((await answer.json()) as { result: unknown }).result, {
    values: { k: '{"a":1}' },
  });
  const fixture = await pool.fixture({ tags: [] });
  await fixture.kv.put("k", '{"a":1}', { metadata: { m: 1 } });
  assertEquals(
    await fixture.kv.getWithMetadata(["k"], "json"),
    new Map([["k", { value: { a: 1 }, metadata: { m: 1 } }]]),
  );
  await fixture.close?.();
});
