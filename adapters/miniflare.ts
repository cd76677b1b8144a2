/**
 * A real Workers KV namespace on your machine: {@linkcode openMiniflareKv}
 * starts Miniflare (workerd and its KV simulator) and returns the
 * namespace through {@linkcode createWorkersKv}, in memory or persisted to
 * a directory, optionally on a fake clock for expiry tests.
 *
 * Works under Deno and Node 20+, with `npm:miniflare@4.20260426.0`. The
 * fake clock relies on Miniflare internals and is tied to that version.
 *
 * Calls do not go through Miniflare's Node proxy (`getKVNamespace()`),
 * whose devalue encoding answers some arguments with its own errors and
 * changes others (lone surrogates, `__proto__` keys). Miniflare runs a
 * small Worker of kvkit's instead: arguments are converted here, as
 * workerd converts them (every getter, `toString` and `valueOf` runs as
 * often as in workerd, and its error propagates as is), then cross as
 * JSON text and raw bytes to the Worker, which calls the real binding;
 * results and errors (class and text) come back the same way. So every
 * answer is workerd's own, except where {@linkcode createWorkersKv} fixes
 * the binding's known bugs.
 *
 * @example
 * ```ts
 * import { openMiniflareKv } from "@kvkit/kvkit/miniflare";
 *
 * await using kv = await openMiniflareKv();
 * await kv.put("greeting", "hello", { metadata: { lang: "en" } });
 * const { keys } = await kv.list();
 * console.log(keys); // [ { name: "greeting", metadata: { lang: "en" } } ]
 * ```
 *
 * @module
 */

import { Miniflare } from "miniflare";
import type { KvNamespace, KvNamespaceHandle } from "../types.ts";
import { Lifecycle, operationOf } from "../_lifecycle.ts";
import { miniflareOptions, NamespaceClock, startMiniflare } from "./_miniflare_control.ts";
import { convertArguments, createRpcBinding, type Dispatch } from "./_miniflare_rpc.ts";
import { RPC_WORKER_SCRIPT } from "./_miniflare_rpc_worker.ts";
import { createWorkersKv } from "./workers.ts";

/** Options for {@linkcode openMiniflareKv}. */
export interface MiniflareKvOptions {
  /**
   * A directory to keep the data in. Data written there survives closing
   * and reopening with the same directory. Without it, the data lives in a
   * temporary directory that is removed on close.
   */
  persist?: string;
  /**
   * Puts the namespace on a fake clock that starts at this time (epoch
   * milliseconds) and moves only through `advanceTime()`. Expiry, TTL
   * validation and `list` all use it.
   *
   * This uses Miniflare's internal control endpoints, pinned to
   * `miniflare@4.20260426.0`. They put the namespace in Miniflare's test
   * mode: values and bulk reads are limited to 1 KiB. Use a namespace
   * without `fakeTime` for larger values.
   */
  fakeTime?: number;
  /**
   * The KV namespace id, as in Miniflare's `kvNamespaces`. Namespaces with
   * different ids in one `persist` directory are isolated from each other.
   * Defaults to `"kvkit"`.
   */
  namespace?: string;
}

/** A namespace backed by a running Miniflare; disposing it stops Miniflare. */
export interface MiniflareKv extends KvNamespaceHandle {}

/** A {@linkcode MiniflareKv} on a fake clock. */
export interface FakeTimeMiniflareKv extends MiniflareKv {
  /** The namespace's fake time, in epoch milliseconds. */
  now(): number;
  /** Moves the namespace's clock forward by `ms` milliseconds. */
  advanceTime(ms: number): Promise<void>;
}

const BINDING = "KV";
const DEFAULT_NAMESPACE = "kvkit";
const METHODS = ["get", "getWithMetadata", "put", "delete", "list"] as const;
const RPC_URL = "http://kvkit.rpc/";

/** Miniflare's `dispatchFetch`, as far as it is used here. */
interface FetchingMiniflare {
  dispatchFetch(
    url: string,
    init: { method: string; body: Uint8Array },
  ): Promise<{
    ok: boolean;
    status: number;
    text(): Promise<string>;
    arrayBuffer(): Promise<ArrayBuffer>;
  }>;
}

