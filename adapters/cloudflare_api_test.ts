// createCloudflareApiKv against three servers:
// - Miniflare's local explorer, Cloudflare's own code for the endpoints it
//   has (keys, values, bulk get), for what goes over the wire for a key
//   and what the adapter fixes in the answers;
// - createDocumentedKvApi on 127.0.0.1, which refuses any request that
//   differs from Cloudflare's published API reference, for the endpoints
//   Miniflare lacks (metadata, bulk write and delete, writes with an
//   expiration) and for the exact shape of every request;
// - a Deno.serve on 127.0.0.1 that answers 429/503/502 first, for retries
//   (a stand-in for transport behaviour only).
// The whole conformance suite runs on the first two through
// targets/mod_test.ts (cloudflare-api:miniflare).

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Miniflare } from "miniflare";
import { KvError } from "../errors.ts";
import { createMemoryKv } from "./memory.ts";
import { createFakeClock } from "../conformance/clock.ts";
import { type ApiCall, createDocumentedKvApi } from "../targets/_cloudflare_api_server.ts";
import { ExplorerPool } from "../targets/_cloudflare_api_pool.ts";
import {
  type CloudflareApiKvOptions,
  createCloudflareApiKv,
  type FetchLike,
} from "./cloudflare_api.ts";

const TOKEN = "kvkit-test-token-5f3a";
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const NAMESPACE = "fedcba9876543210fedcba9876543210";

async function failure(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);

