import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { KvError } from "../errors.ts";
import {
  convertArguments,
  createRpcBinding,
  frame,
  rebuildError,
  unframe,
} from "./_miniflare_rpc.ts";

Deno.test("a frame carries JSON text exactly, lone surrogates included, and raw bytes", () => {
  const message = { key: "a\uD800", metadata: '{"__proto__":1}', n: -1 };
  const bytes = new Uint8Array([0, 1, 255]);
  const [decoded, data] = unframe(frame(message, bytes).slice().buffer);
  assertEquals(decoded, message);
  assertEquals([...data], [0, 1, 255]);
  assertEquals([...unframe(frame({}).slice().buffer)[1]], []);
});

Deno.test("an error from the Worker is rebuilt as the same class, with the same text", () => {
  for (const [name, type] of [["TypeError", TypeError], ["SyntaxError", SyntaxError]] as const) {
    const error = rebuildError({ name, message: "m" });
    assertEquals([error instanceof type, error.name, error.message], [true, name, "m"]);
  }
  const plain = rebuildError({ name: "Error", message: "KV GET failed: 400 x" });
  assertEquals([Object.getPrototypeOf(plain) === Error.prototype, plain.name], [true, "Error"]);
  const other = rebuildError({ name: "DataCloneError", message: "m" });
  assertEquals([other instanceof Error, other.name], [true, "DataCloneError"]);
});

Deno.test("arguments are converted once, in workerd's order, to plain data", () => {
  const hits: string[] = [];
  const hook = (name: string, value: unknown) => ({
    toString: () => (hits.push(name), value),
    valueOf: () => (hits.push(name), value),
  });
  const converted = convertArguments("put", [hook("key", "k"), "v", {
    get expiration() {
      hits.push("get expiration");
      return hook("expiration", 2_000_000_000);
    },
    metadata: { toJSON: () => (hits.push("toJSON"), { a: "\uD800" }) },
  }]);
  assertEquals(hits, ["key", "get expiration", "expiration", "toJSON"]);
  assertEquals(converted, ["k", "v", {
    expiration: 2_000_000_000,
    metadata: '{"a":"\\ud800"}',
  }]);
  // Metadata that serializes to nothing is sent as "", for workerd's 500.
  assertEquals(convertArguments("put", ["k", "v", { metadata: () => {} }])[2], { metadata: "" });
  // A primitive value is sent as given: workerd keeps its lone surrogates.
  // A lone surrogate crosses as the WTF-8 bytes workerd would store.
  assertEquals(
    convertArguments("put", ["k", "a\uD800"])[1],
    new Uint8Array([97, 0xed, 0xa0, 0x80]),
  );
  assertEquals(convertArguments("get", [[1, null], { type: "json", cacheTtl: "45" }]), [
    ["1", "null"],
    { type: "json", cacheTtl: 45 },
  ]);
  assertEquals(convertArguments("list", [{ limit: "2", prefix: 5 }]), [{
    prefix: "5",
    limit: 2,
    cursor: "",
  }]);
});

Deno.test("a conversion error is the caller's own error, thrown before anything is sent", () => {
  const boom = new Error("boom");
  let thrown: unknown;
  try {
    convertArguments("delete", [{
      toString: () => {
        throw boom;
      },
    }]);
  } catch (error) {
    thrown = error;
  }
  assertEquals(thrown === boom, true);
});

Deno.test("a failure of Miniflare itself is a KvError 500 with the native error as cause", async () => {
  const gone = new TypeError("fetch failed");
  const binding = createRpcBinding(() => Promise.reject(gone));
  for (
    const [op, call] of [
      ["GET", () => binding.get("k", { type: "text" })],
      ["GET_BULK", () => binding.get(["k"], { type: "text" })],
      ["PUT", () => binding.put("k", "v", {})],
      ["DELETE", () => binding.delete("k")],
      ["GET", () => binding.list({ prefix: "", limit: 1000, cursor: "" })],
    ] as const
  ) {
    const error = await call().then(() => undefined, (e) => e);
    assertEquals(error instanceof KvError, true);
    assertEquals([error.message, error.cause], [
      `KV ${op} failed: 500 Internal Server Error`,
      gone,
    ]);
  }
});
