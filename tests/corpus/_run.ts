// Runs one corpus input against a namespace and records what a caller
// observes: the result or the error (class and text), whether it was
// thrown synchronously, which hooks of the arguments were called (getters,
// toString, Proxy traps) in order, and, for writes, what is stored
// afterwards. Runtime-free: bundled into the recording Worker as well.

/** The namespace methods the corpus calls, with any arguments. */
export interface CorpusKv {
  get(...args: unknown[]): unknown;
  getWithMetadata(...args: unknown[]): unknown;
  put(...args: unknown[]): unknown;
  delete(...args: unknown[]): unknown;
  list(...args: unknown[]): unknown;
}

/** The error the corpus's throwing hooks throw: it must reach the caller as is. */
export class Boom extends Error {
  constructor() {
    super("boom from the caller's hook");
    this.name = "Boom";
  }
}

/** What an input's hooks report to. */
export interface Probe {
  /** Records one call of a hook, by name, in call order. */
  hit(name: string): void;
  /** The error throwing hooks throw. */
  readonly boom: Boom;
}

/** A write done before the input runs: key, value, options. */
export type SetupWrite = [string, string, Record<string, unknown>?];

/** One adversarial input. */
export interface CorpusInput {
  /** Stable id: `<method>.<position>.<variant>`. */
  id: string;
  /** Written before the call, with plain valid arguments. */
  setup?: SetupWrite[];
  /** Makes the call; may throw synchronously, like workerd's binding. */
  call(kv: CorpusKv, probe: Probe): unknown;
  /** Whether the stored state is read afterwards (writes and deletes). */
  state?: boolean;
}

/** An error as the caller sees it. */
export interface ErrorShape {
  name: string;
  message: string;
  /** The caller's own error object came back (a throwing hook's). */
  boom?: true;
}

/** One stored key afterwards, as list and an arrayBuffer read show it. */
export interface StoredKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
  /** The value's bytes, hex. */
  value: string;
}

/** What a caller observed for one input. */
export interface Outcome {
  /** The call threw instead of returning a promise. */
  sync?: true;
  ok?: unknown;
  error?: ErrorShape;
  /** Hook calls, in order. */
  hits?: string[];
  state?: StoredKey[];
}