/** A documented API on 127.0.0.1 over a memory namespace on a fake clock. */
function documented() {
  const clock = createFakeClock();
  const backing = createMemoryKv({ now: clock.now });
  const calls: ApiCall[] = [];
  const handler = createDocumentedKvApi({
    basePath: `/client/v4/accounts/${ACCOUNT}`,
    token: TOKEN,
    namespace: (id) => id === NAMESPACE ? backing : undefined,
    observe: (call) => calls.push(call),
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (r) => handler(r));
  const baseUrl = `http://127.0.0.1:${server.addr.port}/client/v4/accounts/${ACCOUNT}`;
  const open = (options: Partial<CloudflareApiKvOptions> = {}) =>
    createCloudflareApiKv({
      baseUrl,
      namespaceId: NAMESPACE,
      apiToken: TOKEN,
      now: clock.now,
      ...options,
    });
  return {
    clock,
    backing,
    calls,
    open,
    kv: open(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A request as the tests compare it. */
function shape(call: ApiCall) {
  return { method: call.method, path: call.path, query: call.query };
}

const base = `/storage/kv/namespaces/${NAMESPACE}`;

let mf: Miniflare | undefined;
let namespaces = 0;

/**
 * A fresh namespace on Miniflare's local explorer, with no stand-in for
 * what it lacks: the adapter and every URL it fetched.
 */
async function explorer() {
  if (mf === undefined) {
    const kvNamespaces: Record<string, string> = {};
    for (let i = 0; i < 8; i++) kvNamespaces[`KV_${i}`] = `explorer-${i}`;
    mf = new Miniflare({
      modules: true,
      script: "export default { fetch: () => new Response(null) }",
      compatibilityDate: "2026-04-01",
      kvNamespaces,
      unsafeLocalExplorer: true,
    });
  }
  const baseUrl = new URL("/cdn-cgi/explorer/api", await mf.ready).href;
  const namespaceId = `explorer-${namespaces++}`;
  const urls: string[] = [];
  const fetch: FetchLike = (input, init) => {
    urls.push(input.slice(input.indexOf("/storage/")));
    return globalThis.fetch(input, init);
  };
  const kv = createCloudflareApiKv({ baseUrl, namespaceId, apiToken: TOKEN, fetch });
  const raw = (path: string, init?: RequestInit) =>
    globalThis.fetch(`${baseUrl}/storage/kv/namespaces/${namespaceId}/${path}`, init);
  return { kv, urls, raw };
}

// Miniflare's process and the servers' sockets outlive single tests.
const test = (name: string, fn: () => void | Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

test("createCloudflareApiKv() fails with a TypeError naming each missing or wrong option", () => {
  const good = { accountId: ACCOUNT, namespaceId: NAMESPACE, apiToken: TOKEN };
  const table: [unknown, RegExp][] = [
    [undefined, /expects \{ accountId, namespaceId, apiToken \}/],
    [{ ...good, accountId: undefined }, /accountId must be a non-empty string/],
    [{ ...good, accountId: "" }, /accountId must be a non-empty string/],
    [{ ...good, namespaceId: undefined }, /namespaceId must be a non-empty string/],
    [{ ...good, apiToken: undefined }, /apiToken must be a non-empty string/],
    [{ ...good, apiToken: "two words" }, /apiToken must be a non-empty string of printable/],
    [{ ...good, apiToken: "line\nbreak" }, /apiToken must be/],
    [{ ...good, baseUrl: "not a url" }, /baseUrl must be an absolute URL/],
    [{ ...good, baseUrl: "ftp://example.com" }, /baseUrl must be an http or https URL/],
    [{ ...good, baseUrl: "https://example.com/?x=1" }, /baseUrl must not have a query/],
    [{ ...good, fetch: "fetch" }, /fetch must be a function/],
    [{ ...good, retry: true }, /retry must be an object or false/],
    [{ ...good, retry: { retries: -1 } }, /retry.retries must be an integer >= 0/],
    [{ ...good, retry: { totalMs: NaN } }, /retry.totalMs must be a number >= 0/],
    [{ ...good, now: 5 }, /now must be a function/],
  ];
  for (const [options, message] of table) {
    let error: unknown;
    try {
      createCloudflareApiKv(options as CloudflareApiKvOptions);
    } catch (caught) {
      error = caught;
    }
    assert(error instanceof TypeError, `${Deno.inspect(options)}: ${error}`);
    assert(message.test(error.message), error.message);
    assert(!error.message.includes("line\nbreak") && !error.message.includes("two words"));
  }
  // With a base URL, the account id may be left out.
  createCloudflareApiKv({ baseUrl: "https://proxy.example/kv", namespaceId: "n", apiToken: "t" });
});

test("keys with / ? # % space .. NUL and emoji travel as one path segment", async () => {
  const { kv, urls } = await explorer();
  const keys = [
    "a/b",
    "q?x=1",
    "h#f",
    "50%",
    "%2F",
    "sp ace",
    "+plus",
    "...",
    "a/..",
    "\u0000x",
    "😀",
  ];
  for (const key of keys) await kv.put(key, `v:${key}`);
  assertEquals(urls.slice(0, 4), [
    "/storage/kv/namespaces/explorer-0/values/a%2Fb",
    "/storage/kv/namespaces/explorer-0/values/q%3Fx%3D1",
    "/storage/kv/namespaces/explorer-0/values/h%23f",
    "/storage/kv/namespaces/explorer-0/values/50%25",
  ]);
  assert(urls.includes("/storage/kv/namespaces/explorer-0/values/a%2F.."), "not a dot-segment");
  for (const key of keys) assertEquals(await kv.get(key), `v:${key}`, key);
  const listed = (await kv.list()).keys.map((k) => k.name);
  assertEquals(listed, [...keys].sort((a, b) => (a < b ? -1 : 1)));
  assertEquals((await kv.list({ prefix: "+" })).keys.map((k) => k.name), ["+plus"]);
  assertEquals((await kv.list({ prefix: "sp " })).keys.map((k) => k.name), ["sp ace"]);
  for (const key of keys) await kv.delete(key);
  assertEquals((await kv.list()).keys, []);
});

test("bulk get returns integer-like keys and __proto__, which the explorer loses", async () => {
  const { kv, raw } = await explorer();
  for (const key of ["0", "42", "__proto__", "x"]) await kv.put(key, `v${key}`);
  const answer = await raw("bulk/get", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ keys: ["42", "x", "__proto__", "0"] }),
  });
  // The explorer's own answer, built on the binding's Map: the bug the
  // adapter works around.
  assertEquals(((await answer.json()) as { result: { values: unknown } }).result.values, {
    0: null,
    42: null,
    x: "vx",
  });
  const map = await kv.get(["42", "x", "__proto__", "missing", "0", "x"]);
  assertEquals([...map], [
    ["42", "v42"],
    ["x", "vx"],
    ["__proto__", "v__proto__"],
    ["missing", null],
    ["0", "v0"],
  ]);
});

test("list takes limits of 1 to 9: it asks for 10 and keeps a cursor of its own", async () => {
  const { kv, urls } = await explorer();
  const keys = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`);
  await Promise.all(keys.map((key) => kv.put(key, "v")));
  urls.length = 0;
  const seen: string[] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 30; page++) {
    const result = await kv.list({ limit: 3, cursor });
    seen.push(...result.keys.map((k) => k.name));
    if (result.list_complete) break;
    cursors.push(result.cursor);
    cursor = result.cursor;
  }
  assertEquals(seen, keys);
  // Inside a server page the cursor is kvkit's; at a server page's end, the server's.
  assert(cursors.filter((c) => c.startsWith("kvkit1.")).length >= 4, cursors.join(" "));
  for (const url of urls) {
    assert(/[?&]limit=(\d\d+)/.test(url) && !/limit=[1-9](&|$)/.test(url), url);
  }
  // From 10 up, the server's own cursor passes through.
  const ten = await kv.list({ limit: 10 });
  assert(!ten.list_complete && !ten.cursor.startsWith("kvkit1."), "a server cursor");
  assertEquals((await kv.list({ limit: 20, cursor: ten.cursor })).keys.length, 15);
});

test("a failure answer is a KvError with the binding's text, the answer its cause", async () => {
  await using api = documented();
  const missing = await failure(() => api.open({ namespaceId: "nope" }).get("k"));
  assert(missing instanceof KvError, String(missing));
  assertEquals(missing.message, "KV GET failed: 404 namespace not found");
  const cause = missing.cause as Response;
  assert(cause instanceof Response && cause.status === 404);
  assertEquals(((await cause.json()) as { errors: unknown }).errors, [{
    code: 10013,
    message: "namespace not found",
  }]);
  // Miniflare's explorer reports a binding's failure as a 500 carrying the
  // binding's text: here a value over the 1 KiB limit of a namespace on a
  // fake clock (test mode). The binding's own status comes back.
  const pool = await ExplorerPool.start(1, "failure");
  try {
    const fixture = await pool.fixture({ tags: ["clock"] });
    const error = await failure(() => fixture.kv.put("big", "x".repeat(2048)));
    assert(error instanceof KvError);
    assertEquals(error.message, "KV PUT failed: 413 Value length of 2048 exceeds limit of 1024.");
    const answer = error.cause as Response;
    assertEquals(answer.status, 500);
    assertEquals(((await answer.json()) as { errors: unknown }).errors, [
      { code: 10000, message: "KV PUT failed: 413 Value length of 2048 exceeds limit of 1024." },
    ]);
    await fixture.close?.();
  } finally {
    await pool.dispose();
  }
});

test("put sends bytes, or a form with metadata, and the expiration as documented", async () => {
  await using api = documented();
  const { kv, calls, backing, clock } = api;
  const now = Math.floor(clock.now() / 1000);
  await kv.put("plain", "text ü");
  await kv.put("meta", new Uint8Array([0, 255, 1]).subarray(1), { metadata: { m: [1, "é"] } });
  await kv.put("ttl", "v", { expirationTtl: 120 });
  await kv.put("abs", "v", { expiration: now + 300, metadata: null });
  await kv.put("both", "v", { expiration: 1, expirationTtl: 90 });
  await kv.put("stream", new Blob(["str", "eam"]).stream());
  await kv.put("nan", "v", { metadata: NaN });
  assertEquals(calls.map(shape), [
    { method: "PUT", path: `${base}/values/plain`, query: [] },
    { method: "PUT", path: `${base}/values/meta`, query: [] },
    { method: "PUT", path: `${base}/values/ttl`, query: [["expiration_ttl", "120"]] },
    { method: "PUT", path: `${base}/values/abs`, query: [["expiration", String(now + 300)]] },
    { method: "PUT", path: `${base}/values/both`, query: [["expiration_ttl", "90"]] },
    { method: "PUT", path: `${base}/values/stream`, query: [] },
    { method: "PUT", path: `${base}/values/nan`, query: [] },
  ]);
  assertEquals(calls.map((c) => c.multipart), [false, true, false, false, false, false, true]);
  assertEquals(calls[0].contentType, "application/octet-stream");
  assertEquals(text(calls[0].value), "text ü");
  assertEquals([...calls[1].value!], [255, 1]);
  assertEquals(calls[1].metadata, '{"m":[1,"é"]}');
  assertEquals(text(calls[5].value), "stream");
  assertEquals(calls[6].metadata, "null");
  for (const call of calls) assertEquals(call.namespaceId, NAMESPACE);
  assertEquals((await backing.list()).keys, [
    { name: "abs", expiration: now + 300 },
    { name: "both", expiration: now + 90 },
    { name: "meta", metadata: { m: [1, "é"] } },
    { name: "nan", metadata: null },
    { name: "plain" },
    { name: "stream" },
    { name: "ttl", expiration: now + 120 },
  ]);
});

test("reads use the documented endpoints and answer in Workers' shapes", async () => {
  await using api = documented();
  const { kv, calls, backing } = api;
  await backing.put("k", '{"a":1}', { metadata: { m: 1 } });
  await backing.put("bin", new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]));
  calls.length = 0;
  assertEquals(await kv.getWithMetadata("k", "json"), {
    value: { a: 1 },
    metadata: { m: 1 },
    cacheStatus: null,
  });
  assertEquals(await kv.getWithMetadata("gone"), {
    value: null,
    metadata: null,
    cacheStatus: null,
  });
  assertEquals(await kv.get("bin"), "\uFEFFhi", "a single read keeps the BOM");
  assertEquals(await kv.get(["bin", "k"]), new Map([["bin", "hi"], ["k", '{"a":1}']]));
  assertEquals(
    await kv.getWithMetadata(["k", "gone"], "json"),
    new Map<string, unknown>([["k", { value: { a: 1 }, metadata: { m: 1 } }], ["gone", null]]),
  );
  assertEquals(await kv.list({ prefix: "b", limit: 50 }), {
    keys: [{ name: "bin" }],
    list_complete: true,
    cacheStatus: null,
  });
  // A single getWithMetadata sends its two requests in parallel.
  const order = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : 1);
  assertEquals(calls.map(shape).sort(order), [
    { method: "POST", path: `${base}/bulk/get`, query: [] },
    { method: "POST", path: `${base}/bulk/get`, query: [] },
    { method: "GET", path: `${base}/keys`, query: [["limit", "50"], ["prefix", "b"]] },
    { method: "GET", path: `${base}/metadata/gone`, query: [] },
    { method: "GET", path: `${base}/metadata/k`, query: [] },
    { method: "GET", path: `${base}/values/bin`, query: [] },
    { method: "GET", path: `${base}/values/gone`, query: [] },
    { method: "GET", path: `${base}/values/k`, query: [] },
  ]);
  assertEquals(calls.filter((c) => c.route === "bulk/get").map((c) => c.json), [
    { keys: ["bin", "k"] },
    { keys: ["k", "gone"], withMetadata: true },
  ]);
});

test("bulkPut writes with PUT bulk, bytes as base64, 10,000 keys a request", async () => {
  await using api = documented();
  const { kv, calls, backing, clock } = api;
  const now = Math.floor(clock.now() / 1000);
  const entries = Array.from({ length: 10_001 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
  await kv.bulkPut([
    { key: "bin", value: new Uint8Array([0, 159, 255]), metadata: { a: 1 }, expirationTtl: 600 },
    { key: "abs", value: "x", expiration: now + 100 },
    ...entries,
  ]);
  assertEquals(calls.map(shape), [
    { method: "PUT", path: `${base}/bulk`, query: [] },
    { method: "PUT", path: `${base}/bulk`, query: [] },
  ]);
  const [first, second] = calls.map((c) => c.json as Record<string, unknown>[]);
  assertEquals([first.length, second.length], [10_000, 3]);
  assertEquals(first.slice(0, 3), [
    { key: "bin", value: "AJ//", base64: true, expiration_ttl: 600, metadata: { a: 1 } },
    { key: "abs", value: "x", expiration: now + 100 },
    { key: "k0", value: "v0" },
  ]);
  assertEquals(await backing.get("bin", "arrayBuffer"), new Uint8Array([0, 159, 255]).buffer);
  assertEquals(await backing.get("k10000"), "v10000");
  assertEquals((await backing.list({ prefix: "bin" })).keys, [
    { name: "bin", expiration: now + 600, metadata: { a: 1 } },
  ]);
  calls.length = 0;
  await kv.bulkDelete(["bin", "abs", "never-there"]);
  assertEquals(calls.map(shape), [{ method: "POST", path: `${base}/bulk/delete`, query: [] }]);
  assertEquals(calls[0].json, ["bin", "abs", "never-there"]);
  assertEquals(await backing.get("bin"), null);
});

test("bad input fails with workerd's error before any request", async () => {
  await using api = documented();
  const { kv, calls } = api;
  const table: [() => Promise<unknown>, string, string][] = [
    [() => kv.get(""), "TypeError", "Key name cannot be empty."],
    [() => kv.getWithMetadata(".."), "TypeError", '".." is not allowed as a key name.'],
    [
      () => (kv.get as () => Promise<unknown>)(),
      "TypeError",
      "Failed to execute 'get' on 'KvNamespace': parameter 1 is not of type 'string or Array'.",
    ],
    [
      () => kv.put("k", {} as never),
      "TypeError",
      "KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.",
    ],
    [
      () => kv.put("k", "v", { expirationTtl: 30 }),
      "KvError",
      "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.",
    ],
    [
      () => kv.put("k", "v", { metadata: "x".repeat(1100) }),
      "KvError",
      "KV PUT failed: 413 Metadata length of 1102 exceeds limit of 1024.",
    ],
    [() => kv.put("a\uD800", "v"), "KvError", "KV PUT failed: 400 Could not URL-decode key name"],
    [
      () => kv.delete("x".repeat(513)),
      "KvError",
      "KV DELETE failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.",
    ],
    [
      () => kv.list({ limit: 1001 }),
      "KvError",
      "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.",
    ],
    [
      () => kv.get(["a"], "arrayBuffer" as never),
      "KvError",
      'KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"',
    ],
    [() => kv.get(["", "a"]), "KvError", "KV GET_BULK failed: 400 Key names must not be empty"],
    [
      () => kv.get(["a"], { cacheTtl: 10 } as never),
      "KvError",
      "KV GET_BULK failed: 400 Invalid cache_ttl of 10. Cache TTL must be at least 30.",
    ],
    [
      () => kv.bulkPut([{ key: "ok", value: "v" }, { key: "", value: "v" }]),
      "TypeError",
      "Key name cannot be empty.",
    ],
    [() => kv.bulkDelete(["ok", "."]), "TypeError", '"." is not allowed as a key name.'],
  ];
  for (const [call, name, message] of table) {
    const error = await failure(call);
    assertEquals([error.name, error.message], [name, message]);
  }
  assertEquals(calls.length, 0, "nothing was sent");
});

test("the token goes only into the Authorization header, and no error shows it", async () => {
  await using api = documented();
  await api.kv.put("k", "v");
  const wrong = api.open({ apiToken: "wrong-token-1234" });
  const error = await failure(() => wrong.get("k"));
  assert(error instanceof KvError);
  assertEquals(error.message, "KV GET failed: 401 Authentication error");
  for (const shown of [Deno.inspect(error, { depth: 5 }), Deno.inspect(wrong, { depth: 5 })]) {
    assert(!shown.includes("wrong-token-1234") && !shown.includes(TOKEN), shown);
  }
  assertEquals(await api.kv.get("k"), "v");
});

/** A server that answers each request with the next scripted answer. */
function scripted(answers: (() => Response)[]) {
  const seen: { method: string; body: string; at: number }[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (r) => {
    seen.push({ method: r.method, body: await r.text(), at: Date.now() });
    return (answers[seen.length - 1] ?? answers[answers.length - 1])();
  });
  const kv = (options: Partial<CloudflareApiKvOptions> = {}) =>
    createCloudflareApiKv({
      baseUrl: `http://127.0.0.1:${server.addr.port}/api`,
      namespaceId: NAMESPACE,
      apiToken: TOKEN,
      ...options,
    });
  return { seen, kv, [Symbol.asyncDispose]: () => server.shutdown() };
}

const busy = (headers: Record<string, string> = {}) => () =>
  Response.json(
    { success: false, errors: [{ code: 10000, message: "Too many requests" }] },
    { status: 429, headers },
  );
const unavailable = (headers: Record<string, string> = {}) => () =>
  new Response("<html>down</html>", { status: 503, headers });
const value = (body: string) => () => new Response(body);

test("a 429 and a 503 are retried, and the third answer wins", async () => {
  await using server = scripted([busy({ "retry-after": "0" }), unavailable(), value("v")]);
  assertEquals(await server.kv().get("k"), "v");
  assertEquals(server.seen.length, 3);
});

test("Retry-After in seconds is waited for", async () => {
  await using server = scripted([busy({ "retry-after": "1" }), value("v")]);
  assertEquals(await server.kv().get("k"), "v");
  const waited = server.seen[1].at - server.seen[0].at;
  assert(waited >= 950, `waited ${waited} ms`);
});

test("Retry-After as an HTTP date is waited for", async () => {
  const until = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000);
  await using server = scripted([unavailable({ "retry-after": until.toUTCString() }), value("v")]);
  assertEquals(await server.kv().get("k"), "v");
  assert(
    server.seen[1].at >= until.getTime() - 20,
    `retried ${until.getTime() - server.seen[1].at} ms early`,
  );
});

