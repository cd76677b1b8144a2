// What createWorkersKv costs over the raw binding, through Miniflare's
// Node proxy, with realistic data: distinct keys (2,000 by default) with distinct
// 100-character values, read and overwritten in random order. Ratios are
// medians over alternating rounds in this one process, with their min–max
// (_paired.ts). The target is at most 1.02× the raw binding.
//
//   deno run -A bench/workers.ts [--keys=2000] [--json]

import { Miniflare } from "miniflare";
import { createWorkersKv, type KvBinding } from "../adapters/workers.ts";
import {
  type Contender,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printBaselineRatios,
  printRows,
  shuffled,
} from "./_paired.ts";

const n = Number(Deno.args.find((a) => a.startsWith("--keys="))?.slice(7) ?? 2_000);
const keys = makeKeys(n);
const values = makeValues(n, 100);
const fresh = makeValues(n, 100, Math.random);
const order = shuffled(n);
const key = (i: number) => keys[order[i % n]];

const mf = new Miniflare({
  modules: true,
  script: "export default { fetch: () => new Response(null) }",
  compatibilityDate: "2026-04-01",
  kvNamespaces: ["KV"],
});
const rows: PairedRow[] = [];
try {
  const raw = await mf.getKVNamespace("KV") as unknown as KvBinding;
  const kv = createWorkersKv(raw);
  for (let i = 0; i < n; i++) await raw.put(keys[i], values[i]);

  const get: Contender[] = [
    { name: "createWorkersKv get", op: (i) => kv.get(key(i)) },
    { name: "raw binding get", op: (i) => raw.get(key(i)) },
  ];
  rows.push(...await paired(`get @ ${n}`, get, { batch: 200, rounds: 21 }));
  const put: Contender[] = [
    { name: "createWorkersKv put", op: (i) => kv.put(key(i), fresh[i % n]) },
    { name: "raw binding put", op: (i) => raw.put(key(i), fresh[i % n]) },
  ];
  rows.push(...await paired(`put @ ${n}`, put, { batch: 200, rounds: 21 }));

  // The wrapper's own cost, on a binding that answers at once: what it
  // adds to every call, whatever the binding's latency.
  const instant: KvBinding = {
    get: () => Promise.resolve("v"),
    getWithMetadata: () => Promise.resolve({ value: "v", metadata: null, cacheStatus: null }),
    put: () => Promise.resolve(undefined),
    delete: () => Promise.resolve(undefined),
    list: () => Promise.resolve({ keys: [], list_complete: true, cacheStatus: null }),
  };
  const wrapped = createWorkersKv(instant);
  rows.push(
    ...await paired("get on an instant binding", [
      { name: "createWorkersKv get", op: (i) => wrapped.get(key(i)) },
      { name: "the binding itself", op: (i) => instant.get(key(i)) },
    ]),
  );
} finally {
  await mf.dispose();
}

printRows(rows);
console.log();
printBaselineRatios(rows);
if (Deno.args.includes("--json")) console.log(JSON.stringify(rows));