/** A Proxy of `target` that records every trap on `probe`, named `label.trap:property`. */
export function traced<T extends object>(probe: Probe, target: T, label: string): T {
  const note = (trap: string, property?: PropertyKey) =>
    probe.hit(property === undefined ? `${label}.${trap}` : `${label}.${trap}:${String(property)}`);
  return new Proxy(target, {
    get(t, p) {
      note("get", p);
      return Reflect.get(t, p);
    },
    has(t, p) {
      note("has", p);
      return Reflect.has(t, p);
    },
    ownKeys(t) {
      note("ownKeys");
      return Reflect.ownKeys(t);
    },
    getOwnPropertyDescriptor(t, p) {
      note("getOwnPropertyDescriptor", p);
      return Reflect.getOwnPropertyDescriptor(t, p);
    },
    getPrototypeOf(t) {
      note("getPrototypeOf");
      return Reflect.getPrototypeOf(t);
    },
    apply(t, self, args) {
      note("apply");
      return Reflect.apply(t as (...a: unknown[]) => unknown, self, args);
    },
  });
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

async function readStream(stream: ReadableStream<unknown>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value as Uint8Array;
    parts.push(chunk);
    length += chunk.byteLength;
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

function isStream(value: object): value is ReadableStream<unknown> {
  return typeof (value as ReadableStream).getReader === "function";
}

/**
 * A string as the fixture holds it: a lone surrogate is spelled out as
 * `\\u{D800}` text, behind a `$ill-formed:` marker, because JSON tools
 * (deno fmt among them) refuse one even escaped.
 */
export function text(value: string): string {
  if (value.isWellFormed()) return value;
  let out = "$ill-formed:";
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const pair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length &&
      value.charCodeAt(i + 1) >= 0xdc00 && value.charCodeAt(i + 1) <= 0xdfff;
    if (pair) {
      out += value.slice(i, i + 2);
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      out += `\\u{${unit.toString(16).toUpperCase()}}`;
    } else out += value[i];
  }
  return out;
}

/**
 * A result as JSON can hold it, keeping what JSON loses: `undefined`,
 * `-0`, `NaN`, bytes, streams, Maps (with their order), property order and
 * lone surrogates.
 */
export async function normalize(value: unknown): Promise<unknown> {
  if (value === undefined) return { $: "undefined" };
  if (typeof value === "string") return text(value);
  if (typeof value === "number") {
    if (Object.is(value, -0)) return { $: "-0" };
    if (!Number.isFinite(value)) return { $: String(value) };
    return value;
  }
  if (typeof value === "bigint") return { $: "bigint", value: String(value) };
  if (typeof value !== "object" || value === null) return value;
  if (value instanceof ArrayBuffer) return { $: "ArrayBuffer", hex: hex(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return { $: value.constructor.name, hex: hex(bytes) };
  }
  if (value instanceof Map) {
    const entries: unknown[] = [];
    for (const [k, v] of value) entries.push([await normalize(k), await normalize(v)]);
    return { $: "Map", entries };
  }
  if (isStream(value)) return { $: "ReadableStream", hex: hex(await readStream(value)) };
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await normalize(item));
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // defineProperty: a "__proto__" key stays an own property.
    Object.defineProperty(out, text(key), {
      value: await normalize((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function describe(error: unknown, probe: Probe): ErrorShape {
  if (error instanceof Error || (typeof error === "object" && error !== null)) {
    const { name, message } = error as Error;
    const shape: ErrorShape = { name: text(String(name)), message: text(String(message)) };
    if (error === probe.boom) shape.boom = true;
    return shape;
  }
  return { name: typeof error, message: text(String(error)) };
}

/** Every stored key, with its bytes, metadata and expiration. */
export async function readState(kv: CorpusKv): Promise<StoredKey[]> {
  const { keys } = await kv.list() as {
    keys: { name: string; expiration?: number; metadata?: unknown }[];
  };
  const state: StoredKey[] = [];
  for (const key of keys) {
    const bytes = await kv.get(key.name, "arrayBuffer") as ArrayBuffer | null;
    // Built in the order list shows: name, expiration, metadata; then the bytes.
    const stored = { name: text(key.name) } as StoredKey;
    if (key.expiration !== undefined) stored.expiration = key.expiration;
    if (key.metadata !== undefined) stored.metadata = await normalize(key.metadata);
    stored.value = bytes === null ? "<missing>" : hex(new Uint8Array(bytes));
    state.push(stored);
  }
  return state;
}

const TIMEOUT_MS = 10_000;

/** The call's promise, or a "Timeout" error if it has not settled in 10 s. */
function settle(pending: unknown): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`did not settle in ${TIMEOUT_MS} ms`);
      error.name = "Timeout";
      reject(error);
    }, TIMEOUT_MS);
  });
  return Promise.race([Promise.resolve(pending), timeout]).finally(() => clearTimeout(timer));
}

/** Runs the input's setup, then its call, and records the outcome. */
export async function runInput(kv: CorpusKv, input: CorpusInput): Promise<Outcome> {
  for (const [key, value, options] of input.setup ?? []) await kv.put(key, value, options);
  const hits: string[] = [];
  const probe: Probe = { hit: (name) => void hits.push(name), boom: new Boom() };
  const outcome: Outcome = {};
  let pending: unknown;
  let threw = false;
  try {
    pending = input.call(kv, probe);
  } catch (error) {
    threw = true;
    outcome.sync = true;
    outcome.error = describe(error, probe);
  }
  if (!threw) {
    try {
      outcome.ok = await normalize(await settle(pending));
    } catch (error) {
      outcome.error = describe(error, probe);
    }
  }
  if (hits.length > 0) outcome.hits = hits;
  if (input.state) outcome.state = await readState(kv);
  return outcome;
}

/** Deletes every key, for the next input. */
export async function clear(kv: CorpusKv): Promise<void> {
  while (true) {
    const { keys } = await kv.list() as { keys: { name: string }[] };
    if (keys.length === 0) return;
    await Promise.all(keys.map((key) => kv.delete(key.name)));
  }
}
