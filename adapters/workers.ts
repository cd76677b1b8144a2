/**
 * The Workers KV adapter: {@linkcode createWorkersKv} wraps a real
 * `KVNamespace` binding, such as `env.MY_KV` inside a Worker, Miniflare's
 * `getKVNamespace()` proxy, or wrangler's `getPlatformProxy()`.
 *
 * The binding's semantics are native, so calls pass straight through. The
 * wrapper only fixes the binding's known bugs (spec §6), each measured on
 * workerd 1.20260426.1 under Miniflare 4.20260426.0:
 * - bulk `get` and `getWithMetadata` leave integer-like keys (`"0"`,
 *   `"42"`), and `"__proto__"`, out of the result `Map`; the wrapper reads
 *   them with single gets and returns every requested key in request order;
 * - bulk `getWithMetadata` returns a bare falsy value (`""`, `0`, `false`)
 *   instead of `{ value, metadata }`; the wrapper re-reads those keys;
 * - a bulk key with a lone surrogate fails, as in every kvkit adapter,
 *   instead of silently reading the key with U+FFFD in its place;
 * - `put` reads an `ArrayBuffer` or view only when it sends it, so bytes
 *   changed right after the call were stored; the wrapper copies them at
 *   the call;
 * - `put` of a `ReadableStream` that errors rejects, but stores an empty
 *   value; the wrapper reads the stream first, by workerd's rules, and puts
 *   its bytes;
 * - an error workerd throws synchronously (single `getWithMetadata` key
 *   errors, `get` argument conversion) becomes a rejected promise;
 * - a `KV <OP> failed: <status> …` error becomes a {@linkcode KvError}
 *   with the same message, so `instanceof KvError` works on every adapter.
 *
 * Outside workerd, a binding is Miniflare's Node proxy, which carries
 * arguments over HTTP and loses some on the way (a Node `Buffer`, stream
 * chunks, symbols, functions, lone surrogates, synchronous errors). There
 * the wrapper also JSON-normalizes metadata, and answers the calls the
 * proxy cannot carry with the error workerd gives.
 *
 * The module imports nothing runtime-specific, so it runs inside workerd.
 *
 * @module
 */

import { decodeBulkItem } from "../_bulk.ts";
import { isArrayBuffer, readValueStream } from "../_codec.ts";
import { isWellFormed } from "../keys.ts";
import { KvError } from "../errors.ts";
import type { KvNamespace } from "../types.ts";
import { type Invoke, invokeDirect, invokeThroughProxy, toKvError } from "./_workers_proxy.ts";

/**
 * The members of a `KVNamespace` binding the wrapper calls. A binding from
 * `@cloudflare/workers-types`, Miniflare's proxy and any kvkit namespace
 * all fit.
 */
export interface KvBinding {
  /** Single or bulk read. */
  // deno-lint-ignore no-explicit-any
  get(key: any, options?: any): Promise<unknown>;
  /** Single or bulk read with metadata. */
  // deno-lint-ignore no-explicit-any
  getWithMetadata(key: any, options?: any): Promise<unknown>;
  /** Write. */
  // deno-lint-ignore no-explicit-any
  put(key: any, value: any, options?: any): Promise<unknown>;
  /** Delete. */
  // deno-lint-ignore no-explicit-any
  delete(key: any): Promise<unknown>;
  /** List keys. */
  // deno-lint-ignore no-explicit-any
  list(options?: any): Promise<unknown>;
}

const IN_WORKERD = (globalThis as { navigator?: { userAgent?: string } })
  .navigator?.userAgent === "Cloudflare-Workers";

/**
 * A binary value copied now, as a plain `Uint8Array` (or `ArrayBuffer`):
 * workerd reads the caller's bytes only when it sends them, so a caller
 * reusing its buffer right after `put()` would change the stored value.
 */
