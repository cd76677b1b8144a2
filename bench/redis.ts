// The Redis adapter against the raw client doing the minimal equivalent,
// with realistic data: distinct 100-character values over 10k distinct
// keys, in random order, with node-redis and with ioredis. Raw is `GET` /
// `SET` of plain string keys, and for a list page `ZRANGEBYLEX … LIMIT 0
// 1001` on a sorted set of the same names; kvkit's page is a cursor page
// of 1000 from the same position. Ratios are medians over alternating
// rounds in this one process, with their min–max; see _paired.ts.
//
//   deno run -A bench/redis.ts [--url=redis://127.0.0.1:6379] [--keys=10000]
//     [--client=node-redis,ioredis] [--json]
//
// The URL defaults to KVKIT_REDIS_URL. The bench writes under its own
// namespace and keys and deletes them afterwards.

import { createClient } from "redis";
import { Redis } from "ioredis";
import type { RedisClientLike } from "../adapters/redis.ts";
import { commanderFor, type RedisClientKind } from "../adapters/_redis_client.ts";
import { buildRedisKv, checkOptions, dropNamespace } from "../adapters/_redis_driver.ts";
import { redisKeys } from "../adapters/_redis_layout.ts";
import { compareKeys } from "../keys.ts";
import { cursorScope, encodeCursor } from "../_cursor.ts";
import {
  benchArgs,
  type Contender,
  makeKeys,
  makeValues,
  paired,
  type PairedRow,
  printRows,
  shuffled,
} from "./_paired.ts";

const args = benchArgs();
const url = args.get("url") ?? Deno.env.get("KVKIT_REDIS_URL");
if (url === undefined) {
  console.error("bench/redis.ts: pass --url=redis://… or set KVKIT_REDIS_URL");
  Deno.exit(2);
}
const n = Number(args.get("keys") ?? 10_000);
const kinds = (args.get("client") ?? "node-redis,ioredis").split(",") as RedisClientKind[];
const rows: PairedRow[] = [];

/** The raw operations of one client. */
interface Raw {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  page(index: string, min: string): Promise<unknown>;
  client: RedisClientLike;
  close(): Promise<unknown>;
}

async function open(kind: RedisClientKind): Promise<Raw> {
  if (kind === "node-redis") {
    const client = await createClient({ url }).on("error", () => {}).connect();
    return {
      get: (key) => client.get(key),
      set: (key, value) => client.set(key, value),
      page: (index, min) =>
        client.sendCommand(["ZRANGEBYLEX", index, min, "+", "LIMIT", "0", "1001"]),
      client,
      close: () => client.close(),
    };
  }
  const client = new Redis(url!, { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false });
  return {
    get: (key) => client.get(key),
    set: (key, value) => client.set(key, value),
    page: (index, min) => client.zrangebylex(index, min, "+", "LIMIT", 0, 1001),
    client,
    close: () => client.quit(),
  };
}

const keys = makeKeys(n);
const values = makeValues(n, 100);
const fresh = makeValues(n, 100, () => Math.random());
const order = shuffled(n);
const key = (i: number) => keys[order[i % n]];
const sorted = [...keys].sort(compareKeys);
// A page starts at a random key with at least 1000 after it.
const pageAt = (i: number) => sorted[order[i % n] % Math.max(1, n - 1001)];
const run = Math.random().toString(36).slice(2, 8);

for (const kind of kinds) {
  const raw = await open(kind);
  const namespace = `bench-${run}-${kind}`;
  const rawPrefix = `bench-raw-${run}:`;
  const rawIndex = `${rawPrefix}index`;
  const redis = commanderFor(raw.client);
  const { kv, driver } = buildRedisKv(
    redis,
    checkOptions({ namespace }),
    undefined,
  );
  await driver.putMany(keys.map((name, i) => ({ key: name, record: { value: values[i] } })));
  for (let i = 0; i < n; i += 500) {
    const batch = keys.slice(i, i + 500);
    await Promise.all(batch.map((name, j) => raw.set(rawPrefix + name, values[i + j])));
    await redis.send(rawIndex, [
      "ZADD",
      rawIndex,
      ...batch.flatMap((name) => ["0", name]),
    ]);
  }

  const get: Contender[] = [
    { name: `raw ${kind} GET`, op: (i) => raw.get(rawPrefix + key(i)) },
    { name: "kvkit get", op: (i) => kv.get(key(i)) },
  ];
  rows.push(...await paired(`${kind}: get @ ${n}`, get));

  // Overwrites of existing keys with other distinct values. The floor of
  // any atomic put that keeps an index: one script doing SET and ZADD.
  const floor = await redis.send(rawIndex, [
    "SCRIPT",
    "LOAD",
    "redis.call('SET', KEYS[1], ARGV[1]) redis.call('ZADD', KEYS[2], 0, ARGV[2]) return 1",
  ], true) as string;
  const put: Contender[] = [
    { name: `raw ${kind} SET`, op: (i) => raw.set(rawPrefix + key(i), fresh[i % n]) },
    { name: "kvkit put", op: (i) => kv.put(key(i), fresh[i % n]) },
    {
      name: "raw EVALSHA of SET + ZADD (floor)",
      op: (i) =>
        redis.send(rawIndex, [
          "EVALSHA",
          floor,
          "2",
          rawPrefix + key(i),
          rawIndex,
          fresh[i % n],
          key(i),
        ]),
    },
  ];
  rows.push(...await paired(`${kind}: put @ ${n}`, put));

  // kvkit's cursors are opaque; made here with its own codec, untimed.
  const scope = cursorScope(namespace, "");
  const cursors = Array.from({ length: 1000 }, (_, i) => encodeCursor(scope, pageAt(i)));
  const list: Contender[] = [
    {
      name: `raw ${kind} ZRANGEBYLEX LIMIT 0 1001`,
      op: (i) => raw.page(rawIndex, `(${pageAt(i)}`),
    },
    {
      name: "kvkit list page of 1000",
      op: async (i) => {
        const page = await kv.list({ limit: 1000, cursor: cursors[i % cursors.length] });
        if (page.keys.length !== 1000) throw new Error(`a page of ${page.keys.length}`);
      },
    },
  ];
  rows.push(...await paired(`${kind}: list page of 1000 @ ${n}`, list, { batch: 50 }));

  // Bulk reads of 100 random keys, against raw MGET of the same 100.
  const hundred = (i: number) => Array.from({ length: 100 }, (_, j) => key(i * 100 + j));
  const bulk: Contender[] = [
    {
      name: `raw ${kind} MGET 100`,
      op: (i) =>
        redis.send(
          rawIndex,
          ["MGET", ...hundred(i).map((k) => rawPrefix + k)],
          true,
        ),
    },
    { name: "kvkit get([100])", op: (i) => kv.get(hundred(i)) },
  ];
  rows.push(...await paired(`${kind}: bulk get of 100 @ ${n}`, bulk, { batch: 200 }));

  await dropNamespace(redis, redisKeys(namespace));
  for (let i = 0; i < n; i += 500) {
    await redis.send(rawIndex, [
      "DEL",
      ...keys.slice(i, i + 500).map((name) => rawPrefix + name),
    ]);
  }
  await redis.send(rawIndex, ["DEL", rawIndex]);
  await kv.close();
  await raw.close();
}

printRows(rows);
if (args.has("json")) console.log(JSON.stringify(rows));
