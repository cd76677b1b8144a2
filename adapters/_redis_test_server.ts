// Test helpers for the Redis adapter's tests: the shared server's URL, a
// private redis-server of a test's own (to kill, restart, or configure),
// raw clients, and an audit of a namespace's layout. Private to tests.

import { commanderFor, type OpenedClient, openRedisClient } from "./_redis_client.ts";
import type { RedisClientKind } from "./_redis_client.ts";
import { decodeMember, type RedisKeys, redisKeys } from "./_redis_layout.ts";
import { dropNamespace } from "./_redis_driver.ts";

/** The shared server, from KVKIT_REDIS_URL. */
export const SHARED_URL: string | undefined = Deno.env.get("KVKIT_REDIS_URL");

const required = Deno.env.get("KVKIT_REQUIRE_SERVERS") === "1";

/** Whether redis-server is on the PATH, for tests that start their own. */
export const HAS_REDIS_SERVER: boolean = await new Deno.Command("redis-server", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((out) => out.success, () => false);

/** `ignore` for a test that needs the shared server; prints why once. */
export const NO_SHARED: boolean = SHARED_URL === undefined && !required;
if (NO_SHARED) console.log("kvkit: skipping Redis tests: KVKIT_REDIS_URL is not set");

/** `ignore` for a test that starts its own redis-server. */
export const NO_PRIVATE: boolean = !HAS_REDIS_SERVER && !required;
if (NO_PRIVATE) console.log("kvkit: skipping private-server Redis tests: no redis-server");

/** Both client packages. */
export const KINDS: readonly RedisClientKind[] = ["node-redis", "ioredis"];

let namespaces = 0;
const run = Math.random().toString(36).slice(2, 8);

/** A fresh namespace name for a test, under this run's prefix. */
export function freshNamespace(label: string): string {
  return `kvkit-test:${run}:${label}:${++namespaces}`;
}

/**
 * Deletes every Redis key of this run's namespaces on a server and
 * returns how many there were: what the tests failed to clean up.
 */
export async function sweepRun(client: OpenedClient): Promise<number> {
  const keys = await scanPattern(client, `kvkit:{kvkit-test:${run}:*`);
  for (let i = 0; i < keys.length; i += 500) {
    await raw(client, ["DEL", ...keys.slice(i, i + 500)]);
  }
  return keys.length;
}

/** Opens a raw client of each kind on `url`, runs `fn`, closes them. */
export async function withClients<T>(
  url: string,
  fn: (clients: Record<RedisClientKind, OpenedClient>) => Promise<T>,
): Promise<T> {
  const nodeRedis = await openRedisClient(url, "node-redis");
  const ioredis = await openRedisClient(url, "ioredis").catch(async (error) => {
    await nodeRedis.close();
    throw error;
  });
  try {
    return await fn({ "node-redis": nodeRedis, ioredis });
  } finally {
    await nodeRedis.close();
    await ioredis.close();
  }
}

/** Deletes what a test left in a namespace. */
export async function drop(client: OpenedClient, namespace: string): Promise<void> {
  await dropNamespace(commanderFor(client.client), redisKeys(namespace));
}

/** A raw command with text replies. */
export function raw(client: OpenedClient, args: string[]): Promise<unknown> {
  return commanderFor(client.client).send(args[1] ?? "", args, true);
}

/** A raw command with byte replies. */
export function rawBytes(client: OpenedClient, args: string[]): Promise<unknown> {
  return commanderFor(client.client).send(args[1] ?? "", args);
}

/** Every Redis key of a namespace, by SCAN. */
export function scanNamespace(client: OpenedClient, keys: RedisKeys): Promise<string[]> {
  return scanPattern(client, keys.index.slice(0, -1).replace(/[*?[\]\\]/g, "\\$&") + "*");
}

/** Every Redis key matching a glob pattern, by SCAN, sorted. */
async function scanPattern(client: OpenedClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  do {
    const [next, batch] = await raw(client, [
      "SCAN",
      cursor,
      "MATCH",
      pattern,
      "COUNT",
      "1000",
    ]) as [string, string[]];
    cursor = next;
    found.push(...batch);
  } while (cursor !== "0");
  return found.sort();
}

/** A WITHSCORES reply as a flat list: RESP3 sends it as pairs. */
function pairs(reply: unknown): string[] {
  return (reply as unknown[]).flat().map(String);
}

/**
 * Checks a namespace's invariant and returns its live keys: one member
 * per key; a record for each member, saying the same; every record has a
 * member; the expiry queue holds exactly the members with an expiration,
 * scored by it. Throws on the first break.
 */
export async function audit(client: OpenedClient, namespace: string): Promise<string[]> {
  const keys = redisKeys(namespace);
  const members = pairs(await raw(client, ["ZRANGE", keys.index, "0", "-1", "WITHSCORES"]));
  const queue = pairs(await raw(client, ["ZRANGE", keys.expiry, "0", "-1", "WITHSCORES"]));
  const expiring = new Map<string, number>();
  for (let i = 0; i < queue.length; i += 2) expiring.set(queue[i], Number(queue[i + 1]));
  const names = new Set<string>();
  for (let i = 0; i < members.length; i += 2) {
    const member = members[i];
    if (members[i + 1] !== "0") throw new Error(`score ${members[i + 1]} for ${member}`);
    const info = decodeMember(member);
    if (names.has(info.name)) throw new Error(`two members for ${JSON.stringify(info.name)}`);
    names.add(info.name);
    const [m, e] = await raw(client, ["HMGET", keys.record(info.name), "m", "e"]) as unknown[];
    const exists = await raw(client, ["EXISTS", keys.record(info.name)]);
    if (exists !== 1) throw new Error(`member without record: ${JSON.stringify(member)}`);
    if ((m ?? undefined) !== info.metadata || (e ?? undefined) !== info.expiration?.toString()) {
      throw new Error(`record of ${JSON.stringify(info.name)} says ${m}, ${e}`);
    }
    if (expiring.get(member) !== info.expiration) {
      throw new Error(`queue has ${expiring.get(member)} for ${JSON.stringify(member)}`);
    }
    expiring.delete(member);
  }
  if (expiring.size > 0) throw new Error(`queued without member: ${[...expiring.keys()]}`);
  const records = (await scanNamespace(client, keys)).filter((key) =>
    key !== keys.index && key !== keys.expiry
  );
  for (const key of records) {
    if (!names.has(key.slice(keys.record("").length))) throw new Error(`record alone: ${key}`);
  }
  return [...names];
}

/** A redis-server of a test's own, on a free loopback port. */
export interface PrivateRedis {
  /** Its URL. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** Kills it with SIGKILL: no shutdown, no final fsync. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory. */
  restart(): Promise<void>;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** A loopback port nothing listens on (right now). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function ping(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    try {
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buffer = new Uint8Array(64);
      const n = await conn.read(buffer);
      return n !== null && new TextDecoder().decode(buffer.subarray(0, n)).startsWith("+PONG");
    } finally {
      conn.close();
    }
  } catch {
    return false;
  }
}

/** Starts a private redis-server with extra configuration arguments. */
export async function startPrivateRedis(config: string[] = []): Promise<PrivateRedis> {
  const port = freePort();
  const dir = await Deno.makeTempDir({ prefix: "kvkit-redis-" });
  let child: Deno.ChildProcess | undefined;
  const start = async () => {
    child = new Deno.Command("redis-server", {
      args: [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--dir",
        dir,
        ...config,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn();
    for (let i = 0; i < 200; i++) {
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`redis-server on port ${port} did not start`);
  };
  const kill = async () => {
    if (child === undefined) return;
    child.kill("SIGKILL");
    await child.status;
    child = undefined;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    restart: start,
    async stop() {
      await kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
