// What createWorkersKv costs over the raw binding, on get and put, through
// Miniflare's Node proxy. The target is at most 1.05x the raw binding.
//
//   deno bench -A bench/workers_bench.ts

import { Miniflare } from "miniflare";
import { createWorkersKv, type KvBinding } from "../adapters/workers.ts";

const mf = new Miniflare({
  modules: true,
  script: "export default { fetch: () => new Response(null) }",
  compatibilityDate: "2026-04-01",
  kvNamespaces: ["KV"],
});
const raw = await mf.getKVNamespace("KV") as unknown as KvBinding;
const kv = createWorkersKv(raw);
const value = "v".repeat(100);
await raw.put("k", value);
// The proxy's first call of each method is synchronous; get past it.
await raw.get("k");
await raw.put("p", value);

// Deno.bench runs each bench in turn, so load from other processes can
// shift one against the other. A paired run, alternating raw and wrapped
// calls, compares them under the same conditions: the ratio of medians.
async function pairedRatio(run: (target: KvBinding) => Promise<unknown>, pairs: number) {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < pairs; i++) {
    for (const [slot, target] of [[0, raw], [1, kv]] as const) {
      const start = performance.now();
      await run(target as KvBinding);
      times[slot].push(performance.now() - start);
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  return median(times[1]) / median(times[0]);
}

const pairs = Number(Deno.env.get("KVKIT_BENCH_PAIRS") ?? 500);
const getRatio = await pairedRatio((target) => target.get("k"), pairs);
const putRatio = await pairedRatio((target) => target.put("p", value), pairs);
console.log(
  `createWorkersKv / raw binding, paired medians over ${pairs} calls each: ` +
    `get ${getRatio.toFixed(3)}x, put ${putRatio.toFixed(3)}x (target <= 1.05x)`,
);

Deno.bench({
  name: "raw binding: get",
  group: "get",
  baseline: true,
  n: 1000,
  async fn() {
    await raw.get("k");
  },
});

Deno.bench({
  name: "createWorkersKv: get",
  group: "get",
  n: 1000,
  async fn() {
    await kv.get("k");
  },
});

Deno.bench({
  name: "raw binding: put",
  group: "put",
  baseline: true,
  n: 1000,
  async fn() {
    await raw.put("p", value);
  },
});

Deno.bench({
  name: "createWorkersKv: put",
  group: "put",
  n: 1000,
  async fn() {
    await kv.put("p", value);
  },
});

// Miniflare stops with the process; deno bench has no teardown hook.
globalThis.addEventListener("unload", () => void mf.dispose());

// The wrapper's own cost, on a binding that answers at once: what it adds
// to every call, whatever the binding's latency.
const instant: KvBinding = {
  get: () => Promise.resolve("v"),
  getWithMetadata: () => Promise.resolve({ value: "v", metadata: null, cacheStatus: null }),
  put: () => Promise.resolve(undefined),
  delete: () => Promise.resolve(undefined),
  list: () => Promise.resolve({ keys: [], list_complete: true, cacheStatus: null }),
};
const wrappedInstant = createWorkersKv(instant);

Deno.bench({
  name: "instant binding: get",
  group: "overhead of one call",
  baseline: true,
  async fn() {
    await instant.get("k");
  },
});

Deno.bench({
  name: "createWorkersKv on it: get",
  group: "overhead of one call",
  async fn() {
    await wrappedInstant.get("k");
  },
});

Deno.bench({
  name: "createWorkersKv on it: put",
  group: "overhead of one call",
  async fn() {
    await wrappedInstant.put("p", value);
  },
});
