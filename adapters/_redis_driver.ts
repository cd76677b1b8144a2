// The Redis driver behind adapters/redis.ts: records in one hash each, an
// index of members in one sorted set per namespace, an expiry queue, and
// the scripts that keep them together (_redis_scripts.ts). Private; the
// public API and the layout table live in redis.ts.

import { buildEngine } from "../engine.ts";
import type { KvDriver, KvKeyInfo, KvRecord } from "../kv_driver.ts";
import { decodeKey } from "../keys.ts";
import type { KvNamespaceHandle } from "../types.ts";
import type { RedisArgument, RedisCommander } from "./_redis_client.ts";
import {
  checkNamespace,
  decodeMember,
  encodeMember,
  escapeName,
  listBounds,
  type RedisKeys,
  redisKeys,
} from "./_redis_layout.ts";
import { DELETE, DELETE_EXPIRED, GET_MANY, PUT } from "./_redis_scripts.ts";

/**
 * Added to every record's time to live, so that Redis reclaims a record
 * only well after the engine, with its own clock, considers it expired:
 * it covers an injected clock that lags the real one.
 */
export const RECLAIM_SLACK_MS = 60 * 60 * 1000;

/**
 * How many dead members (of keys expired by the engine's clock) each
 * write reclaims at most. Every write adds at most one, so more than one
 * keeps the queue shrinking whenever there are writes.
 */
export const RECLAIM_PER_WRITE = 8;

/** Keys per batch of a bulk write: one atomic script each. */
const BATCH_KEYS = 256;
/** Value bytes per batch of a bulk write. */
const BATCH_BYTES = 8 * 1024 * 1024;
/** Bulk-write batches in flight at once, on one connection. */
const BATCHES_IN_FLIGHT = 4;

/** Options of a Redis driver. */
export interface RedisDriverOptions {
  /** The namespace, already checked. */
  namespace: string;
  /** The engine's clock, epoch ms: decides reclamation and time to live. */
  now: () => number;
}

/** The driver, plus the bulk write the CLI uses. */
export interface RedisDriver extends KvDriver {
  /** Puts records in atomic batches. */
  putMany(records: readonly { key: string; record: KvRecord }[]): Promise<void>;
}

/** A reply's bulk string as bytes of a plain `Uint8Array` (never a Buffer, whose slice shares). */
function bytes(reply: Uint8Array): Uint8Array {
  return new Uint8Array(reply.buffer, reply.byteOffset, reply.byteLength);
}

/** A nil reply: null in RESP2, and a script's false as RESP3 sends it. */
function isNil(reply: unknown): reply is null | false | undefined {
  return reply === null || reply === false || reply === undefined;
}

/** A record from an `HMGET v m e` reply, or undefined when there is none. */
function toRecord(reply: unknown): KvRecord | undefined {
  const [value, metadata, expiration] = reply as unknown[];
  if (isNil(value)) return undefined;
  const record: KvRecord = { value: bytes(value as Uint8Array) };
  if (!isNil(metadata)) record.metadata = decodeKey(metadata as Uint8Array);
  if (!isNil(expiration)) record.expiration = Number(decodeKey(expiration as Uint8Array));
  return record;
}

/** The script arguments that put one record. */
function putArguments(
  key: string,
  record: KvRecord,
  now: number,
  args: RedisArgument[],
): void {
  const { value, metadata, expiration } = record;
  // The time to live counts from the engine's clock, and Redis's own clock
  // counts it down: an offset between the two clocks does not matter.
  const ttl = expiration === undefined
    ? ""
    : String(Math.max(0, expiration * 1000 - now) + RECLAIM_SLACK_MS);
  args.push(
    encodeMember(escapeName(key), expiration, metadata),
    value,
    metadata ?? "",
    expiration === undefined ? "" : String(expiration),
    ttl,
  );
}

