// Opens the namespace an example's main.ts runs on, named on the command
// line, through each adapter's public factory. Each adapter is imported
// only when named, so the default (memory) loads no client.

import type { KvNamespaceHandle } from "../mod.ts";

/** The namespace inside stores that have namespaces, so the examples keep to their own keys. */
const NAMESPACE = "kvkit-examples";

/** What `deno run -A examples/<x>/main.ts [store]` takes. */
export const USAGE = `store (default memory):
  memory              in memory
  deno-kv[:<path>]    Deno KV, in memory or in a file
  miniflare           Miniflare's KV simulator (workerd), in a temporary directory
  pglite[:<dir>]      Postgres on PGlite, in memory or in a directory
  postgres[://…]      a PostgreSQL server (default: $KVKIT_POSTGRES_URL)
  redis[://…]         a Redis server (default: $KVKIT_REDIS_URL, else redis://127.0.0.1:6379)`;

function after(spec: string, scheme: string): string | undefined {
  return spec.length > scheme.length + 1 ? spec.slice(scheme.length + 1) : undefined;
}

/**
 * Opens the store `spec` names (see {@linkcode USAGE}).
 *
 * @param spec The store, `memory` when absent.
 * @returns The namespace; dispose it when done.
 */
export async function openBackend(spec = "memory"): Promise<KvNamespaceHandle> {
  const [scheme] = spec.split(":");
  switch (scheme) {
    case "memory": {
      const { createMemoryKv } = await import("../adapters/memory.ts");
      return createMemoryKv();
    }
    case "deno-kv": {
      const { openDenoKv } = await import("../adapters/deno_kv.ts");
      return await openDenoKv(after(spec, scheme) ?? ":memory:", { namespace: NAMESPACE });
    }
    case "miniflare": {
      const { openMiniflareKv } = await import("../adapters/miniflare.ts");
      return await openMiniflareKv({ namespace: NAMESPACE });
    }
    case "pglite": {
      const { openPostgresKv } = await import("../adapters/postgres.ts");
      return await openPostgresKv(after(spec, scheme), { namespace: NAMESPACE });
    }
    case "postgres":
    case "postgresql": {
      const url = spec.includes("://") ? spec : Deno.env.get("KVKIT_POSTGRES_URL");
      if (url === undefined) throw new TypeError("postgres: give a URL or set KVKIT_POSTGRES_URL");
      const { openPostgresKv } = await import("../adapters/postgres.ts");
      return await openPostgresKv(url, { namespace: NAMESPACE });
    }
    case "redis":
    case "rediss": {
      const url = spec.includes("://")
        ? spec
        : Deno.env.get("KVKIT_REDIS_URL") ?? "redis://127.0.0.1:6379";
      const { openRedisKv } = await import("../adapters/redis.ts");
      return await openRedisKv(url, { namespace: NAMESPACE });
    }
    default:
      throw new TypeError(`unknown store ${JSON.stringify(spec)}\n${USAGE}`);
  }
}

/**
 * Opens the store named by the first command-line argument; on a name it
 * does not know, prints the usage and exits with status 2.
 *
 * @returns The namespace; dispose it when done.
 */
export async function openBackendFromArgs(): Promise<KvNamespaceHandle> {
  try {
    return await openBackend(Deno.args[0]);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    console.error(error.message);
    Deno.exit(2);
  }
}
