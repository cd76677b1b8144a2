// Registry entry: production Workers KV through Cloudflare's REST API,
// tested on Miniflare's local explorer, which runs Cloudflare's own
// implementation of those endpoints (see _cloudflare_api_pool.ts for the
// endpoints it lacks, served there as Cloudflare documents them).

import { type AdapterEntry, env } from "./_entry.ts";

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A value as the bulk request should carry it: bytes that are UTF-8 as
 * the text they spell (stored as the same bytes, and far cheaper to send
 * than base64), anything else as bytes.
 */
function asText(value: string | Uint8Array): string | Uint8Array {
  if (typeof value === "string") return value;
  try {
    return utf8.decode(value);
  } catch {
    return value;
  }
}

/** The part of `Deno.serve` a scratch store's server uses. */
type Serve = (
  options: { hostname: string; port: number; onListen(): void },
  handler: (request: Request) => Promise<Response>,
) => { addr: { port: number }; shutdown(): Promise<void> };

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
    summary: "production Workers KV; the token from CLOUDFLARE_API_TOKEN",
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
            value: asText(record.value),
            expiration: record.expiration,
            metadata: record.metadata === undefined ? undefined : metadataOf(record.metadata),
          })));
        },
      };
    },
    // A namespace of Miniflare's local explorer, behind an HTTP server that
    // CLOUDFLARE_API_BASE_URL points the store at.
    async scratch() {
      const serve = (globalThis as { Deno?: { serve?: Serve } }).Deno?.serve;
      if (serve === undefined) return { unavailable: "its scratch server needs Deno.serve" };
      const { EXPLORER_API_PATH, EXPLORER_TOKEN, ExplorerPool } = await import(
        "./_cloudflare_api_pool.ts"
      );
      const pool = await ExplorerPool.start(1, "cli");
      const server = serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        (request) => pool.handle(request),
      );
      return {
        spec: "cloudflare:kvkit-local/cli-0",
        env: {
          CLOUDFLARE_API_TOKEN: EXPLORER_TOKEN,
          CLOUDFLARE_API_BASE_URL: `http://127.0.0.1:${server.addr.port}${EXPLORER_API_PATH}`,
        },
        dispose: async () => {
          await server.shutdown();
          await pool.dispose();
        },
      };
    },
  },
};

export default entry;
