// The oracle side of differential testing: Miniflare running
// ./_oracle_worker.ts, with a few KV namespaces on fake clocks. Each
// sequence takes the next namespace, resets its clock to the start time
// and empties it, then runs segment by segment, the clock set from here
// between segments.

import type { Miniflare } from "miniflare";
import { sendControlOp, startMiniflare } from "../../adapters/_miniflare_control.ts";
import { bundle } from "../_bundle.ts";
import type { Op, Outcome, RunState } from "./_ops.ts";

/** Every sequence starts at 2025-01-01T00:00:00Z, a whole second. */
export const START_MS = 1_735_689_600_000;

const POOL = 4;

/** Miniflare as the reference implementation. */
export class Oracle {
  readonly #mf: Miniflare;
  #next = 0;

  private constructor(mf: Miniflare) {
    this.#mf = mf;
  }

  /** Bundles the Worker and starts Miniflare. */
  static async start(): Promise<Oracle> {
    const script = await bundle(new URL("./_oracle_worker.ts", import.meta.url), "workerd");
    const kvNamespaces: Record<string, string> = {};
    for (let i = 0; i < POOL; i++) kvNamespaces[`KV_${i}`] = `oracle-${i}`;
    const mf = startMiniflare({
      modules: true,
      script,
      compatibilityDate: "2026-04-01",
      kvNamespaces,
    });
    await mf.ready;
    return new Oracle(mf);
  }

  /** Runs a sequence from a fresh, empty namespace at {@linkcode START_MS}. */
  async run(ops: Op[]): Promise<Outcome[]> {
    const slot = this.#next++ % POOL;
    const id = `oracle-${slot}`;
    // The clock goes back first, so keys that expired at a later time of
    // an earlier sequence are visible again, and are cleared.
    await sendControlOp(this.#mf, id, "enableFakeTimers", [START_MS]);
    const state: RunState = { now: START_MS, cursors: {} };
    const outcomes: Outcome[] = [];
    let segment: Op[] = [];
    let first = true;
    const flush = async () => {
      if (segment.length === 0 && !first) return;
      const response = await this.#mf.dispatchFetch("http://oracle/run", {
        method: "POST",
        body: JSON.stringify({ binding: `KV_${slot}`, clear: first, ops: segment, state }),
      });
      if (!response.ok) throw new Error(`oracle: ${response.status} ${await response.text()}`);
      const result = await response.json() as { outcomes: Outcome[]; state: RunState };
      outcomes.push(...result.outcomes);
      Object.assign(state, result.state);
      segment = [];
      first = false;
    };
    for (const op of ops) {
      if (op.op !== "advance") {
        segment.push(op);
        continue;
      }
      await flush();
      state.now += op.ms;
      await sendControlOp(this.#mf, id, "enableFakeTimers", [state.now]);
      outcomes.push({ ok: { $: "undefined" } });
    }
    await flush();
    return outcomes;
  }

  /** Stops Miniflare. */
  async dispose(): Promise<void> {
    await this.#mf.dispose();
  }
}
