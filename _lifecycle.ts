// One lifecycle for every handle kvkit returns: `close()` is idempotent,
// `[Symbol.asyncDispose]` is the same function, and after it every method
// rejects with the same KvError. Private to the engine and the adapters.

import { KvError, type KvOperation } from "./errors.ts";

/** The error every method of a closed handle rejects with. */
export function closedError(op: KvOperation): KvError {
  return new KvError(op, 500, "Namespace is closed.");
}

/** The operation Workers names for a namespace method called with `args`. */
export function operationOf(method: string, args: readonly unknown[]): KvOperation {
  switch (method) {
    case "put":
      return "PUT";
    case "delete":
      return "DELETE";
    case "get":
    case "getWithMetadata":
      return Array.isArray(args[0]) ? "GET_BULK" : "GET";
    default:
      return "GET";
  }
}

/** The disposal members a handle gets from {@linkcode Lifecycle.attach}. */
export interface Closable {
  /** Releases the handle; later calls return the same promise. */
  close(): Promise<void>;
  /** The same function as `close`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/** Whether a handle is open, and the one way it closes. */
export class Lifecycle {
  #closing: Promise<void> | undefined;
  readonly #release: () => unknown;
  /** Closes once, releasing the resource; every later call returns the same promise. */
  readonly close: () => Promise<void>;

  /** @param release Frees the resource; called at most once. */
  constructor(release: () => unknown = () => {}) {
    this.#release = release;
    this.close = () => this.#closing ??= Promise.resolve().then(() => this.#release()).then(noop);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** A rejection with the closed error when closed, else `undefined`. */
  refuse(op: KvOperation): Promise<never> | undefined {
    return this.#closing === undefined ? undefined : Promise.reject(closedError(op));
  }

  /** `call`, refused with the closed error for `op` once closed. */
  guard<A extends unknown[], R>(
    op: KvOperation | ((args: A) => KvOperation),
    call: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R> {
    return (...args: A) => {
      const refused = this.refuse(typeof op === "function" ? op(args) : op);
      if (refused !== undefined) return refused;
      try {
        return call(...args);
      } catch (error) {
        return Promise.reject(error);
      }
    };
  }

  /** Gives `target` `close()` and `[Symbol.asyncDispose]`, one function. */
  attach<T extends object>(target: T): T & Closable {
    Object.defineProperty(target, "close", { value: this.close, configurable: true });
    Object.defineProperty(target, Symbol.asyncDispose, { value: this.close, configurable: true });
    return target as T & Closable;
  }
}

function noop(): void {}
