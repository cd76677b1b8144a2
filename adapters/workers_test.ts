// Each fix in createWorkersKv, shown against the raw binding it fixes:
// the first assertion of each test is the bug, the second the fix. The
// binding is Miniflare's Node proxy; tests/workerd/ runs the wrapper
// inside workerd itself.

import { Buffer } from "node:buffer";
import { Miniflare } from "miniflare";
import { KvError } from "../errors.ts";
import type { KvNamespace } from "../types.ts";
import { createWorkersKv } from "./workers.ts";

function assertEquals(actual: unknown, expected: unknown, message = "") {
  const a = Deno.inspect(actual, { depth: 10, sorted: false });
  const e = Deno.inspect(expected, { depth: 10, sorted: false });
  if (a !== e) throw new Error(`${message}\n  expected: ${e}\n    actual: ${a}`);
}

async function failure(fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

let mf: Miniflare | undefined;
let count = 0;

/** A fresh namespace on the shared Miniflare: the raw proxy and the wrapper. */
async function fresh(): Promise<{ raw: KvNamespace; kv: KvNamespace }> {
  if (mf === undefined) {
    const kvNamespaces: Record<string, string> = {};
    for (let i = 0; i < 24; i++) kvNamespaces[`KV_${i}`] = `workers-${i}`;
    mf = new Miniflare({
      modules: true,
      script: "export default { fetch: () => new Response(null) }",
      compatibilityDate: "2026-04-01",
      kvNamespaces,
    });
  }
  const raw = await mf.getKVNamespace(`KV_${count++}`) as unknown as KvNamespace;
  return { raw, kv: createWorkersKv(raw) };
}

// One Miniflare serves every test here and is stopped by the last one, so
// its process and sockets outlive each test.
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, fn, sanitizeOps: false, sanitizeResources: false });

test("createWorkersKv() bulk get returns integer-like keys", async () => {
  const { raw, kv } = await fresh();
  await Promise.all([kv.put("0", "zero"), kv.put("42", "answer"), kv.put("a", "A")]);
  const keys = ["a", "0", "missing", "42"];
  assertEquals([...await raw.get(keys)], [["a", "A"], ["missing", null]], "raw");
  assertEquals(
    [...await kv.get(keys)],
    [["a", "A"], ["0", "zero"], ["missing", null], ["42", "answer"]],
  );
  assertEquals([...await kv.get(["1", "2"])], [["1", null], ["2", null]]);
});

test("createWorkersKv() bulk get returns __proto__", async () => {
  const { raw, kv } = await fresh();
  await kv.put("__proto__", '{"p":1}');
  assertEquals([...await raw.get(["__proto__"], "json")], [], "raw");
  assertEquals([...await kv.get(["__proto__"], "json")], [["__proto__", { p: 1 }]]);
});

test("createWorkersKv() bulk get collapses duplicates in request order", async () => {
  const { raw, kv } = await fresh();
  await Promise.all([kv.put("7", "seven"), kv.put("b", "B")]);
  const keys = ["7", "b", "7", "b", "7"];
  assertEquals([...await raw.get(keys)], [["b", "B"]], "raw");
  assertEquals([...await kv.get(keys)], [["7", "seven"], ["b", "B"]]);
});

test("createWorkersKv() bulk get keeps request order for a repeated __proto__", async () => {
  const { raw, kv } = await fresh();
  // The backend's obj[key] = value makes "__proto__" an own property only
  // at its second assignment, so it comes back after "a".
  const keys = ["__proto__", "a", "__proto__"];
  assertEquals([...await raw.get(keys)], [["a", null], ["__proto__", null]], "raw");
  assertEquals([...await kv.get(keys)], [["__proto__", null], ["a", null]]);
});

