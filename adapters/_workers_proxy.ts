// How createWorkersKv calls a binding: directly inside workerd, or around
// the gaps of Miniflare's Node proxy elsewhere. Private: not exported from
// the package. Runtime-free, like workers.ts.
//
// Miniflare's proxy (`mf.getKVNamespace()`, also behind wrangler's
// `getPlatformProxy()`) serializes arguments with devalue and sends them
// to workerd over HTTP. Measured with miniflare@4.20260426.0:
// - a view whose class devalue does not know by name (Node's Buffer,
//   Float16Array) fails with "AssertionError: false == true" (workers.ts
//   passes every binary value as a plain Uint8Array copy);
// - a request stream is piped in a way that hangs on ArrayBuffer chunks,
//   lets string chunks through, and crashes the process with an unhandled
//   rejection when the stream errors (workers.ts reads streams first);
// - symbols and functions cannot be serialized at all;
// - strings travel as UTF-8, so a lone surrogate arrives as U+FFFD (text
//   values go as their WTF-8 bytes instead), and SharedArrayBuffers do
//   not travel (sent as a copy of their bytes);
// - once a method has returned a promise, the proxy expects every later
//   call to as well, so an error workerd throws synchronously arrives as
//   the proxy's own AssertionError, `(typeHeader === "Promise")`.

import { KvError, parseKvFailure } from "../errors.ts";
import { isWellFormed } from "../keys.ts";
import { checkCall } from "../_validate.ts";
import { isArrayBuffer, textValue } from "../_codec.ts";

/** The binding methods the wrapper calls. */
export type Method = "get" | "getWithMetadata" | "put" | "delete" | "list";

/** Calls one binding method with the caller's arguments. */
export type Invoke = (method: Method, args: unknown[]) => Promise<unknown>;

type Callable = Record<Method, (...args: unknown[]) => Promise<unknown>>;

/** Rethrows a binding's `KV <OP> failed: …` Error as a KvError, same text. */
export function toKvError(error: unknown): never {
  if (
    error instanceof Error && !(error instanceof KvError) &&
    error.name === "Error"
  ) {
    const failure = parseKvFailure(error.message);
    if (failure !== undefined) {
      throw new KvError(failure.operation, failure.status, failure.text, { cause: error });
    }
  }
  throw error;
}

/** Calls the binding; a synchronous throw becomes a rejection. */
export function invokeDirect(
  binding: object,
  method: Method,
  args: unknown[],
): Promise<unknown> {
  try {
    return (binding as Callable)[method](...args).catch(toKvError);
  } catch (error) {
    return Promise.reject(error).catch(toKvError);
  }
}

function unportableKey(key: unknown): boolean {
  if (typeof key === "symbol") return true;
  return typeof key === "string" && !isWellFormed(key);
}

/**
 * True when the proxy cannot carry the call faithfully. Every such call
 * fails in Workers, and kvkit's engine knows how.
 */
function unportable(method: Method, args: unknown[]): boolean {
  const [key, value, options] = args;
  if (Array.isArray(key)) return key.some((k) => typeof k === "symbol");
  if (method === "list") return false;
  if (unportableKey(key)) return true;
  if (method !== "put") return false;
  if (typeof value === "symbol") return true;
  // Only real bytes and streams cross as values; workerd refuses any
  // other object, and the proxy would serialize it into something else.
  if (
    typeof value === "object" && value !== null && !ArrayBuffer.isView(value) &&
    !isArrayBuffer(value) && typeof (value as ReadableStream).getReader !== "function" &&
    !isShared(value)
  ) return true;
  const metadata = typeof options === "object" && options !== null
    ? (options as { metadata?: unknown }).metadata
    : undefined;
  return typeof metadata === "function" || typeof metadata === "symbol";
}

function isShared(value: unknown): value is SharedArrayBuffer {
  return typeof SharedArrayBuffer === "function" && value instanceof SharedArrayBuffer;
}

/**
 * A put value as the proxy can carry it, stored as workerd would store the
 * original: text with lone surrogates as its WTF-8 bytes (the proxy sends
 * strings as UTF-8, which would turn them into U+FFFD), a SharedArrayBuffer's
 * bytes as a copy. (workers.ts has copied other binary values already.)
 */
function portableValue(value: unknown): unknown {
  if (typeof value === "string") return textValue(value);
  if (isShared(value)) {
    return new Uint8Array(value).slice();
  }
  return value;
}

/** The arguments as the proxy can carry them. */
function portable(method: Method, args: unknown[]): unknown[] {
  if ((method === "get" || method === "getWithMetadata") && typeof args[1] === "function") {
    // workerd reads a function's properties as it reads an options
    // object's; the proxy cannot carry a function. Read them as the
    // validators do: type, then cacheTtl.
    const options = args[1] as { type?: unknown; cacheTtl?: unknown };
    const type = options.type;
    const cacheTtl = options.cacheTtl;
    return [args[0], { type, cacheTtl }, ...args.slice(2)];
  }
  if (method !== "put") return args;
  if (args.length >= 2) {
    const value = portableValue(args[1]);
    if (value !== args[1]) args = [args[0], value, ...args.slice(2)];
  }
  if (args.length < 3) return args;
  const [key, value, options] = args;
  const metadata = typeof options === "object" && options !== null
    ? (options as { metadata?: unknown }).metadata
    : undefined;
  if (typeof metadata !== "object" || metadata === null) return args;
  // workerd stores JSON.stringify(metadata); doing it here drops what
  // devalue cannot carry (nested functions) exactly as JSON does. A
  // metadata that JSON rejects goes as is, for workerd to reject.
  let json: string | undefined;
  try {
    json = JSON.stringify(metadata);
  } catch {
    return args;
  }
  return [key, value, { ...(options as object), metadata: JSON.parse(json!) }];
}

/**
 * The proxy's own assertion failing: "(typeHeader === \"Promise\")" where
 * workerd threw synchronously (Node prints it as "false == true").
 */
function proxyAssertion(error: unknown): boolean {
  return error instanceof Error && error.name === "AssertionError";
}

/**
 * The error workerd gives for a call the proxy cannot carry: every such
 * call fails one of the checks workerd makes before storage, which the
 * engine's validators run in workerd's order.
 */
function workerdError(method: Method, args: unknown[], original?: unknown): unknown {
  try {
    checkCall(method, args, Date.now);
  } catch (error) {
    return error;
  }
  return original ?? new Error(`kvkit: Miniflare's proxy cannot carry this ${method}() call`);
}

/**
 * A caller for Miniflare's proxy. Calls it cannot carry are answered with
 * workerd's own error, from the engine's validators.
 */
export function invokeThroughProxy(binding: object): Invoke {
  return async (method, args) => {
    if (unportable(method, args)) throw workerdError(method, args);
    try {
      return await invokeDirect(binding, method, portable(method, args));
    } catch (error) {
      if (proxyAssertion(error)) throw workerdError(method, args, error);
      throw error;
    }
  };
}