/**
 * Starts Miniflare with one KV namespace and returns it. Every call is a
 * real call into workerd's KV binding, made by a Worker of kvkit's inside
 * Miniflare, with arguments converted as workerd converts them, and
 * wrapped by {@linkcode createWorkersKv}.
 *
 * With `fakeTime`, the namespace runs on a fake clock, and the result also
 * has `now()` and `advanceTime(ms)`. Miniflare evicts its KV object after
 * about 10 s without requests, which restores the real clock; the fake
 * time is therefore re-asserted before the first call after any pause of
 * more than a second, so a long pause never moves the clock.
 *
 * @param options `persist` keeps the data in a directory; `fakeTime`
 * starts a fake clock at that epoch millisecond; `namespace` is the KV
 * namespace id.
 * @returns The namespace; dispose it (or call `close()`) to stop Miniflare.
 *
 * @example Persisted data survives a restart
 * ```ts
 * import { openMiniflareKv } from "@kvkit/kvkit/miniflare";
 *
 * const dir = await Deno.makeTempDir();
 * {
 *   await using kv = await openMiniflareKv({ persist: dir });
 *   await kv.put("k", "kept");
 * }
 * {
 *   await using kv = await openMiniflareKv({ persist: dir });
 *   if (await kv.get("k") !== "kept") throw new Error("data lost");
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Expiry on a fake clock
 * ```ts
 * import { openMiniflareKv } from "@kvkit/kvkit/miniflare";
 *
 * await using kv = await openMiniflareKv({ fakeTime: Date.UTC(2025, 0, 1) });
 * await kv.put("session", "abc", { expirationTtl: 60 });
 * await kv.advanceTime(60_000);
 * if (await kv.get("session") !== null) throw new Error("should have expired");
 * ```
 */
export function openMiniflareKv(
  options: MiniflareKvOptions & { fakeTime: number },
): Promise<FakeTimeMiniflareKv>;
/**
 * Starts Miniflare with one KV namespace on the real clock, in memory or
 * persisted, and returns it. See the other overload for `fakeTime`.
 *
 * @param options `persist` keeps the data in a directory; `namespace` is
 * the KV namespace id.
 * @returns The namespace; dispose it (or call `close()`) to stop Miniflare.
 *
 * @example In memory
 * ```ts
 * import { openMiniflareKv } from "@kvkit/kvkit/miniflare";
 *
 * await using kv = await openMiniflareKv();
 * await kv.put("k", "v", { expirationTtl: 3600 });
 * if ((await kv.list()).keys[0].expiration === undefined) {
 *   throw new Error("expected an expiration");
 * }
 * ```
 */
export function openMiniflareKv(
  options?: MiniflareKvOptions,
): Promise<MiniflareKv>;
export async function openMiniflareKv(
  options: MiniflareKvOptions = {},
): Promise<MiniflareKv | FakeTimeMiniflareKv> {
  const { persist, fakeTime, namespace = DEFAULT_NAMESPACE } = options;
  if (typeof namespace !== "string" || namespace === "") {
    throw new TypeError(`namespace must be a non-empty string, got ${String(namespace)}`);
  }
  const config = {
    ...miniflareOptions({ [BINDING]: namespace }, persist),
    script: RPC_WORKER_SCRIPT,
  };
  const clockStart = fakeTime === undefined ? undefined : Number(fakeTime);
  if (clockStart !== undefined && (!Number.isSafeInteger(clockStart) || clockStart < 0)) {
    throw new RangeError(
      `fakeTime must be a non-negative integer of epoch ms, got ${fakeTime}`,
    );
  }
  const mf = clockStart === undefined ? new Miniflare(config) : startMiniflare(config);
  let kv: KvNamespace;
  let clock: NamespaceClock | undefined;
  try {
    await mf.ready;
    const fetcher = mf as unknown as FetchingMiniflare;
    const dispatch: Dispatch = async (body) => {
      const response = await fetcher.dispatchFetch(RPC_URL, { method: "POST", body });
      if (!response.ok) {
        throw new Error(`Miniflare answered ${response.status}: ${await response.text()}`);
      }
      return await response.arrayBuffer();
    };
    kv = createWorkersKv(createRpcBinding(dispatch));
    if (clockStart !== undefined) {
      clock = new NamespaceClock(mf, namespace, clockStart);
      await clock.set(clockStart);
    }
  } catch (error) {
    await mf.dispose();
    throw error;
  }
  const lifecycle = new Lifecycle(() => mf.dispose());
  const handle: Record<string, unknown> = {};
  for (const method of METHODS) {
    const call = kv[method] as (...args: unknown[]) => Promise<unknown>;
    handle[method] = lifecycle.guard(
      (args: unknown[]) => operationOf(method, args),
      (...args: unknown[]) => {
        // Converted now, at the call: a getter runs before the call returns.
        const converted = convertArguments(method, args);
        return clock === undefined ? call(...converted) : clock.run(() => call(...converted));
      },
    );
  }
  if (clock !== undefined) {
    handle.now = () => clock.now();
    handle.advanceTime = lifecycle.guard("PUT", (ms: number) => clock.advance(ms));
  }
  lifecycle.attach(handle);
  return handle as unknown as MiniflareKv;
}