test("createWorkersKv() fills dropped keys as the bulk path reads them", async () => {
  const { kv } = await fresh();
  // A BOM is dropped by bulk decoding, and JSON -0 crosses as 0.
  await kv.put("1", new Uint8Array([0xef, 0xbb, 0xbf, 0x78]));
  await kv.put("x", new Uint8Array([0xef, 0xbb, 0xbf, 0x78]));
  assertEquals([...await kv.get(["1", "x"])], [["1", "x"], ["x", "x"]]);
  await kv.put("2", "-0");
  await kv.put("y", "-0");
  const json = await kv.get(["2", "y"], "json");
  assertEquals([Object.is(json.get("2"), 0), Object.is(json.get("y"), 0)], [true, true]);
  // Infinity crosses the bulk response's JSON as null, inside the item.
  await kv.put("4", "1e400", { metadata: "m" });
  await kv.put("w", "1e400", { metadata: "m" });
  assertEquals([...await kv.getWithMetadata(["4", "w"], "json")], [
    ["4", { value: null, metadata: "m" }],
    ["w", { value: null, metadata: "m" }],
  ]);
  await kv.put("3", "null");
  assertEquals([...await kv.getWithMetadata(["3"], "json")], [["3", null]]);
});

test("createWorkersKv() bulk getWithMetadata wraps falsy values", async () => {
  const { raw, kv } = await fresh();
  await kv.put("e", "", { metadata: { m: "e" } });
  await kv.put("z", "0", { metadata: "z" });
  await kv.put("f", "false");
  assertEquals([...await raw.getWithMetadata(["e"])], [["e", ""]], "raw");
  assertEquals([...await kv.getWithMetadata(["e", "z", "none"])], [
    ["e", { value: "", metadata: { m: "e" } }],
    ["z", { value: "0", metadata: "z" }],
    ["none", null],
  ]);
  assertEquals([...await kv.getWithMetadata(["z", "f", "5"], "json")], [
    ["z", { value: 0, metadata: "z" }],
    ["f", { value: false, metadata: null }],
    ["5", null],
  ]);
});

test("createWorkersKv() bulk keys with a lone surrogate fail", async () => {
  const { raw, kv } = await fresh();
  await kv.put("a\uFFFD", "aliased");
  assertEquals([...await raw.get(["a\uD800"])], [["a\uFFFD", "aliased"]], "raw");
  const error = await failure(() => kv.get(["a\uD800"]));
  assertEquals(error.message, "KV GET_BULK failed: 400 Could not URL-decode key name");
});

test("createWorkersKv() puts a Node Buffer", async () => {
  const { raw, kv } = await fresh();
  const error = await failure(() => raw.put("k", Buffer.from("raw")));
  assertEquals(error.name, "AssertionError", "raw");
  await kv.put("k", Buffer.from("buffer"));
  assertEquals(await kv.get("k"), "buffer");
  await kv.put("k", Buffer.from("xbufferx").subarray(1, 7));
  assertEquals(await kv.get("k"), "buffer");
});

test("createWorkersKv() puts streams of any byte chunks, and fails others as workerd", async () => {
  const { kv } = await fresh();
  const stream = (chunks: unknown[], fail?: Error) =>
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        if (fail) controller.error(fail);
        else controller.close();
      },
    });
  await kv.put(
    "k",
    stream([
      new Uint8Array([1]).buffer,
      new DataView(new Uint8Array([2, 3]).buffer, 1),
      Buffer.from([4]),
    ]),
  );
  assertEquals([...new Uint8Array((await kv.get("k", "arrayBuffer"))!)], [1, 3, 4]);
  const strings = await failure(() => kv.put("k", stream(["text"])));
  assertEquals([strings.name, strings.message], [
    "TypeError",
    "This ReadableStream did not return bytes.",
  ]);
  const failing = await failure(() =>
    kv.put("k", stream([new Uint8Array([9])], new RangeError("source failed")))
  );
  assertEquals([failing.name, failing.message], ["RangeError", "source failed"]);
  assertEquals([...new Uint8Array((await kv.get("k", "arrayBuffer"))!)], [1, 3, 4]);
});

