// Registry entry: Miniflare, Cloudflare's own KV simulator, through
// createWorkersKv. It is the differential tests' oracle, so they do not
// compare it with itself.

import type { AdapterEntry } from "./_entry.ts";

const entry: AdapterEntry = {
  name: "miniflare",
  summary: "Miniflare's KV simulator (workerd), through createWorkersKv",
  targets() {
    let pool: Promise<import("./_miniflare_pool.ts").MiniflarePool> | undefined;
    return Promise.resolve([{
      name: "miniflare",
      runtimes: ["deno", "node"],
      sharesResources: true,
      differential: false,
      // One Miniflare for the whole run, started by the first case, with a
      // fresh namespace per case.
      factory: async (info) => {
        if (pool === undefined) {
          const { MiniflarePool } = await import("./_miniflare_pool.ts");
          const { cases } = await import("../conformance/cases.ts");
          pool = MiniflarePool.start(cases.length + 8);
        }
        return (await pool).fixture(info);
      },
      dispose: async () => {
        const started = pool;
        pool = undefined;
        await (await started?.catch(() => undefined))?.dispose();
      },
    }]);
  },
  store: {
    scheme: "miniflare",
    syntax: "miniflare:<dir>",
    summary: "a persisted Miniflare KV directory (as wrangler dev --persist-to keeps it)",
    async open(location, { namespace }) {
      if (location === "") throw new TypeError("miniflare needs a directory: miniflare:<dir>");
      const { openMiniflareKv } = await import("../adapters/miniflare.ts");
      return { kv: await openMiniflareKv({ persist: location, namespace }) };
    },
  },
};

export default entry;
