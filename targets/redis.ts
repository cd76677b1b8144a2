// Registry entry: the Redis adapter, with node-redis and with ioredis,
// against the server at KVKIT_REDIS_URL. Each target opens one client for
// the whole run; each case gets a fresh namespace, deleted when the case
// closes.

import { clockFixture } from "../conformance/clock.ts";
import type { KvFixture } from "../conformance/case.ts";
import type { RedisClientKind } from "../adapters/_redis_client.ts";
import { type AdapterEntry, env, type RegistryTarget } from "./_entry.ts";

/**
 * The Redis URL of a CLI location: `//host:port/db` after the scheme it
 * was named with (`redis`, or `rediss` for TLS).
 */
function storeUrl(location: string, scheme = "redis"): string {
  const url = `${scheme}:${location}`;
  if (!/^rediss?:\/\/./.test(url)) {
    throw new TypeError(
      `redis needs a URL: redis://host[:port][/db][#namespace] (rediss:// for TLS), got "${url}"`,
    );
  }
  return url;
}

function target(kind: RedisClientKind, url: string | undefined, run: string): RegistryTarget {
  let opened: Promise<import("../adapters/_redis_client.ts").OpenedClient> | undefined;
  let cases = 0;
  return {
    name: `redis:${kind}`,
    runtimes: ["deno", "node", "bun"],
    sharesResources: true,
    ...(url === undefined ? { unavailable: "KVKIT_REDIS_URL is not set" } : {}),
    factory: async (): Promise<KvFixture> => {
      const { commanderFor, openRedisClient } = await import("../adapters/_redis_client.ts");
      const { dropNamespace } = await import("../adapters/_redis_driver.ts");
      const { redisKeys } = await import("../adapters/_redis_layout.ts");
      const { createRedisKv } = await import("../adapters/redis.ts");
      opened ??= openRedisClient(url!, kind);
      const { client } = await opened;
      const namespace = `kvkit-test:${run}:${++cases}`;
      const fixture = await clockFixture((now) => createRedisKv(client, { namespace, now }));
      return {
        ...fixture,
        close: async () => {
          await fixture.close?.();
          await dropNamespace(commanderFor(client), redisKeys(namespace));
        },
      };
    },
    dispose: async () => {
      const closing = opened;
      opened = undefined;
      await (await closing?.catch(() => undefined))?.close();
    },
  };
}

/** A run id and a count, for the namespaces of scratch stores. */
const SCRATCH_RUN = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
let scratches = 0;

const entry: AdapterEntry = {
  name: "redis",
  summary: "Redis (node-redis or ioredis): a sorted set per namespace, a hash per key",
  targets() {
    const url = env("KVKIT_REDIS_URL");
    const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    return Promise.resolve([target("node-redis", url, run), target("ioredis", url, run)]);
  },
  store: {
    scheme: "redis",
    syntax: "redis://<host>[:port][/db][#namespace]",
    schemes: ["rediss"],
    summary: "a namespace on a Redis server (rediss:// for TLS)",
    async open(location, { namespace, scheme }) {
      const url = storeUrl(location, scheme);
      const { commanderFor, openRedisClient } = await import("../adapters/_redis_client.ts");
      const { buildRedisKv, checkOptions } = await import("../adapters/_redis_driver.ts");
      const checked = checkOptions({ namespace });
      // Redis has no empty namespaces: one with no keys reads as empty, so
      // `read` checks only that the server answers (connecting does).
      const client = await openRedisClient(url, "node-redis");
      const { kv, driver } = buildRedisKv(commanderFor(client.client), checked, client.close);
      return { kv, writeMany: (records) => driver.putMany(records) };
    },
    scratch() {
      const url = env("KVKIT_REDIS_URL");
      if (url === undefined) return Promise.resolve({ unavailable: "KVKIT_REDIS_URL is not set" });
      const namespace = `kvkit-cli:${SCRATCH_RUN}:${++scratches}`;
      return Promise.resolve({
        spec: `${url}#${namespace}`,
        dispose: async () => {
          const { commanderFor, openRedisClient } = await import("../adapters/_redis_client.ts");
          const { dropNamespace } = await import("../adapters/_redis_driver.ts");
          const { redisKeys } = await import("../adapters/_redis_layout.ts");
          const { client, close } = await openRedisClient(url, "node-redis");
          try {
            await dropNamespace(commanderFor(client), redisKeys(namespace));
          } finally {
            await close();
          }
        },
      });
    },
  },
};

export default entry;