test("createWorkersKv() rejects where workerd throws synchronously", async () => {
  const { raw, kv } = await fresh();
  let sync: unknown;
  try {
    raw.getWithMetadata("");
  } catch (error) {
    sync = error;
  }
  assertEquals((sync as Error)?.message, "Key name cannot be empty.", "raw");
  const promise = kv.getWithMetadata("");
  const error = await failure(() => promise);
  assertEquals([error.name, error.message], ["TypeError", "Key name cannot be empty."]);
  // After its first call the proxy expects a promise, and loses the error.
  await raw.get("k");
  const lost = await failure(() => raw.get("k", { type: "text", cacheTtl: 2 ** 31 }));
  assertEquals(lost.name, "AssertionError", "raw");
  const range = await failure(() => kv.get("k", { type: "text", cacheTtl: 2 ** 31 }));
  assertEquals(
    [range.name, range.message],
    ["TypeError", "Value out of range. Must be between -2147483648 and 2147483647 (inclusive)."],
  );
});

test("createWorkersKv() answers calls the proxy cannot carry as workerd does", async () => {
  const { raw, kv } = await fresh();
  await kv.put("a\uFFFD", "aliased");
  assertEquals(await raw.get("a\uD800"), "aliased", "raw");
  const surrogate = await failure(() => kv.get("a\uD800"));
  assertEquals(surrogate.message, "KV GET failed: 400 Could not URL-decode key name");
  await failure(() => kv.delete("a\uD800"));
  assertEquals(await kv.get("a\uFFFD"), "aliased", "the delete did not reach U+FFFD");
  const symbol = await failure(() => kv.put("k", Symbol("s") as never));
  assertEquals([symbol.name, symbol.message], [
    "TypeError",
    "Cannot convert a Symbol value to a string",
  ]);
  const fn = await failure(() => kv.put("k", "v", { metadata: () => 1 }));
  assertEquals(fn.message, "KV PUT failed: 500 Internal Server Error");
  await kv.put("k", "v", { metadata: { keep: 1, drop: () => 1 } });
  assertEquals(await kv.getWithMetadata("k"), {
    value: "v",
    metadata: { keep: 1 },
    cacheStatus: null,
  });
});

test("createWorkersKv() reports KV failures as KvError with the binding's text", async () => {
  const { raw, kv } = await fresh();
  const text =
    "KV PUT failed: 400 Invalid expiration_ttl of 1. Expiration TTL must be at least 60.";
  const rawError = await failure(() => raw.put("k", "v", { expirationTtl: 1 }));
  assertEquals([rawError.name, rawError.message], ["Error", text], "raw");
  const error = await failure(() => kv.put("k", "v", { expirationTtl: 1 }));
  if (!(error instanceof KvError)) throw new Error(`expected a KvError, got ${error}`);
  assertEquals([error.message, error.operation, error.status], [text, "PUT", 400]);
  assertEquals((error.cause as Error).message, text, "the binding's error is the cause");
});

test("createWorkersKv() keeps the caller's arity", async () => {
  const { kv } = await fresh();
  const missing = await failure(() => (kv.put as (k: string) => Promise<void>)("k"));
  assertEquals(
    missing.message,
    "Failed to execute 'put' on 'KvNamespace': parameter 2 is not of type 'string or JsObject'.",
  );
  await kv.put("k", undefined as never);
  assertEquals(await kv.get("k"), "undefined");
  const none = await failure(() => (kv.get as () => Promise<unknown>)());
  assertEquals(none.name, "TypeError");
});

test("createWorkersKv() rejects a binding that is not an object", () => {
  let error: unknown;
  try {
    createWorkersKv(undefined as never);
  } catch (caught) {
    error = caught;
  }
  assertEquals((error as Error)?.name, "TypeError");
  return Promise.resolve();
});

test("createWorkersKv() tests: stop Miniflare", async () => {
  await mf?.dispose();
});
