// The CLI store `cloudflare:<accountId>/<namespaceId>`, with the token from
// CLOUDFLARE_API_TOKEN and CLOUDFLARE_API_BASE_URL pointing at an HTTP
// server in front of Miniflare's local explorer.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import entry from "./cloudflare_api.ts";
import { EXPLORER_API_PATH, EXPLORER_TOKEN, ExplorerPool } from "./_cloudflare_api_pool.ts";

async function failure(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

Deno.test({
  name: "the cloudflare store opens a namespace with the token from the environment",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const store = entry.store!;
    const pool = await ExplorerPool.start(2, "store");
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (request) => pool.handle(request),
    );
    const saved = ["CLOUDFLARE_API_TOKEN", "CLOUDFLARE_API_BASE_URL"].map((name) =>
      [name, Deno.env.get(name)] as const
    );
    try {
      Deno.env.delete("CLOUDFLARE_API_TOKEN");
      const noToken = await failure(() => store.open("acc/store-0", { mode: "read" }));
      assertEquals(noToken.message, "cloudflare needs an API token in CLOUDFLARE_API_TOKEN");
      Deno.env.set("CLOUDFLARE_API_TOKEN", EXPLORER_TOKEN);
      Deno.env.set(
        "CLOUDFLARE_API_BASE_URL",
        `http://127.0.0.1:${server.addr.port}${EXPLORER_API_PATH}`,
      );
      for (const location of ["", "acc", "acc/", "/ns", "a/b/c"]) {
        const error = await failure(() => store.open(location, { mode: "read" }));
        assert(error instanceof TypeError && /<accountId>\/<namespaceId>/.test(error.message));
      }
      const inner = await failure(() =>
        store.open("acc/store-0", { mode: "read", namespace: "x" })
      );
      assert(inner instanceof TypeError, String(inner));
      const unknown = await failure(() => store.open("acc/nope", { mode: "read" }));
      assertEquals(unknown.message, "KV GET failed: 404 list keys: 'namespace not found'");

      const opened = await store.open("acc/store-0", { mode: "write" });
      const expiration = Math.floor(Date.now() / 1000) + 3600;
      await opened.writeMany!([
        { key: "text", record: { value: "hello" } },
        { key: "bytes", record: { value: new Uint8Array([0, 255]), metadata: '{"m":1}' } },
        { key: "later", record: { value: "v", expiration } },
        { key: "nan", record: { value: "v", metadata: "null" } },
      ]);
      const { kv } = opened;
      assertEquals(await kv.get("text"), "hello");
      assertEquals([...new Uint8Array((await kv.get("bytes", "arrayBuffer"))!)], [0, 255]);
      assertEquals((await kv.list()).keys, [
        { name: "bytes", metadata: { m: 1 } },
        { name: "later", expiration },
        { name: "nan", metadata: null },
        { name: "text" },
      ]);
      await kv.close();
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) Deno.env.delete(name);
        else Deno.env.set(name, value);
      }
      await server.shutdown();
      await pool.dispose();
    }
  },
});
