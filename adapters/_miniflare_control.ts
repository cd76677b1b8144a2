// Fake time for Miniflare's KV simulator, through Miniflare's internal
// control endpoints (spec §4.3). Private: not exported from the package.
//
// PINNED: written against npm:miniflare@4.20260426.0 (workerd
// 1.20260426.1). `_enableControlEndpoints`, `KV_PLUGIN_NAME`,
// `Miniflare#_getInternalDurableObjectNamespace` and the `controlOp`
// request shape are @internal and may change in any Miniflare release; all
// uses of them are in this file, and all requests go through
// `sendControlOp`.

import * as miniflare from "miniflare";
import type { Miniflare, MiniflareOptions } from "miniflare";

// Present in the shipped JavaScript, left out of Miniflare's types.
const internals = miniflare as unknown as {
  _enableControlEndpoints(): void;
  KV_PLUGIN_NAME: string;
};

/** The Miniflare members this file uses, internal ones included. */
interface InternalMiniflare {
  _getInternalDurableObjectNamespace(
    pluginName: string,
    serviceName: string,
    className: string,
  ): Promise<{
    idFromName(name: string): unknown;
    get(id: unknown): {
      fetch(url: string, init: { cf: unknown }): Promise<Response>;
    };
  }>;
}

type ObjectNamespace = Awaited<
  ReturnType<InternalMiniflare["_getInternalDurableObjectNamespace"]>
>;

const kvObjects = new WeakMap<Miniflare, Promise<ObjectNamespace>>();
type ObjectStub = ReturnType<ObjectNamespace["get"]>;
const kvStubs = new WeakMap<Miniflare, Map<string, Promise<ObjectStub>>>();

/** The Miniflare configuration for one or more KV namespaces. */
export function miniflareOptions(
  kvNamespaces: Record<string, string>,
  persist?: string,
): MiniflareOptions {
  return {
    modules: true,
    script: "export default { fetch: () => new Response(null, { status: 404 }) };",
    compatibilityDate: "2026-04-01",
    kvNamespaces,
    ...(persist === undefined ? {} : { kvPersist: persist }),
  };
}

/**
 * Starts Miniflare with control endpoints enabled. The flag is global to
 * the Miniflare module and must be set before the instance is built; it
 * only adds a binding that answers requests carrying a `controlOp`.
 */
export function startMiniflare(options: MiniflareOptions): Miniflare {
  internals._enableControlEndpoints();
  return new miniflare.Miniflare(options);
}

/**
 * Sends one control operation to the KV simulator object of a namespace
 * id. The only code that touches Miniflare's internal object access.
 *
 * Any control operation puts that object in "test mode": values and bulk
 * reads are limited to 1 KiB until the object is evicted.
 */
export async function sendControlOp(
  mf: Miniflare,
  namespaceId: string,
  name: "enableFakeTimers" | "disableFakeTimers" | "advanceFakeTime",
  args: unknown[] = [],
): Promise<void> {
  // The stub is made once per namespace: `idFromName` and `get` are
  // synchronous calls through Miniflare's proxy, whose worker-thread channel
  // under Deno's Node compatibility can, rarely and under load, hand back a
  // reply out of turn ("message?.id === id"). Asynchronous calls do not use
  // that channel.
  let stubs = kvStubs.get(mf);
  if (stubs === undefined) kvStubs.set(mf, stubs = new Map());
  let stub = stubs.get(namespaceId);
  if (stub === undefined) {
    let objects = kvObjects.get(mf);
    if (objects === undefined) {
      objects = (mf as unknown as InternalMiniflare)
        ._getInternalDurableObjectNamespace(
          internals.KV_PLUGIN_NAME,
          "kv:ns",
          "KVNamespaceObject",
        );
      kvObjects.set(mf, objects);
    }
    const namespace = await objects;
    stub = Promise.resolve(namespace.get(namespace.idFromName(namespaceId)));
    stubs.set(namespaceId, stub);
  }
  const response = await (await stub).fetch("http://placeholder/", {
    cf: { miniflare: { controlOp: { name, args } } },
  });
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `Miniflare control operation ${name} failed: ${response.status} ${text}`,
    );
  }
}

// The simulator object is evicted after about 10 s without requests, and
// eviction silently restores the real clock. Re-asserting the fake time
// after a much shorter pause is cheap and never races an eviction.
const IDLE_MS = 1000;

/**
 * The fake clock of one namespace: the intended time lives here, and is
 * pushed to the simulator object on every change and again before the
 * first operation after an idle pause.
 */
export class NamespaceClock {
  readonly #mf: Miniflare;
  readonly #namespaceId: string;
  #now: number;
  #lastUse = -Infinity;
  #pending: Promise<void> | undefined;

  constructor(mf: Miniflare, namespaceId: string, startMs: number) {
    if (!Number.isSafeInteger(startMs) || startMs < 0) {
      throw new RangeError(
        `fakeTime must be a non-negative integer of epoch ms, got ${startMs}`,
      );
    }
    this.#mf = mf;
    this.#namespaceId = namespaceId;
    this.#now = startMs;
  }

  /** The fake time, in epoch milliseconds. */
  now(): number {
    return this.#now;
  }

  /** Moves the fake time forward and pushes it to the simulator. */
  async advance(ms: number): Promise<void> {
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`advanceTime() takes an integer ms >= 0, got ${ms}`);
    }
    this.#now += ms;
    await this.set(this.#now);
  }

  /** Sets the fake time, e.g. to reuse the namespace from a fresh start. */
  async set(ms: number): Promise<void> {
    this.#now = ms;
    await sendControlOp(this.#mf, this.#namespaceId, "enableFakeTimers", [ms]);
    this.#lastUse = performance.now();
  }

  /**
   * Runs a namespace operation under the fake time, re-asserting it first
   * if the object may have been evicted since the last use.
   */
  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (performance.now() - this.#lastUse > IDLE_MS) {
      this.#pending ??= this.set(this.#now).finally(() => {
        this.#pending = undefined;
      });
    }
    if (this.#pending !== undefined) await this.#pending;
    this.#lastUse = performance.now();
    try {
      return await operation();
    } finally {
      this.#lastUse = performance.now();
    }
  }
}
