// Operation sequences for differential testing, and their execution.
// Runtime-free: the same code runs the sequence on kvkit's engine
// adapters in Deno and on the real binding inside the oracle Worker.
//
// An operation is plain JSON, so it can be sent to the Worker and printed
// as a replay. Values JSON cannot hold are tagged objects, `{ $: tag }`:
//
//   { $: "undefined" } { $: "nan" } { $: "inf" } { $: "-inf" } { $: "-0" }
//   { $: "bytes", hex, as }      ArrayBuffer, Uint8Array, DataView,
//                                Int16Array (even length) or a subarray
//   { $: "stream", chunks, error? }  chunks are bytes or strings
//   { $: "expiresIn", s }        floor(now / 1000) + s, at run time
//   { $: "cursor" }              the cursor of the last list page with the
//                                same prefix, in this target's own history

import { readAll } from "../../conformance/_util.ts";

/** A call on the namespace, or a clock step. */
export type Op =
  | { op: "get" | "getWithMetadata" | "put" | "delete" | "list"; args: unknown[] }
  | { op: "advance"; ms: number };

/** An operation's result, encoded for comparison. */
export interface Outcome {
  /** The encoded value, when the call succeeded. */
  ok?: unknown;
  /** The error class (TypeError, SyntaxError, RangeError or Error) and text. */
  error?: { kind: string; message: string };
  /** Known-divergence ids that apply to this result (see _known.ts). */
  flags?: string[];
}

/** What a sequence carries from one operation to the next. */
export interface RunState {
  /** The namespace's time, in epoch milliseconds. */
  now: number;
  /** The last cursor per list prefix. */
  cursors: Record<string, string>;
}

/** The namespace methods the operations call. */
type Namespace = Record<string, (...args: unknown[]) => Promise<unknown>>;

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  return bytes;
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

function bytesAs(bytes: Uint8Array, as: string): unknown {
  switch (as) {
    case "ArrayBuffer":
      return bytes.slice().buffer;
    case "DataView":
      return new DataView(bytes.slice().buffer);
    case "Int16Array":
      return new Int16Array(bytes.slice().buffer);
    case "subarray": {
      const padded = new Uint8Array(bytes.length + 2);
      padded.set(bytes, 1);
      return padded.subarray(1, bytes.length + 1);
    }
    default:
      return bytes.slice();
  }
}

/** The prefix a list call scans, as the cursor history keys it. */
export function prefixOf(options: unknown): string {
  if (typeof options !== "object" || options === null) return "";
  const prefix = (options as { prefix?: unknown }).prefix;
  return prefix === undefined || prefix === null ? "" : String(prefix);
}

/** Turns a JSON argument into the JS value it stands for. */
export function materialize(arg: unknown, state: RunState, listPrefix?: string): unknown {
  if (Array.isArray(arg)) return arg.map((item) => materialize(item, state, listPrefix));
  if (typeof arg !== "object" || arg === null) return arg;
  const tagged = arg as { $?: string } & Record<string, unknown>;
  switch (tagged.$) {
    case undefined:
      break;
    case "undefined":
      return undefined;
    case "nan":
      return NaN;
    case "inf":
      return Infinity;
    case "-inf":
      return -Infinity;
    case "-0":
      return -0;
    case "bytes":
      return bytesAs(fromHex(tagged.hex as string), tagged.as as string);
    case "stream": {
      const chunks = (tagged.chunks as unknown[]).map((chunk) => materialize(chunk, state));
      const error = tagged.error as string | undefined;
      return new ReadableStream({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(chunk);
          if (error !== undefined) controller.error(new RangeError(error));
          else controller.close();
        },
      });
    }
    case "expiresIn":
      return Math.floor(state.now / 1000) + (tagged.s as number);
    case "cursor":
      return listPrefix === undefined ? undefined : state.cursors[listPrefix];
    default:
      throw new Error(`unknown tag ${tagged.$}`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(arg)) {
    out[key] = materialize(value, state, listPrefix);
  }
  return out;
}

