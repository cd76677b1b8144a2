// Registry entry: the Workers binding wrapper. It has no target of its own:
// it runs on every Miniflare target (targets/miniflare.ts) and inside
// workerd (tests/workerd).

import type { AdapterEntry } from "./_entry.ts";

const entry: AdapterEntry = {
  name: "workers",
  summary: "a real KVNamespace binding (env.MY_KV, Miniflare, wrangler)",
  targets: () => Promise.resolve([]),
};

export default entry;
