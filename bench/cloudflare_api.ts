// What createCloudflareApiKv costs over raw fetch calls to the same REST
// endpoints doing the least that answers the same question, on Miniflare's
// local explorer (Cloudflare's implementation of them, on 127.0.0.1):
// get, put (an overwrite with a distinct value) and a list page of 100
// keys, with realistic data (1000 distinct keys, 100-character values,
// random order). Targets: within 1.3x of raw for get and put, 1.5x for a
// list page. Ratios are medians over alternating rounds in one process,
// with their min–max; see _paired.ts.
//
//   deno run -A bench/cloudflare_api.ts [--keys=1000] [--rounds=15] [--batch=200]

import { Miniflare } from "miniflare";
import { createCloudflareApiKv } from "../adapters/cloudflare_api.ts";
import {
  benchArgs,
  type Contender,
  formatRatio,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printRows,
  shuffled,
} from "./_paired.ts";

const args = benchArgs();
const n = Number(args.get("keys") ?? 1000);
const options = {
  rounds: Number(args.get("rounds") ?? 15),
  batch: Number(args.get("batch") ?? 200),
  warmup: 2,
};

const mf = new Miniflare({
  modules: true,
  script: "export default { fetch: () => new Response(null) }",
  compatibilityDate: "2026-04-01",
  kvNamespaces: { KV: "bench" },
  unsafeLocalExplorer: true,
});
const baseUrl = new URL("/cdn-cgi/explorer/api", await mf.ready).href;
const base = `${baseUrl}/storage/kv/namespaces/bench/`;
const headers = { authorization: "Bearer bench" };
const kv = createCloudflareApiKv({ baseUrl, namespaceId: "bench", apiToken: "bench" });

const keys = makeKeys(n);
const values = makeValues(n, 100);
const fresh = makeValues(n, 100, () => Math.random());
const order = shuffled(n);
const key = (i: number) => keys[order[i % n]];
for (let i = 0; i < n; i += 50) {
  await Promise.all(keys.slice(i, i + 50).map((k, j) => kv.put(k, values[i + j])));
}

const rawGet = async (k: string) => {
  const response = await fetch(base + "values/" + encodeURIComponent(k), { headers });
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  return await response.text();
};
const rawPut = async (k: string, value: string) => {
  const response = await fetch(base + "values/" + encodeURIComponent(k), {
    method: "PUT",
    headers: { ...headers, "content-type": "application/octet-stream" },
    body: value,
  });
  await response.body?.cancel();
};
// Ten prefixes of 100 keys each (at 1000 keys): one whole page per list.
const prefixes = Array.from({ length: 10 }, (_, i) => `user:0000${i}`);
const rawList = async (prefix: string) => {
  const url = `${base}keys?limit=100&prefix=${encodeURIComponent(prefix)}`;
  const body = await (await fetch(url, { headers })).json() as {
    result: { name: string }[];
    result_info: { cursor: string };
  };
  return { keys: body.result, cursor: body.result_info.cursor };
};

const rows: PairedRow[] = [];
const get: Contender[] = [
  { name: "raw fetch", op: (i) => rawGet(key(i)) },
  { name: "createCloudflareApiKv", op: (i) => kv.get(key(i)) },
];
rows.push(...await paired(`get @ ${n}`, get, options));
const put: Contender[] = [
  { name: "raw fetch", op: (i) => rawPut(key(i), fresh[i % n]) },
  { name: "createCloudflareApiKv", op: (i) => kv.put(key(i), fresh[i % n]) },
];
rows.push(...await paired(`put @ ${n}`, put, options));
const list: Contender[] = [
  { name: "raw fetch", op: (i) => rawList(prefixes[i % prefixes.length]) },
  {
    name: "createCloudflareApiKv",
    op: (i) => kv.list({ prefix: prefixes[i % prefixes.length], limit: 100 }),
  },
];
rows.push(...await paired(`list page of 100 @ ${n}`, list, options));

await mf.dispose();
if (args.get("json") === "true") console.log(JSON.stringify(rows));
else {
  printRows(rows);
  const targets: Record<string, number> = { get: 1.3, put: 1.3, list: 1.5 };
  for (const row of rows.filter((r) => r.name !== r.baseline)) {
    const target = targets[row.group.split(" ")[0]];
    console.log(`${row.group}: ${formatRatio(row)} (target <= ${target}x)`);
  }
}