/** Encodes a result as JSON that keeps key order, bytes, -0 and the rest. */
export async function encode(value: unknown): Promise<unknown> {
  if (value === undefined) return { $: "undefined" };
  if (typeof value === "number") {
    if (Object.is(value, -0)) return { $: "-0" };
    if (Number.isNaN(value)) return { $: "nan" };
    if (!Number.isFinite(value)) return { $: value > 0 ? "inf" : "-inf" };
    return value;
  }
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof ArrayBuffer) {
    return { $: "bytes", as: "ArrayBuffer", hex: toHex(new Uint8Array(value)) };
  }
  if (ArrayBuffer.isView(value)) {
    return {
      $: "bytes",
      as: value.constructor.name,
      hex: toHex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength)),
    };
  }
  if (typeof (value as ReadableStream).getReader === "function") {
    return { $: "stream", hex: toHex(await readAll(value as ReadableStream<Uint8Array>)) };
  }
  if (value instanceof Map) {
    const entries = [];
    for (const [key, item] of value) entries.push([key, await encode(item)]);
    return { $: "map", entries };
  }
  if (Array.isArray(value)) {
    const items = [];
    for (const item of value) items.push(await encode(item));
    return items;
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Cursors are opaque and differ by design; only their presence counts.
    out[key] = key === "cursor" && typeof item === "string" ? { $: "cursor" } : await encode(item);
  }
  return out;
}

function errorOf(error: unknown): { kind: string; message: string } {
  const e = error as { name?: unknown; message?: unknown };
  const name = String(e?.name);
  // KvError extends Error; Workers throws a plain Error for the same text.
  const kind = ["TypeError", "SyntaxError", "RangeError"].includes(name) ? name : "Error";
  return { kind, message: String(e?.message ?? error) };
}

/**
 * Runs one namespace call, recording its result or error. A synchronous
 * throw and a rejection count the same. A list page's cursor is kept for
 * later `{ $: "cursor" }` arguments with the same prefix.
 */
export async function execute(
  kv: unknown,
  op: Op & { op: "get" | "getWithMetadata" | "put" | "delete" | "list" },
  state: RunState,
): Promise<Outcome> {
  const prefix = op.op === "list" ? prefixOf(materialize(op.args[0], state)) : undefined;
  const args = materialize(op.args, state, prefix) as unknown[];
  let result: unknown;
  try {
    // A synchronous throw lands in the same catch as a rejection.
    result = await (kv as Namespace)[op.op](...args);
  } catch (error) {
    return { error: errorOf(error) };
  }
  if (prefix !== undefined) {
    const page = result as { cursor?: string; list_complete?: boolean };
    if (page.list_complete === false && typeof page.cursor === "string") {
      state.cursors[prefix] = page.cursor;
    } else delete state.cursors[prefix];
  }
  try {
    return { ok: await encode(result) };
  } catch (error) {
    return { error: { kind: "Encode", message: String(error) } };
  }
}

/**
 * Runs calls up to the next clock step. `probe`, for the oracle only,
 * flags a list issued at the exact millisecond some key of its prefix
 * expires, where Miniflare's list disagrees with its get (spec §3).
 */
export async function runSegment(
  kv: unknown,
  ops: Op[],
  state: RunState,
  probe = false,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const op of ops) {
    if (op.op === "advance") throw new Error("a segment holds no clock steps");
    let flags: string[] | undefined;
    if (probe && op.op === "list" && state.now % 1000 === 0) {
      flags = await expiringNow(kv, prefixOf(materialize(op.args[0], state)), state.now);
    }
    const outcome = await execute(kv, op, state);
    if (flags !== undefined) outcome.flags = flags;
    outcomes.push(outcome);
  }
  return outcomes;
}

async function expiringNow(
  kv: unknown,
  prefix: string,
  now: number,
): Promise<string[] | undefined> {
  try {
    const page = await (kv as Namespace).list({ prefix }) as {
      keys: { expiration?: number }[];
    };
    return page.keys.some((key) => key.expiration !== undefined && key.expiration * 1000 === now)
      ? ["list-at-expiry-ms"]
      : undefined;
  } catch {
    return undefined;
  }
}

/** Deletes every key, for reusing an oracle namespace. */
export async function clear(kv: unknown): Promise<void> {
  const namespace = kv as Namespace;
  while (true) {
    const { keys } = await namespace.list() as { keys: { name: string }[] };
    if (keys.length === 0) return;
    await Promise.all(keys.map((key) => namespace.delete(key.name)));
  }
}
