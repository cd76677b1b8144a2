// The pool behind the Miniflare registry target (targets/miniflare.ts).
//
// One Miniflare serves the whole suite. It binds one KV namespace per
// case up front, so every case gets a namespace no other case touched,
// and cases tagged `clock` put theirs on a fake clock. Namespaces are
// recycled (cleared) only when a run needs more than the suite has cases.

import type { Miniflare } from "miniflare";
import type { CaseInfo, KvFixture } from "../conformance/case.ts";
import type { KvNamespace } from "../types.ts";
import {
  miniflareOptions,
  NamespaceClock,
  startMiniflare,
} from "../adapters/_miniflare_control.ts";
import { createWorkersKv, type KvBinding } from "../adapters/workers.ts";

/** Where fake clocks start: 2025-01-01T00:00:00Z, as `createFakeClock`. */
export const FAKE_TIME_START = 1_735_689_600_000;

const METHODS = ["get", "getWithMetadata", "put", "delete", "list"] as const;

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

/** A Miniflare with many KV namespaces, each handed to one case. */
export class MiniflarePool {
  readonly #mf: Miniflare;
  readonly #slots: Slot[];

  private constructor(mf: Miniflare, slots: Slot[]) {
    this.#mf = mf;
    this.#slots = slots;
  }

  /** Starts Miniflare with `size` namespaces, ids `<prefix>-<n>`. */
  static async start(size: number, prefix = "case"): Promise<MiniflarePool> {
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
    const mf = startMiniflare(miniflareOptions(bindings));
    try {
      await mf.ready;
    } catch (error) {
      await mf.dispose();
      throw error;
    }
    return new MiniflarePool(mf, slots);
  }

  /** A fresh, empty namespace, on a fake clock when the case needs one. */
  async fixture(info: Pick<CaseInfo, "tags">): Promise<KvFixture> {
    const wantsClock = info.tags.includes("clock");
    const slot = await this.#acquire(wantsClock);
    const kv = await this.#binding(slot);
    if (!wantsClock) {
      return {
        kv,
        close: () => this.#release(slot, info.tags.includes("large")),
      };
    }
    slot.testMode = true;
    slot.clock ??= new NamespaceClock(this.#mf, slot.id, FAKE_TIME_START);
    const clock = slot.clock;
    await clock.set(FAKE_TIME_START);
    const timed: Record<string, unknown> = {};
    for (const method of METHODS) {
      const call = kv[method] as (...args: unknown[]) => Promise<unknown>;
      timed[method] = (...args: unknown[]) => clock.run(() => call(...args));
    }
    return {
      kv: timed as unknown as KvNamespace,
      now: () => clock.now(),
      advanceTime: (ms) => clock.advance(ms),
      close: () => this.#release(slot, false),
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
    if (slot === undefined) {
      throw new Error("MiniflarePool: every namespace is in use");
    }
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

/** Deletes every key of a namespace. */
export async function clear(kv: KvNamespace): Promise<void> {
  while (true) {
    const { keys } = await kv.list();
    if (keys.length === 0) return;
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((key) => kv.delete(key.name)),
      );
    }
  }
}
