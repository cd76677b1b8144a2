// The Miniflare behind the cloudflare-api:miniflare target: Cloudflare's
// own implementation of the KV REST endpoints, run locally.
//
// Miniflare 4.20260426.0 serves a subset of the endpoints under
// /cdn-cgi/explorer/api when started with `unsafeLocalExplorer: true`
// (its explorer.worker.js, built on each namespace's binding). Read from
// that file and probed:
// - GET keys?limit&prefix&cursor: limit 10 to 1000, `result_info:
//   { count, cursor }`, cursor "" on the last page;
// - GET values/{key}: the bytes, or 404 with code 10009;
// - PUT values/{key}: raw bytes, or a multipart `value` + `metadata` form;
//   it ignores `expiration` and `expiration_ttl`, and drops metadata that
//   parses to a falsy value (0, false, "", null);
// - DELETE values/{key};
// - POST bulk/get `{ keys }`: text only; it ignores `type` and
//   `withMetadata`, and answers null for integer-like keys and nothing for
//   "__proto__" (the binding's Map drops them);
// - a binding's failure answers 500, code 10000, with the binding's text
//   ("KV PUT failed: 413 …").
// It has no GET metadata/{key}, PUT bulk or POST bulk/delete (404).
//
// So each case's requests go to the explorer when it implements them
// faithfully, and otherwise to createDocumentedKvApi
// (_cloudflare_api_server.ts), which checks them against Cloudflare's
// documentation and serves them through the same namespace's binding:
// the same storage, on the same fake clock.
//
// As in targets/_miniflare_pool.ts, one Miniflare binds one namespace per
// case, cases tagged `clock` put theirs on a fake clock (which puts it in
// test mode, with 1 KiB values), and namespaces are recycled only when a
// run needs more than the suite has cases.

import type { Miniflare } from "miniflare";
import type { CaseInfo, KvFixture } from "../conformance/case.ts";
import type { KvNamespace } from "../types.ts";
import {
  miniflareOptions,
  NamespaceClock,
  startMiniflare,
} from "../adapters/_miniflare_control.ts";
import { createWorkersKv, type KvBinding } from "../adapters/workers.ts";
import { createCloudflareApiKv, type FetchLike } from "../adapters/cloudflare_api.ts";
import { clear, FAKE_TIME_START } from "./_miniflare_pool.ts";
import { type ApiCall, createDocumentedKvApi } from "./_cloudflare_api_server.ts";

/** The token the explorer pool's requests carry. */
export const EXPLORER_TOKEN = "test";

/** Where Miniflare serves its local explorer's API. */
export const EXPLORER_API_PATH = "/cdn-cgi/explorer/api";

interface Slot {
  binding: string;
  id: string;
  kv?: KvNamespace;
  /** The slot was put on a fake clock, so it is in test mode. */
  testMode: boolean;
  clock?: NamespaceClock;
  /** Released by its last fixture and free to reuse after clearing. */
  free: boolean;
  used: boolean;
}

/** Falsy JSON (0, false, "", null), which the explorer's write drops instead of storing. */
function falsyJson(text: string): boolean {
  return !JSON.parse(text);
}

/**
 * Whether Miniflare's explorer serves a request as Cloudflare documents
 * it (see the file's header); the rest go through the binding.
 */
export function explorerServes(call: ApiCall): boolean {
  switch (call.route) {
    case "keys":
      return true;
    case "values": {
      if (call.method !== "PUT") return true;
      const expires = call.query.some(([name]) =>
        name === "expiration" || name === "expiration_ttl"
      );
      return !expires && (call.metadata === undefined || !falsyJson(call.metadata));
    }
    case "bulk/get": {
      const { type, withMetadata } = call.json as { type?: string; withMetadata?: boolean };
      return withMetadata !== true && (type === undefined || type === "text");
    }
    default:
      return false;
  }
}

/** A Miniflare with its local explorer and many KV namespaces, each handed to one case. */
export class ExplorerPool {
  readonly #mf: Miniflare;
  readonly #url: URL;
  readonly #slots: Slot[];
  readonly #api: ReturnType<typeof createDocumentedKvApi>;

