// Registry entry: production Workers KV through Cloudflare's REST API,
// tested on Miniflare's local explorer, which runs Cloudflare's own
// implementation of those endpoints (see _cloudflare_api_pool.ts for the
// endpoints it lacks, served there as Cloudflare documents them).

import { type AdapterEntry, env } from "./_entry.ts";

/**
 * A record's metadata as `put` takes it again. `put` stores `null` as no
 * metadata, but a record can hold JSON null (put as NaN), and NaN
 * serializes to it.
 */
function metadataOf(json: string): unknown {
  const parsed = JSON.parse(json);
  return parsed === null ? NaN : parsed;
}

const entry: AdapterEntry = {
  name: "cloudflare-api",
  summary: "production Workers KV over Cloudflare's REST API",
  targets() {
    let pool: Promise<import("./_cloudflare_api_pool.ts").ExplorerPool> | undefined;
    return Promise.resolve([{
      name: "cloudflare-api:miniflare",
      runtimes: ["deno", "node"],
      sharesResources: true,
      slow: true,
      // One Miniflare for the whole run, started by the first case, with a
      // fresh namespace per case.
      factory: async (info) => {
        if (pool === undefined) {
          const { ExplorerPool } = await import("./_cloudflare_api_pool.ts");
          const { cases } = await import("../conformance/cases.ts");
          pool = ExplorerPool.start(cases.length + 8);
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
    scheme: "cloudflare",
    syntax: "cloudflare:<accountId>/<namespaceId>",
    summary: "a production KV namespace, with CLOUDFLARE_API_TOKEN (as wrangler takes it)",
    async open(location, { namespace }) {
      const parts = location.split("/");
      if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
        throw new TypeError(
          "cloudflare needs an account and a namespace id: cloudflare:<accountId>/<namespaceId>",
        );
      }
      if (namespace !== undefined) {
        throw new TypeError(
          "cloudflare stores have no inner namespaces: name the KV namespace in the location",
        );
      }
      const apiToken = env("CLOUDFLARE_API_TOKEN");
      if (apiToken === undefined || apiToken === "") {
        throw new TypeError("cloudflare needs an API token in CLOUDFLARE_API_TOKEN");
      }
      const { createCloudflareApiKv } = await import("../adapters/cloudflare_api.ts");
      const kv = createCloudflareApiKv({
        accountId: parts[0],
        namespaceId: parts[1],
        apiToken,
        baseUrl: env("CLOUDFLARE_API_BASE_URL") || undefined,
      });
      // A namespace that does not exist fails here (404), in either mode:
      // the API cannot make one without a title.
      await kv.list({ limit: 10 });
      return {
        kv,
        async writeMany(records) {
          await kv.bulkPut(records.map(({ key, record }) => ({
            key,
            value: record.value,
            expiration: record.expiration,
            metadata: record.metadata === undefined ? undefined : metadataOf(record.metadata),
          })));
        },
      };
    },
  },
};

export default entry;
