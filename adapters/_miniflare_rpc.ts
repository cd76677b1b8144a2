// openMiniflareKv's transport: a binding-shaped object whose methods call
// the Worker of _miniflare_rpc_worker.ts through Miniflare's
// dispatchFetch, and the argument conversion that runs before it, on the
// caller's side. Private: not exported from the package.
//
// Why not Miniflare's own proxy (`mf.getKVNamespace()`): it serializes
// arguments with devalue, which fails on symbols, BigInts and deep or
// `__proto__` metadata with its own errors, turns lone surrogates into
// U+FFFD, and cannot call a caller's getters or `toString` the way workerd
// does. Here arguments are converted where they are, exactly as workerd's
// argument conversion does (kvkit's validators, in workerd's order, so
// every getter and hook runs as often as in workerd and its error
// propagates as is), and only plain data crosses: JSON text with escapes,
// bytes as bytes. Errors come back as their class name and message and
// are thrown again as the same class.

import { decodeValue } from "../_codec.ts";
import { KvError, type KvOperation } from "../errors.ts";
import {
  noKeyError,
  parseDeleteArguments,
  parseListArguments,
  parsePutArguments,
  parseReadOptions,
  toStringArg,
} from "../_validate.ts";
import type { KvBinding } from "./workers.ts";

/**
 * Sends one request frame to the Worker and resolves its answer frame;
 * rejects when Miniflare does not answer with one.
 */
export type Dispatch = (body: Uint8Array) => Promise<ArrayBuffer>;

/** The binding methods, as openMiniflareKv calls them. */
export type RpcMethod = "get" | "getWithMetadata" | "put" | "delete" | "list";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A frame: a 4-byte little-endian JSON length, the JSON, then raw bytes. */
export function frame(message: unknown, bytes?: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(message));
  const out = new Uint8Array(4 + json.byteLength + (bytes?.byteLength ?? 0));
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  if (bytes !== undefined) out.set(bytes, 4 + json.byteLength);
  return out;
}

/** The JSON message and the raw bytes of a frame. */
export function unframe(buffer: ArrayBuffer): [unknown, Uint8Array] {
  const length = new DataView(buffer).getUint32(0, true);
  const message = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, length)));
  return [message, new Uint8Array(buffer, 4 + length)];
}

const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** An error the Worker reported, rebuilt as the same class with the same text. */
export function rebuildError(shape: { name: string; message: string }): Error {
  const known = Object.hasOwn(ERROR_CLASSES, shape.name);
  const error = new (known ? ERROR_CLASSES[shape.name] : Error)(shape.message);
  if (!known) error.name = shape.name;
  return error;
}

/** The operation Workers names in a failure of each RPC operation. */
const OPERATIONS: Record<string, KvOperation> = {
  get: "GET",
  getWithMetadata: "GET",
  getBulk: "GET_BULK",
  getWithMetadataBulk: "GET_BULK",
  put: "PUT",
  delete: "DELETE",
  list: "GET",
};

interface Answer {
  error?: { name: string; message: string };
  hit?: boolean;
  text?: string;
  metadata?: unknown;
  cacheStatus?: unknown;
  entries?: [string, unknown][];
  result?: unknown;
}

/**
 * Converts a call's arguments as workerd converts them, before anything is
 * sent: keys with `String()`, options field by field into strings and
 * int32s, put values into text or a private copy of their bytes, metadata
 * into its JSON text (`""` when it serializes to nothing). Throws what
 * workerd throws while converting; the checks workerd makes later are left
 * to workerd, except a put's key checks, which workerd makes before it
 * serializes the metadata.
 */
export function convertArguments(method: RpcMethod, args: readonly unknown[]): unknown[] {
  switch (method) {
    case "get":
    case "getWithMetadata": {
      if (args.length === 0) throw noKeyError(method);
      const key = args[0];
      // Array.from visits holes, which convert to "undefined".
      const keys = Array.isArray(key) ? Array.from(key, toStringArg) : toStringArg(key);
      return [keys, parseReadOptions(args[1])];
    }
    case "put": {
      const put = parsePutArguments(args.length, args[0], args[1], args[2]);
      const options: { expiration?: number; expirationTtl?: number; metadata?: string } = {};
      if (put.expiration !== undefined) options.expiration = put.expiration;
      if (put.expirationTtl !== undefined) options.expirationTtl = put.expirationTtl;
      if (put.hasMetadata) options.metadata = put.metadata ?? "";
      const raw = args[1];
      // A primitive converts without side effects, so it is converted again
      // as given: workerd keeps a lone surrogate that kvkit's codec replaces.
      const value = typeof put.value === "string" ? toStringArg(raw) : put.value;
      return [put.key, value, options];
    }
    case "delete":
      return [parseDeleteArguments(args.length, args[0])];
    case "list": {
      const { prefix, limit, cursor } = parseListArguments(args[0]);
      return [{ prefix, limit, cursor }];
    }
  }
}

/**
 * A binding-shaped object for {@linkcode createWorkersKv}, whose calls run
 * on the Worker's real binding. It takes what {@linkcode convertArguments}
 * returns, and what createWorkersKv itself sends (single reads with a
 * `{ type, cacheTtl }` object, bytes); a put's `metadata` option is JSON
 * text.
 */
export function createRpcBinding(dispatch: Dispatch): KvBinding {
  const call = async (
    message: { op: string; [field: string]: unknown },
    bytes?: Uint8Array,
  ): Promise<[Answer, Uint8Array]> => {
    let answer: Answer;
    let data: Uint8Array;
    try {
      [answer, data] = unframe(await dispatch(frame(message, bytes))) as [Answer, Uint8Array];
    } catch (error) {
      // Miniflare itself failed (stopped, or the Worker crashed): a
      // backend failure, with the native error as its cause.
      throw new KvError(OPERATIONS[message.op] ?? "GET", 500, "Internal Server Error", {
        cause: error,
      });
    }
    if (answer.error !== undefined) throw rebuildError(answer.error);
    return [answer, data];
  };
  const read = async (key: unknown, options: unknown, withMetadata: boolean) => {
    const { type, cacheTtl } = parseReadOptions(options);
    if (Array.isArray(key)) {
      const op = withMetadata ? "getWithMetadataBulk" : "getBulk";
      const [answer] = await call({ op, keys: key, options: { type, cacheTtl } });
      return new Map(answer.entries);
    }
    const op = withMetadata ? "getWithMetadata" : "get";
    const [answer, data] = await call({ op, key, options: { type, cacheTtl } });
    // An unknown type failed in workerd on a hit, so only known types get here.
    const value = answer.hit ? decodeValue(answer.text ?? data, type) : null;
    if (!withMetadata) return value;
    return { value, metadata: answer.metadata ?? null, cacheStatus: answer.cacheStatus ?? null };
  };
  return {
    get: (key, options) => read(key, options, false),
    getWithMetadata: (key, options) => read(key, options, true),
    async put(key, value, options) {
      const { expiration, expirationTtl, metadata } = (options ?? {}) as Record<string, unknown>;
      const message = { op: "put", key, expiration, expirationTtl, metadata };
      if (typeof value === "string") await call({ ...message, text: value });
      else {
        const bytes = ArrayBuffer.isView(value)
          ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
          : new Uint8Array(value as ArrayBuffer);
        await call(message, bytes);
      }
    },
    async delete(key) {
      await call({ op: "delete", key });
    },
    async list(options) {
      const [answer] = await call({ op: "list", options });
      return answer.result;
    },
  };
}