function copyBytes(value: ArrayBuffer | ArrayBufferView): ArrayBuffer | Uint8Array {
  // A detached buffer, or a view of one, has no bytes: workerd stores none.
  // (Node 20 has no `detached`; a detached buffer's length is 0.)
  const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
  if (buffer.byteLength === 0) return new Uint8Array(0);
  if (!ArrayBuffer.isView(value)) return value.slice(0);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength).slice();
}

function isStream(value: unknown): value is ReadableStream<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as ReadableStream).getReader === "function";
}

/** `put`, with the value's bytes taken at call time. */
function put(invoke: Invoke, args: unknown[]): Promise<unknown> {
  if (args.length < 2) return invoke("put", args);
  const value = args[1];
  if (typeof value !== "object" || value === null) return invoke("put", args);
  const rest = args.slice(2);
  // A real buffer or view only: a Proxy of one, or an object made from
  // ArrayBuffer.prototype, goes to the binding as the object it is.
  if (ArrayBuffer.isView(value) || isArrayBuffer(value)) {
    return invoke("put", [args[0], copyBytes(value), ...rest]);
  }
  if (isStream(value)) {
    // Read first: workerd stores an empty value when a put's stream errors.
    return readValueStream(value).then((bytes) => invoke("put", [args[0], bytes, ...rest]));
  }
  return invoke("put", args);
}

function bulkType(options: unknown): string {
  if (typeof options === "string") return options;
  if (typeof options === "object" && options !== null) {
    return String((options as { type?: unknown }).type ?? "text");
  }
  return "text";
}

/** A bulk item the binding lost: dropped, or a bare falsy value. */
function isLost(item: unknown, withMetadata: boolean): boolean {
  return item === undefined ||
    (withMetadata && item !== null && typeof item !== "object");
}

/**
 * What the bulk call would have returned for one key, read with a single
 * get: bytes decoded as the bulk path decodes them (a BOM is dropped), and
 * the item passed through JSON once more, as the bulk response is (so `-0`
 * reads as `0`, and `1e400` as `null`).
 */
async function readOne(
  invoke: Invoke,
  key: string,
  options: unknown,
  withMetadata: boolean,
): Promise<unknown> {
  const cacheTtl = typeof options === "object" && options !== null
    ? (options as { cacheTtl?: unknown }).cacheTtl
    : undefined;
  const single = { type: "arrayBuffer", cacheTtl };
  let bytes: ArrayBuffer | null;
  let metadata: unknown = null;
  if (withMetadata) {
    const result = await invoke("getWithMetadata", [key, single]) as {
      value: ArrayBuffer | null;
      metadata: unknown;
    };
    bytes = result.value;
    metadata = result.metadata;
  } else {
    bytes = await invoke("get", [key, single]) as ArrayBuffer | null;
  }
  if (bytes === null) return null;
  return decodeBulkItem({
    value: new Uint8Array(bytes),
    json: bulkType(options) === "json",
    withMetadata,
    metadata,
  }).item;
}

/**
 * True when the binding's Map is already right: every requested key once,
 * in request order, none lost. (Order can break too: a repeated
 * `"__proto__"` becomes an own property only at its second assignment.)
 */
function inOrder(
  result: Map<string, unknown>,
  names: string[],
  withMetadata: boolean,
): boolean {
  const seen = new Set<string>();
  const iterator = result.entries();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const next = iterator.next();
    if (next.done || next.value[0] !== name || isLost(next.value[1], withMetadata)) {
      return false;
    }
  }
  return iterator.next().done === true;
}

