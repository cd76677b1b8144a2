// The suite's own small assertions, so that it runs under any test runner
// with no dependencies. Failures name the first differing path and show
// both sides.

/** Thrown by a failed conformance assertion. */
export class AssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AssertionError";
  }
}

function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) {
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Map) return "Map";
  if (value instanceof ArrayBuffer) return "ArrayBuffer";
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** A compact, readable rendering that shows Maps, buffers and `undefined`. */
export function format(value: unknown, depth = 0): string {
  if (typeof value === "string") {
    const text = JSON.stringify(
      value.length > 80 ? value.slice(0, 77) + "..." : value,
    );
    return value.length > 80 ? `${text} (${value.length} chars)` : text;
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value !== "object" || value === null) return String(value);
  if (depth > 4) return "…";
  const bytes = bytesOf(value);
  if (bytes !== undefined) {
    const head = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0"));
    return `${kindOf(value)}(${bytes.byteLength})[${head.join(" ")}${
      bytes.byteLength > 16 ? " …" : ""
    }]`;
  }
  if (value instanceof Map) {
    const entries = [...value].map(([k, v]) =>
      `${format(k, depth + 1)} => ${format(v, depth + 1)}`
    );
    return `Map(${value.size}) {${entries.join(", ")}}`;
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, 20).map((v) => format(v, depth + 1));
    if (value.length > 20) items.push(`… ${value.length - 20} more`);
    return `[${items.join(", ")}]`;
  }
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  const name = value.constructor?.name;
  const fields = Object.keys(value).map((k) =>
    `${k}: ${format((value as Record<string, unknown>)[k], depth + 1)}`
  );
  const prefix = name && name !== "Object" ? `${name} ` : "";
  return `${prefix}{${fields.join(", ")}}`;
}

/** The path of the first difference, or `undefined` when equal. */
function difference(
  actual: unknown,
  expected: unknown,
  path: string,
): string | undefined {
  if (Object.is(actual, expected)) return undefined;
  if (
    typeof actual !== "object" || typeof expected !== "object" ||
    actual === null || expected === null
  ) return path;
  if (kindOf(actual) !== kindOf(expected)) return path;
  const a = bytesOf(actual);
  const b = bytesOf(expected);
  if (a !== undefined && b !== undefined) {
    if (a.byteLength !== b.byteLength) return `${path}.byteLength`;
    for (let i = 0; i < a.byteLength; i++) {
      if (a[i] !== b[i]) return `${path}[${i}]`;
    }
    return undefined;
  }
  if (actual instanceof Map && expected instanceof Map) {
    const x = [...actual];
    const y = [...expected];
    if (x.length !== y.length) return `${path}.size`;
    for (let i = 0; i < x.length; i++) {
      if (!Object.is(x[i][0], y[i][0])) return `${path} entry ${i} key`;
      const inner = difference(
        x[i][1],
        y[i][1],
        `${path}.get(${format(x[i][0])})`,
      );
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (actual instanceof Date && expected instanceof Date) {
    return actual.getTime() === expected.getTime() ? undefined : path;
  }
  const x = actual as Record<string, unknown>;
  const y = expected as Record<string, unknown>;
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  for (const key of keys) {
    const sub = Array.isArray(actual) ? `${path}[${key}]` : `${path}.${key}`;
    if (Object.hasOwn(x, key) !== Object.hasOwn(y, key)) {
      return `${sub} (${Object.hasOwn(x, key) ? "unexpected" : "missing"})`;
    }
    const inner = difference(x[key], y[key], sub);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/**
 * Deep equality. Object keys must match exactly (a missing property
 * differs from one set to `undefined`), Map entries must match in order,
 * and buffers compare by bytes.
 */
export function assertEquals(
  actual: unknown,
  expected: unknown,
  message = "values differ",
): void {
  const path = difference(actual, expected, "value");
  if (path === undefined) return;
  throw new AssertionError(
    `${message}\n  first difference at ${path}\n  expected: ${format(expected)}\n    actual: ${
      format(actual)
    }`,
  );
}

/** Fails unless `condition` holds. */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** The error classes the spec names: TypeError, SyntaxError, or a plain Error. */
export type ErrorKind = "Error" | "TypeError" | "SyntaxError" | "RangeError";

function kindMatches(error: Error, kind: ErrorKind): boolean {
  switch (kind) {
    case "TypeError":
      return error instanceof TypeError || error.name === "TypeError";
    case "SyntaxError":
      return error instanceof SyntaxError || error.name === "SyntaxError";
    case "RangeError":
      return error instanceof RangeError || error.name === "RangeError";
    default:
      // Workers throws a plain Error; kvkit throws KvError, which extends it.
      return !["TypeError", "SyntaxError", "RangeError"].includes(error.name);
  }
}

/**
 * Expects `fn` to fail, by throwing or by rejecting, with an error of the
 * given kind and message (exact text, or a pattern). Returns the error.
 */
export async function assertRejects(
  fn: () => unknown,
  kind: ErrorKind,
  message?: string | RegExp,
  context = "",
): Promise<Error> {
  let error: unknown;
  let threw = false;
  try {
    await fn();
  } catch (caught) {
    error = caught;
    threw = true;
  }
  const where = context ? `${context}: ` : "";
  if (!threw) {
    throw new AssertionError(
      `${where}expected ${kind}${message ? ` "${message}"` : ""}, but the call succeeded`,
    );
  }
  if (
    !(error instanceof Error) && !(typeof error === "object" && error !== null)
  ) {
    throw new AssertionError(
      `${where}expected ${kind}, got thrown ${format(error)}`,
    );
  }
  const e = error as Error;
  if (!kindMatches(e, kind)) {
    throw new AssertionError(
      `${where}expected a ${kind}, got ${e.name}: ${e.message}`,
    );
  }
  if (message !== undefined) {
    const matches = typeof message === "string" ? e.message === message : message.test(e.message);
    if (!matches) {
      throw new AssertionError(
        `${where}wrong ${kind} message\n  expected: ${
          typeof message === "string" ? JSON.stringify(message) : message
        }\n    actual: ${JSON.stringify(e.message)}`,
      );
    }
  }
  return e;
}
