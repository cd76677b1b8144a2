// What openMiniflareKv's own Worker costs against the path it replaced,
// createWorkersKv over Miniflare's Node proxy (`mf.getKVNamespace()`):
// paired rounds (bench/_paired.ts), the proxy path as the baseline, each
// side on its own Miniflare. Not published.
//
//   deno run -A bench/miniflare_rpc.ts

import { Miniflare } from "miniflare";
import type { KvNamespace } from "../types.ts";
import { formatRatio, makeKeys, makeValues, paired, type PairedRow } from "./_paired.ts";
import { miniflareOptions } from "../adapters/_miniflare_control.ts";
import { openMiniflareKv } from "../adapters/miniflare.ts";
import { createWorkersKv, type KvBinding } from "../adapters/workers.ts";

const KEYS = 200;
const keys = makeKeys(KEYS);
const values = makeValues(KEYS, 100);
const bytes = new Uint8Array(64 * 1024).map((_, i) => i & 0xff);

const mf = new Miniflare(miniflareOptions({ KV: "bench" }));
const proxy = createWorkersKv(await mf.getKVNamespace("KV") as unknown as KvBinding);
const rpc = await openMiniflareKv({ namespace: "bench" });
try {
  for (const kv of [proxy, rpc]) {
    for (let i = 0; i < KEYS; i++) await kv.put(keys[i], values[i], { metadata: { i } });
    await kv.put("bytes", bytes);
  }
  const options = { rounds: Number(Deno.env.get("KVKIT_BENCH_ROUNDS") ?? 15), batch: 100 };
  const pick = (i: number) => keys[(i * 7919) % KEYS];
  const rows: PairedRow[] = [];
  const both = async (
    group: string,
    op: (kv: KvNamespace, i: number) => unknown,
    batch = options.batch,
  ) => {
    rows.push(
      ...await paired(group, [
        { name: "proxy", op: (i) => op(proxy, i) },
        { name: "rpc", op: (i) => op(rpc, i) },
      ], { ...options, batch }),
    );
  };
  await both("get, 100 B", (kv, i) => kv.get(pick(i)));
  await both("getWithMetadata, 100 B", (kv, i) => kv.getWithMetadata(pick(i)));
  await both("put, 100 B with metadata", (kv, i) =>
    kv.put(pick(i), values[i % KEYS], {
      metadata: { i },
    }));
  await both("get, 64 KiB arrayBuffer", (kv) => kv.get("bytes", "arrayBuffer"), 40);
  await both("put, 64 KiB bytes", (kv) => kv.put("bytes", bytes), 40);
  await both("bulk get, 20 keys", (kv, i) => kv.get(keys.slice(i % 180, (i % 180) + 20)), 40);
  await both("list, 100 keys", (kv) => kv.list({ limit: 100 }), 40);
  console.log("| operation | rpc vs proxy (median, min–max) | proxy µs/op | rpc µs/op |");
  console.log("|---|---|---|---|");
  for (let i = 0; i < rows.length; i += 2) {
    const [base, row] = [rows[i], rows[i + 1]];
    console.log(
      `| ${row.group} | ${formatRatio(row)} | ${(base.nsPerOp / 1000).toFixed(0)} | ${
        (row.nsPerOp / 1000).toFixed(0)
      } |`,
    );
  }
} finally {
  await rpc.close();
  await mf.dispose();
}