test("a wait that would end past the time budget is not started", async () => {
  await using server = scripted([unavailable({ "retry-after": "5" })]);
  const start = Date.now();
  const error = await failure(() => server.kv({ retry: { totalMs: 1000 } }).get("k"));
  assert(Date.now() - start < 900, "gave up at once");
  assert(error instanceof KvError);
  assertEquals(error.message, "KV GET failed: 503 Service Unavailable");
  assertEquals(await (error.cause as Response).text(), "<html>down</html>");
  assertEquals(server.seen.length, 1);
});

test("retries stop after retry.retries, and retry: false sends once", async () => {
  await using server = scripted([busy({ "retry-after": "0" })]);
  const error = await failure(() => server.kv({ retry: { retries: 2 } }).put("k", "v"));
  assertEquals(error.message, "KV PUT failed: 429 Too many requests");
  assertEquals(server.seen.map((s) => [s.method, s.body]), [["PUT", "v"], ["PUT", "v"], [
    "PUT",
    "v",
  ]]);
  server.seen.length = 0;
  await failure(() => server.kv({ retry: false }).delete("k"));
  assertEquals(server.seen.length, 1);
});

test("a 4xx other than 429, and a 501, are not retried", async () => {
  for (const status of [400, 403, 404, 413, 501]) {
    await using server = scripted([() => new Response(null, { status })]);
    const error = await failure(() => server.kv().list());
    assert(error instanceof KvError && error.status === status, String(error));
    assertEquals(server.seen.length, 1, `status ${status}`);
  }
});

test("a network failure is retried, then reported as a KvError carrying it", async () => {
  await using server = scripted([value("v")]);
  let calls = 0;
  const flaky: FetchLike = (input, init) =>
    ++calls === 1 ? Promise.reject(new TypeError("connection reset")) : fetch(input, init);
  assertEquals(await server.kv({ fetch: flaky }).get("k"), "v");
  assertEquals(calls, 2);
  const down: FetchLike = () => Promise.reject(new TypeError("connection refused"));
  const error = await failure(() => server.kv({ fetch: down, retry: { retries: 1 } }).get("k"));
  assert(error instanceof KvError);
  assertEquals(error.message, "KV GET failed: 500 Internal Server Error");
  assertEquals((error.cause as Error).message, "connection refused");
});

test("dispose: the shared Miniflare stops", async () => {
  await mf?.dispose();
  mf = undefined;
});