async function getBulk(
  invoke: Invoke,
  args: unknown[],
  withMetadata: boolean,
): Promise<Map<string, unknown>> {
  // Holes convert like any argument, to "undefined": send them as such.
  const keys = Array.from(args[0] as unknown[]);
  const result = await invoke(
    withMetadata ? "getWithMetadata" : "get",
    [keys, ...args.slice(1)],
  ) as Map<string, unknown>;
  const names = keys.map(String);
  if (!names.every(isWellFormed)) {
    throw new KvError("GET_BULK", 400, "Could not URL-decode key name");
  }
  if (inOrder(result, names, withMetadata)) return result;
  const map = new Map<string, unknown>();
  const reads: Promise<void>[] = [];
  for (const name of names) {
    if (map.has(name)) continue;
    const item = result.get(name);
    map.set(name, item);
    if (isLost(item, withMetadata)) {
      reads.push(
        readOne(invoke, name, args[1], withMetadata).then((value) => {
          map.set(name, value);
        }),
      );
    }
  }
  await Promise.all(reads).catch(toKvError);
  return map;
}

/**
 * Wraps a Workers KV binding so that it behaves exactly like Workers KV as
 * kvkit's conformance suite defines it. Calls pass through; only the
 * binding's known bugs, and those of Miniflare's Node proxy, are fixed
 * (see the module docs). Nothing here is runtime-specific, so it works
 * inside a Worker, on Miniflare's proxy and on wrangler's platform proxy.
 *
 * A bulk read that needs fixing issues extra single reads for the affected
 * keys, so those keys are not read in the same snapshot as the rest.
 *
 * @param binding The `KVNamespace` binding, e.g. `env.MY_KV` or
 * `await mf.getKVNamespace("MY_KV")`.
 * @returns The namespace. Its lifetime is the binding's; there is nothing
 * to close.
 *
 * @example Inside a Worker
 * ```ts ignore
 * import { createWorkersKv } from "@kvkit/kvkit/workers";
 * import type { KvNamespace } from "@kvkit/kvkit";
 *
 * export default {
 *   async fetch(_request: Request, env: { MY_KV: KvNamespace }) {
 *     const kv = createWorkersKv(env.MY_KV);
 *     const values = await kv.get(["1", "2"]); // integer-like keys included
 *     return Response.json(Object.fromEntries(values));
 *   },
 * };
 * ```
 *
 * @example On Miniflare's proxy
 * ```ts
 * import { Miniflare } from "miniflare";
 * import { createWorkersKv, type KvBinding } from "@kvkit/kvkit/workers";
 *
 * const mf = new Miniflare({
 *   modules: true,
 *   script: "export default { fetch: () => new Response(null) }",
 *   kvNamespaces: ["MY_KV"],
 * });
 * try {
 *   // Miniflare's declared type for the proxy does not resolve under Deno.
 *   const binding = await mf.getKVNamespace("MY_KV") as unknown as KvBinding;
 *   const kv = createWorkersKv(binding);
 *   await kv.put("1", "one");
 *   const values = await kv.get(["1", "2"]);
 *   if (values.get("1") !== "one" || values.get("2") !== null) {
 *     throw new Error("bulk get lost a key");
 *   }
 * } finally {
 *   await mf.dispose();
 * }
 * ```
 */
export function createWorkersKv(binding: KvBinding): KvNamespace {
  if (typeof binding !== "object" || binding === null) {
    throw new TypeError("createWorkersKv() expects a KVNamespace binding");
  }
  const invoke: Invoke = IN_WORKERD
    ? (method, args) => invokeDirect(binding, method, args)
    : invokeThroughProxy(binding);
  // Rest parameters keep the caller's arity: put(key) fails in Workers,
  // while put(key, undefined) stores "undefined".
  const kv = {
    get: (...args: unknown[]) =>
      Array.isArray(args[0]) ? getBulk(invoke, args, false) : invoke("get", args),
    getWithMetadata: (...args: unknown[]) =>
      Array.isArray(args[0]) ? getBulk(invoke, args, true) : invoke("getWithMetadata", args),
    put: (...args: unknown[]) => put(invoke, args),
    delete: (...args: unknown[]) => invoke("delete", args),
    list: (...args: unknown[]) => invoke("list", args),
  };
  return kv as unknown as KvNamespace;
}