/** Builds the Redis driver of one namespace over a commander. */
export function createRedisDriver(
  redis: RedisCommander,
  { namespace, now }: RedisDriverOptions,
): RedisDriver {
  const keys = redisKeys(namespace);
  const { index, expiry } = keys;
  const second = () => String(Math.floor(now() / 1000));

  function putBatch(batch: readonly { key: string; record: KvRecord }[]): Promise<unknown> {
    const nowMs = now();
    const scriptKeys = [index, expiry];
    const args: RedisArgument[] = [String(Math.floor(nowMs / 1000)), String(RECLAIM_PER_WRITE)];
    for (const { key, record } of batch) {
      scriptKeys.push(keys.record(key));
      putArguments(key, record, nowMs, args);
    }
    return redis.run(PUT, scriptKeys, args);
  }

  return {
    async get(key) {
      return toRecord(await redis.send(index, ["HMGET", keys.record(key), "v", "m", "e"]));
    },

    async getMany(names) {
      const replies = await redis.run(GET_MANY, [index, expiry, ...names.map(keys.record)], []);
      return (replies as unknown[]).map(toRecord);
    },

    async put(key, record) {
      await putBatch([{ key, record }]);
    },

    async putMany(records) {
      const batches: { key: string; record: KvRecord }[][] = [];
      let batch: { key: string; record: KvRecord }[] = [];
      let size = 0;
      for (const entry of records) {
        const { value } = entry.record;
        const length = typeof value === "string" ? value.length * 3 : value.byteLength;
        if (batch.length > 0 && (batch.length >= BATCH_KEYS || size + length > BATCH_BYTES)) {
          batches.push(batch);
          batch = [];
          size = 0;
        }
        batch.push(entry);
        size += length;
      }
      if (batch.length > 0) batches.push(batch);
      // Batches go out in order on one connection; a few in flight at once.
      const inFlight: Promise<unknown>[] = [];
      for (const next of batches) {
        if (inFlight.length >= BATCHES_IN_FLIGHT) await inFlight.shift();
        inFlight.push(putBatch(next));
      }
      await Promise.all(inFlight);
    },

    async delete(key) {
      await redis.run(DELETE, [index, expiry, keys.record(key)], [
        second(),
        String(RECLAIM_PER_WRITE),
        escapeName(key),
      ]);
    },

    async list(prefix, after, limit) {
      const [min, max] = listBounds(prefix, after);
      const members = await redis.send(
        index,
        ["ZRANGEBYLEX", index, min, max, "LIMIT", "0", String(limit)],
        true,
      ) as (string | Uint8Array)[];
      const infos: KvKeyInfo[] = new Array(members.length);
      for (let i = 0; i < members.length; i++) {
        const member = members[i];
        infos[i] = decodeMember(typeof member === "string" ? member : decodeKey(member));
      }
      return infos;
    },

    async deleteExpired(names, nowMs) {
      await redis.run(
        DELETE_EXPIRED,
        [index, expiry, ...names.map(keys.record)],
        [String(Math.floor(nowMs / 1000)), ...names.map(escapeName)],
      );
    },
  };
}

/**
 * Deletes every Redis key of a namespace: its records (found through its
 * index), then the index and the expiry queue. Not atomic: for tests and
 * tools that own the namespace.
 */
export async function dropNamespace(redis: RedisCommander, keys: RedisKeys): Promise<void> {
  for (;;) {
    const members = await redis.send(
      keys.index,
      ["ZRANGE", keys.index, "0", "499"],
      true,
    ) as string[];
    if (members.length === 0) break;
    const names = members.map((member) => decodeMember(member).name);
    await redis.send(keys.index, ["DEL", ...names.map(keys.record)]);
    await redis.send(keys.index, ["ZREM", keys.index, ...members]);
  }
  await redis.send(keys.index, ["DEL", keys.index, keys.expiry]);
}

/** Options of a Redis namespace, as the facade takes them. */
export interface RedisKvOptions {
  /** The namespace; defaults to `"kvkit"`. */
  namespace?: string;
  /** The clock, epoch ms; defaults to `Date.now`. */
  now?: () => number;
}

/** Checks the options and fills in the defaults; TypeErrors for bad ones. */
export function checkOptions(options: RedisKvOptions): Required<RedisKvOptions> {
  const { namespace = "kvkit", now = Date.now } = options;
  if (typeof now !== "function") throw new TypeError(`now must be a function, got ${typeof now}`);
  return { namespace: checkNamespace(namespace), now };
}

/**
 * Builds a namespace on a commander: the engine over a Redis driver, with
 * `close` run once when the namespace closes. Returns the driver too, for
 * its bulk write.
 */
export function buildRedisKv(
  redis: RedisCommander,
  { namespace, now }: Required<RedisKvOptions>,
  close: (() => Promise<void>) | undefined,
): { kv: KvNamespaceHandle; driver: RedisDriver } {
  const { kv, driver } = buildEngine((context) => {
    const driver = createRedisDriver(redis, { namespace, now: context.now });
    if (close !== undefined) driver.close = close;
    return driver;
  }, { now, namespace });
  return { kv, driver: driver as RedisDriver };
}
