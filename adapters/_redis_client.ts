// The one interface the Redis driver talks to, RedisCommander, built on
// whichever client the caller has: node-redis (`redis`, a client or a
// cluster) or ioredis (a `Redis` or a `Cluster`). Both send a command as
// an array of arguments and can answer bulk strings as bytes; this module
// hides how each is asked. It also opens a client from a URL, importing
// the package only then. Private; the public types are re-exported by
// redis.ts.

import { Buffer } from "node:buffer";
import type { RedisScript } from "./_redis_scripts.ts";

/** A command argument: text is sent as its UTF-8 bytes. */
export type RedisArgument = string | Uint8Array;

/**
 * The member of a node-redis client (`createClient()` of npm `redis` or
 * `@redis/client`, v5 and later) that kvkit calls.
 */
export interface NodeRedisClientLike {
  /** Sends one command; `typeMapping` chooses how replies decode. */
  sendCommand(
    args: ReadonlyArray<string | Buffer>,
    options?: { typeMapping?: Record<number, unknown> },
  ): Promise<unknown>;
}

/** The members of a node-redis cluster (`createCluster()`) that kvkit calls. */
export interface NodeRedisClusterLike {
  /** The cluster's master nodes; kvkit only checks that it is there. */
  readonly masters: unknown;
  /** Sends one command to the node serving `firstKey`. */
  sendCommand(
    firstKey: string | Buffer | undefined,
    isReadonly: boolean | undefined,
    args: ReadonlyArray<string | Buffer>,
    options?: { typeMapping?: Record<number, unknown> },
  ): Promise<unknown>;
}

/** The members of an ioredis `Redis` or `Cluster` that kvkit calls. */
export interface IoRedisLike {
  /** Sends one command; bulk strings come back as text. */
  call(command: string, ...args: (string | Buffer)[]): Promise<unknown>;
  /** Sends one command; bulk strings come back as `Buffer`s. */
  callBuffer(command: string, ...args: (string | Buffer)[]): Promise<unknown>;
}

/** A Redis client kvkit can use: node-redis or ioredis. */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | IoRedisLike;

/** Which client package to open a URL with. */
export type RedisClientKind = "node-redis" | "ioredis";

/** What the driver needs from a client. */
export interface RedisCommander {
  /**
   * Sends one command whose keys are all in the hash slot of `key`. Bulk
   * strings come back as `Uint8Array`s (node Buffers), or as strings when
   * `text` is set.
   */
  send(key: string, args: RedisArgument[], text?: boolean): Promise<unknown>;
  /**
   * Runs a script by its SHA-1, sending its source once when the server
   * does not know it (NOSCRIPT: it did not run). Bulk strings as bytes.
   */
  run(script: RedisScript, keys: string[], args: RedisArgument[]): Promise<unknown>;
}

// RESP_TYPES.BLOB_STRING of node-redis.
const BLOB_STRING = 36;
const AS_BYTES = { typeMapping: { [BLOB_STRING]: Buffer } };
const AS_TEXT = { typeMapping: {} };

/** Node clients take only `Buffer`s as binary arguments; wraps without copying. */
function toBuffers(args: RedisArgument[]): (string | Buffer)[] {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg !== "string" && !Buffer.isBuffer(arg)) {
      args[i] = Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
    }
  }
  return args as (string | Buffer)[];
}

function isIoRedis(client: RedisClientLike): client is IoRedisLike {
  return typeof (client as IoRedisLike).callBuffer === "function";
}

function isNodeRedisCluster(client: RedisClientLike): client is NodeRedisClusterLike {
  return "masters" in client;
}

function isNoScript(error: unknown): boolean {
  return String((error as { message?: unknown } | null)?.message).startsWith("NOSCRIPT");
}

/** The commander over a client; throws a TypeError for anything else. */
export function commanderFor(client: RedisClientLike): RedisCommander {
  let send: RedisCommander["send"];
  if (client === null || typeof client !== "object" && typeof client !== "function") {
    throw new TypeError(`client must be a node-redis or ioredis client, got ${client}`);
  }
  if (isIoRedis(client)) {
    send = (_key, args, text) => {
      const [command, ...rest] = toBuffers(args) as [string, ...(string | Buffer)[]];
      return text ? client.call(command, ...rest) : client.callBuffer(command, ...rest);
    };
  } else if (typeof client.sendCommand !== "function") {
    throw new TypeError("client must be a node-redis or ioredis client: it has no sendCommand");
  } else if (isNodeRedisCluster(client)) {
    send = (key, args, text) =>
      client.sendCommand(key, false, toBuffers(args), text ? AS_TEXT : AS_BYTES);
  } else {
    const single = client as NodeRedisClientLike;
    send = (_key, args, text) => single.sendCommand(toBuffers(args), text ? AS_TEXT : AS_BYTES);
  }
  return {
    send,
    async run(script, keys, args) {
      const known = script.sha();
      const sha = typeof known === "string" ? known : await known;
      const tail = [String(keys.length), ...keys, ...args];
      try {
        return await send(keys[0], ["EVALSHA", sha, ...tail]);
      } catch (error) {
        if (!isNoScript(error)) throw error;
        return await send(keys[0], ["EVAL", script.source, ...tail]);
      }
    },
  };
}

/** A client opened by kvkit, with the call that closes it. */
export interface OpenedClient {
  /** The client. */
  client: RedisClientLike;
  /** Closes it, after its pending commands. */
  close(): Promise<void>;
}

/**
 * Opens a client for `url` with the package of `kind`, importing it now,
 * and waits until it is connected. Both are set up so that a command in
 * flight when the connection drops fails instead of being sent again
 * after the reconnect (which could apply a write twice), while later
 * commands wait for the reconnect.
 */
export async function openRedisClient(url: string, kind: RedisClientKind): Promise<OpenedClient> {
  if (kind === "ioredis") {
    const { Redis } = await import("ioredis");
    const client = new Redis(url, {
      lazyConnect: true,
      // 0 fails what is in flight at every disconnect; without it ioredis
      // resends it after the reconnect, or (with resending off) drops it
      // unanswered.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
    });
    // Failures reach the callers of the commands; the event would only log.
    let last: unknown;
    client.on("error", (error: unknown) => last = error);
    try {
      await client.connect();
    } catch (error) {
      client.disconnect();
      // ioredis rejects with "Connection is closed."; the cause came first.
      throw last ?? error;
    }
    return {
      client: client as unknown as IoRedisLike,
      close: async () => {
        await client.quit().catch(() => client.disconnect());
      },
    };
  }
  if (kind !== "node-redis") {
    throw new TypeError(`client must be "node-redis" or "ioredis", got ${JSON.stringify(kind)}`);
  }
  const { createClient } = await import("redis");
  let connected = false;
  const client = createClient({
    url,
    socket: {
      // Reconnect forever once connected (node-redis's own backoff), but
      // let a first connection that fails twice fail the open.
      reconnectStrategy: (retries: number, cause: Error) =>
        connected ? Math.min(retries * 50, 2000) : retries >= 2 ? cause : 100,
    },
  });
  // An EventEmitter with no "error" listener throws, which would kill the
  // process on a dropped connection; the callers see the failures anyway.
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (error) {
    client.destroy();
    throw error;
  }
  connected = true;
  return {
    client: client as unknown as NodeRedisClientLike,
    close: async () => {
      await client.close().catch(() => client.destroy());
    },
  };
}
