// The documented API refuses what Cloudflare's reference does not describe,
// so tests against it fail when the adapter strays from the docs.

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { createMemoryKv } from "../adapters/memory.ts";
import { createDocumentedKvApi } from "./_cloudflare_api_server.ts";

const BASE = "http://api.test/client/v4/accounts/acc/storage/kv/namespaces/ns/";

function api() {
  const kv = createMemoryKv();
  const handler = createDocumentedKvApi({
    basePath: "/client/v4/accounts/acc",
    token: "t0k",
    namespace: (id) => id === "ns" ? kv : undefined,
  });
  const call = (path: string, init: RequestInit = {}, auth = "Bearer t0k") =>
    handler(
      new Request(BASE + path, {
        ...init,
        headers: { ...(auth ? { authorization: auth } : {}), ...init.headers as object },
      }),
    );
  return { kv, call };
}

async function errors(response: Response): Promise<[number, unknown]> {
  const body = await response.json() as { success: boolean; errors: unknown };
  assertEquals(body.success, false);
  return [response.status, body.errors];
}

const json = (body: unknown, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

Deno.test("the documented API refuses requests the reference does not describe", async () => {
  const { call } = api();
  const form = new FormData();
  form.set("value", "v");
  form.set("extra", "x");
  const table: [Promise<Response>, string][] = [
    [call("values/k?cache_ttl=60"), "query parameter cache_ttl"],
    [
      call("values/k?expiration=soon", {
        method: "PUT",
        body: "v",
        headers: { "content-type": "application/octet-stream" },
      }),
      "expiration=soon",
    ],
    [call("keys?limit=5"), "limit=5"],
    [call("keys?limit=10&limit=20"), "query parameter limit twice"],
    [
      call("values/k", { method: "PUT", body: "v", headers: { "content-type": "text/plain" } }),
      "a write of content type text/plain",
    ],
    [call("values/k", { method: "PUT", body: form }), "form field extra"],
    [call("values/a/b"), "path /client/v4/accounts/acc/storage/kv/namespaces/ns/values/a/b"],
    [
      call("bulk/get", json({ keys: ["a"], cacheTtl: 60 })),
      "bulk/get body has a property cacheTtl",
    ],
    [
      call("bulk/get", json({ keys: Array(101).fill("a") })),
      "bulk/get asks for more than 100 keys",
    ],
    [call("bulk/get", json({ keys: ["a"], type: "arrayBuffer" })), "bulk/get type arrayBuffer"],
    [
      call("bulk/get", { method: "POST", body: '{"keys":[]}' }),
      "bulk/get of content type text/plain;charset=UTF-8",
    ],
    [
      call("bulk", json([{ key: "a", value: 1 }], "PUT")),
      "a bulk write entry needs a string key and a string value",
    ],
    [
      call("bulk", json([{ key: "a", value: "v", ttl: 60 }], "PUT")),
      "a bulk write entry has a property ttl",
    ],
    [call("bulk/delete", json([1])), "bulk delete body is not an array of key names"],
    [call("values/k", { method: "DELETE", body: "x" }), "a body on DELETE values"],
  ];
  for (const [response, what] of table) {
    assertEquals(await errors(await response), [400, [{
      code: 10001,
      message: `undocumented request: ${what}`,
    }]]);
  }
  assertEquals(await errors(await call("values/k", { method: "PATCH" })), [405, [{
    code: 10001,
    message: "undocumented request: PATCH values",
  }]]);
  assertEquals(await errors(await call("values/k", {}, "")), [401, [{
    code: 10000,
    message: "Authentication error",
  }]]);
  assertEquals(await errors(await call("values/k", {}, "Bearer other")), [401, [{
    code: 10000,
    message: "Authentication error",
  }]]);
});

Deno.test("the documented API answers as the reference documents", async () => {
  const { call } = api();
  assertEquals(await errors(await call("values/missing")), [404, [{
    code: 10009,
    message: "get: 'key not found'",
  }]]);
  assertEquals(
    await errors(await handlerFor404()),
    [404, [{ code: 10013, message: "namespace not found" }]],
  );
  const written = await call(
    "bulk",
    json([
      { key: "a", value: "AP8=", base64: true, metadata: { m: 1 } },
      { key: "b", value: "text", expiration_ttl: 600 },
    ], "PUT"),
  );
  assertEquals(await written.json(), {
    success: true,
    errors: [],
    messages: [],
    result: { successful_key_count: 2, unsuccessful_keys: [] },
  });
  const value = await call("values/a");
  assertEquals(
    [value.headers.get("content-type"), [...new Uint8Array(await value.arrayBuffer())]],
    [
      "application/octet-stream",
      [0, 255],
    ],
  );
  assertEquals(((await (await call("metadata/a")).json()) as { result: unknown }).result, { m: 1 });
  const page = await (await call("keys?limit=10&prefix=")).json() as Record<string, unknown>;
  assertEquals(page.result_info, { count: 2, cursor: "" });
  const bulk = await (await call("bulk/get", json({ keys: ["a", "b", "c"], withMetadata: true })))
    .json() as { result: unknown };
  assertEquals(bulk.result, {
    values: {
      a: { value: "\u0000\uFFFD", metadata: { m: 1 } },
      b: { value: "text", metadata: null },
      c: null,
    },
  });
  // A Workers error from the namespace: its status and its text.
  assertEquals(
    await errors(
      await call("values/k?expiration_ttl=30", {
        method: "PUT",
        body: "v",
        headers: { "content-type": "application/octet-stream" },
      }),
    ),
    [400, [{
      code: 10001,
      message: "Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
    }]],
  );
});

function handlerFor404(): Promise<Response> {
  const handler = createDocumentedKvApi({
    basePath: "/client/v4/accounts/acc",
    token: "t0k",
    namespace: () => undefined,
  });
  return handler(new Request(BASE + "keys", { headers: { authorization: "Bearer t0k" } }));
}