  private constructor(mf: Miniflare, url: URL, slots: Slot[]) {
    this.#mf = mf;
    this.#url = url;
    this.#slots = slots;
    this.#api = createDocumentedKvApi({
      basePath: EXPLORER_API_PATH,
      token: EXPLORER_TOKEN,
      namespace: (id) => {
        const slot = this.#slots.find((s) => s.id === id);
        return slot === undefined ? undefined : this.#binding(slot);
      },
    });
  }

  /** Starts Miniflare with `size` namespaces, ids `<prefix>-<n>`. */
  static async start(size: number, prefix = "cfapi"): Promise<ExplorerPool> {
    const slots: Slot[] = [];
    const bindings: Record<string, string> = {};
    for (let i = 0; i < size; i++) {
      const slot = {
        binding: `KV_${i}`,
        id: `${prefix}-${i}`,
        testMode: false,
        free: false,
        used: false,
      };
      bindings[slot.binding] = slot.id;
      slots.push(slot);
    }
    const mf = startMiniflare({ ...miniflareOptions(bindings), unsafeLocalExplorer: true });
    let url: URL;
    try {
      url = await mf.ready;
    } catch (error) {
      await mf.dispose();
      throw error;
    }
    return new ExplorerPool(mf, url, slots);
  }

  /** The explorer's API URL: the adapter's `baseUrl`. */
  get baseUrl(): string {
    return new URL(EXPLORER_API_PATH, this.#url).href;
  }

  /**
   * The `fetch` a namespace's adapter sends with: to the explorer where it
   * is faithful, else to the documented API over the binding; under the
   * namespace's fake clock when it has one.
   */
  fetchFor(clock?: NamespaceClock): FetchLike {
    const send = (input: string, init: RequestInit) =>
      this.#api(
        new Request(input, init),
        (call) => explorerServes(call) ? globalThis.fetch(input, init) : undefined,
      );
    if (clock === undefined) return send;
    return (input, init) => clock.run(() => send(input, init));
  }

  /**
   * Answers one request that reached another server at the explorer's
   * path, as {@linkcode fetchFor} does: for an HTTP server in front of
   * Miniflare (tests of the CLI store point `CLOUDFLARE_API_BASE_URL` at
   * one).
   */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const target = new URL(url.pathname + url.search, this.#url).href;
    // Read once, and sent on as bytes: the request itself is tied to the
    // server's connection.
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    const init = { method: request.method, headers: request.headers, body };
    return await this.fetchFor()(target, init);
  }

  /** A fresh, empty namespace, on a fake clock when the case needs one. */
  async fixture(info: Pick<CaseInfo, "tags">): Promise<KvFixture> {
    const wantsClock = info.tags.includes("clock");
    const slot = await this.#acquire(wantsClock);
    let clock: NamespaceClock | undefined;
    if (wantsClock) {
      slot.testMode = true;
      slot.clock ??= new NamespaceClock(this.#mf, slot.id, FAKE_TIME_START);
      clock = slot.clock;
      await clock.set(FAKE_TIME_START);
    }
    const kv = createCloudflareApiKv({
      baseUrl: this.baseUrl,
      accountId: "kvkit-local",
      namespaceId: slot.id,
      apiToken: EXPLORER_TOKEN,
      fetch: this.fetchFor(clock),
      ...(clock === undefined ? {} : { now: () => clock.now() }),
    });
    const release = async () => {
      await kv.close();
      await this.#release(slot, info.tags.includes("large"));
    };
    if (clock === undefined) return { kv, close: release };
    return {
      kv,
      now: () => clock.now(),
      advanceTime: (ms) => clock.advance(ms),
      close: release,
    };
  }

  /** Stops Miniflare. */
  async dispose(): Promise<void> {
    await this.#mf.dispose();
  }

  async #binding(slot: Slot): Promise<KvNamespace> {
    slot.kv ??= createWorkersKv(
      await this.#mf.getKVNamespace(slot.binding) as unknown as KvBinding,
    );
    return slot.kv;
  }

  async #acquire(wantsClock: boolean): Promise<Slot> {
    const fresh = this.#slots.find((slot) => !slot.used);
    if (fresh !== undefined) {
      fresh.used = true;
      return fresh;
    }
    // Out of fresh namespaces: clear a released one. A clock case can take
    // any; a case without a clock prefers one that never entered test mode.
    const free = this.#slots.filter((slot) => slot.free);
    const slot = free.find((s) => s.testMode === wantsClock) ?? free[0];
    if (slot === undefined) throw new Error("ExplorerPool: every namespace is in use");
    slot.free = false;
    // Start the clock over first, so that keys which expired at a later
    // fake time show up again and are deleted too.
    await slot.clock?.set(FAKE_TIME_START);
    await clear(await this.#binding(slot));
    return slot;
  }

  async #release(slot: Slot, large: boolean): Promise<void> {
    // Large values would otherwise stay in Miniflare's storage until the
    // end of the run.
    if (large) await clear(await this.#binding(slot)).catch(() => {});
    slot.free = true;
  }
}
