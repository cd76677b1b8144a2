// The Redis adapter against a real server (KVKIT_REDIS_URL), with both
// client packages: what the conformance suite does not already prove. The
// layout (members, records, the expiry queue, hash slots), binary safety
// of keys and values across clients, atomicity, reclamation, round trips
// and the clients' lifecycle. Crashes and server failures are in
// _redis_crash_test.ts.

import { deepStrictEqual as assertEquals, ok as assert, rejects, throws } from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createClient, createCluster, RESP_TYPES } from "redis";
import { Cluster, Redis } from "ioredis";
import { clockFixture, createFakeClock, runConformance } from "../conformance/mod.ts";
import type { KvError } from "../errors.ts";
import { compareKeys, encodeKey } from "../keys.ts";
import type { KvRecord } from "../kv_driver.ts";
import redisEntry from "../targets/redis.ts";
import {
  createRedisKv,
  type IoRedisLike,
  type NodeRedisClientLike,
  openRedisKv,
  RECLAIM_PER_WRITE,
  RECLAIM_SLACK_MS,
  type RedisClientLike,
} from "./redis.ts";
import { commanderFor, type OpenedClient } from "./_redis_client.ts";
import { createRedisDriver, dropNamespace } from "./_redis_driver.ts";
import { escapeName, hashTag, redisKeys } from "./_redis_layout.ts";
import {
  audit,
  drop,
  freePort,
  freshNamespace,
  KINDS,
  NO_PRIVATE,
  NO_SHARED,
  raw,
  rawBytes,
  scanNamespace,
  SHARED_URL,
  startPrivateRedis,
  sweepRun,
  withClients,
} from "./_redis_test_server.ts";

const URL = SHARED_URL ?? "redis://127.0.0.1:6379";
const test = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, ignore: NO_SHARED, sanitizeOps: false, sanitizeResources: false, fn });

// The real client types fit the structural ones (a compile-time check).
const _types = (a: ReturnType<typeof createClient>, b: Redis): RedisClientLike[] => {
  const nodeRedis: NodeRedisClientLike = a;
  const ioredis: IoRedisLike = b;
  return [nodeRedis, ioredis, a.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer })];
};

const KEYS = [
  "\u0000",
  "\u0000x",
  "\u0001",
  "\u0001\u0000",
  "a\u0000",
  "a\u0001b",
  "\uFEFF",
  "\uFEFFa",
  "é",
  "\uFFFF",
  "😀",
  "\u{10FFFF}",
  " ",
  "%}{*?[",
  "é".repeat(256),
];

/** The other client kind. */
const other = (kind: string) => kind === "node-redis" ? "ioredis" : "node-redis";

test("every key Workers allows is a sorted-set member of its exact UTF-8 bytes, on both clients", async () => {
  await withClients(URL, async (clients) => {
    for (const kind of KINDS) {
      const namespace = freshNamespace("keys");
      const writer = createRedisKv(clients[kind].client, { namespace });
      const reader = createRedisKv(clients[other(kind)].client, { namespace });
      for (const [i, key] of KEYS.entries()) await writer.put(key, `v${i}`);
      const sorted = [...KEYS].sort(compareKeys);
      // What Redis holds, byte for byte, in Redis's own (bytewise) order.
      const members = await rawBytes(clients[kind], [
        "ZRANGEBYLEX",
        redisKeys(namespace).index,
        "-",
        "+",
      ]) as Uint8Array[];
      assertEquals(
        members.map((m) => [...m]),
        sorted.map((key) => [...encodeKey(escapeName(key))]),
      );
      // And what the other client reads back.
      const { keys } = await reader.list();
      assertEquals(keys.map((k) => k.name), sorted);
      for (const [i, key] of KEYS.entries()) assertEquals(await reader.get(key), `v${i}`);
      const bulk = await reader.get(KEYS.slice(0, 10));
      assertEquals([...bulk.keys()], KEYS.slice(0, 10));
      assertEquals([...bulk.values()], KEYS.slice(0, 10).map((_, i) => `v${i}`));
      for (const key of KEYS) {
        assertEquals((await reader.list({ prefix: key })).keys[0]?.name, key);
      }
      await drop(clients[kind], namespace);
    }
  });
});

test("binary values and text round-trip byte for byte, written by one client and read by the other", async () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const invalid = new Uint8Array([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0]);
  const texts = ["\uFEFFbom", "é😀\u0000\u{10FFFF}", "", "\r\n$-1\r\n"];
  await withClients(URL, async (clients) => {
    for (const kind of KINDS) {
      const namespace = freshNamespace("values");
      const writer = createRedisKv(clients[kind].client, { namespace });
      const reader = createRedisKv(clients[other(kind)].client, { namespace });
      await writer.put("all", all);
      await writer.put("invalid", invalid.buffer);
      for (const [i, text] of texts.entries()) await writer.put(`t${i}`, text);
      for (const [key, bytes] of [["all", all], ["invalid", invalid]] as const) {
        const buffer = await reader.get(key, "arrayBuffer");
        // Exactly the value's bytes: not a view of a larger socket buffer.
        assertEquals(buffer!.byteLength, bytes.byteLength);
        assertEquals(new Uint8Array(buffer!), bytes);
        // Stored as they are, no envelope.
        const stored = await rawBytes(clients[kind], [
          "HGET",
          redisKeys(namespace).record(key),
          "v",
        ]) as Uint8Array;
        assertEquals([...stored], [...bytes]);
      }
      for (const [i, text] of texts.entries()) {
        assertEquals(await reader.get(`t${i}`), text);
        assertEquals(new Uint8Array((await reader.get(`t${i}`, "arrayBuffer"))!), encodeKey(text));
      }
      // A bulk read decodes as Workers' does: a leading BOM dropped.
      assertEquals(
        await reader.get(texts.map((_, i) => `t${i}`)),
        new Map(texts.map((t, i) => [`t${i}`, t.replace(/^\uFEFF/, "")])),
      );
      await drop(clients[kind], namespace);
    }
  });
});

/** Redis Cluster's key slot: CRC16-XMODEM of the hash tag, mod 16384. */
function keySlot(key: string): number {
  const open = key.indexOf("{");
  const close = open < 0 ? -1 : key.indexOf("}", open + 1);
  const tag = open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  let crc = 0;
  for (const byte of encodeKey(tag)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
  }
  return crc % 16384;
}

test("a namespace's Redis keys are its index, its expiry queue and a hash per key, in one hash slot", async () => {
  assertEquals(keySlot("123456789"), 0x31c3 % 16384); // the CRC16 check value
  await withClients(URL, async (clients) => {
    for (const namespace of [freshNamespace("slot"), `${freshNamespace("slot")}}{%`]) {
      const clock = createFakeClock();
      const kv = createRedisKv(clients.ioredis.client, { namespace, now: clock.now });
      await kv.put("plain", "1");
      await kv.put("meta", "2", { metadata: { v: 1 } });
      await kv.put("ttl", "3", { expirationTtl: 600 });
      const keys = redisKeys(namespace);
      assertEquals(
        await scanNamespace(clients.ioredis, keys),
        [keys.index, keys.record("meta"), keys.record("plain"), keys.record("ttl"), keys.expiry]
          .sort(),
      );
      const slots = new Set((await scanNamespace(clients.ioredis, keys)).map(keySlot));
      assertEquals(slots, new Set([keySlot(`{${hashTag(namespace)}}`)]));
      assertEquals(await audit(clients.ioredis, namespace), ["meta", "plain", "ttl"]);
      await drop(clients.ioredis, namespace);
      assertEquals(await scanNamespace(clients.ioredis, keys), []);
    }
  });
});

test("a record is a hash of v, m and e, and Redis keeps it an hour past its expiration by the injected clock", async () => {
  await withClients(URL, async (clients) => {
    for (const kind of KINDS) {
      const namespace = freshNamespace("record");
      // A clock a year behind the real one: Redis must count from it.
      const clock = createFakeClock(Date.now() - 365 * 86_400_000);
      const kv = createRedisKv(clients[kind].client, { namespace, now: clock.now });
      const expiration = Math.floor(clock.now() / 1000) + 7200;
      await kv.put("k", "value", { expiration, metadata: { a: "é" } });
      await kv.put("plain", "v");
      const keys = redisKeys(namespace);
      const record = await raw(clients[kind], ["HGETALL", keys.record("k")]);
      const fields = Array.isArray(record)
        ? Object.fromEntries(
          Array.from({ length: record.length / 2 }, (_, i) => [record[2 * i], record[2 * i + 1]]),
        )
        : record;
      assertEquals(fields, { v: "value", m: '{"a":"é"}', e: String(expiration) });
      const pttl = await raw(clients[kind], ["PTTL", keys.record("k")]) as number;
      const expected = expiration * 1000 - clock.now() + RECLAIM_SLACK_MS;
      assert(pttl <= expected && pttl > expected - 10_000, `PTTL ${pttl}, expected ${expected}`);
      assertEquals(await raw(clients[kind], ["PTTL", keys.record("plain")]), -1);
      assertEquals(
        await raw(clients[kind], ["ZRANGE", keys.index, "0", "-1"]),
        ["k\u0000" + expiration + '\u0000{"a":"é"}', "plain"],
      );
      assertEquals(
        Number(
          await raw(clients[kind], ["ZSCORE", keys.expiry, `k\u0000${expiration}\u0000{"a":"é"}`]),
        ),
        expiration,
      );
      // An overwrite without options clears all of it.
      await kv.put("k", "again");
      assertEquals(await raw(clients[kind], ["PTTL", keys.record("k")]), -1);
      assertEquals(await raw(clients[kind], ["ZCARD", keys.expiry]), 0);
      assertEquals(await audit(clients[kind], namespace), ["k", "plain"]);
      await drop(clients[kind], namespace);
    }
  });
});

test("namespaces are isolated, including names that differ only by } or %", async () => {
  await withClients(URL, async (clients) => {
    const base = freshNamespace("iso");
    const names = [base, `${base}}`, `${base}%7D`, `${base}%`, `${base}:r:x`];
    const spaces = names.map((namespace) =>
      createRedisKv(clients["node-redis"].client, { namespace })
    );
    for (const [i, kv] of spaces.entries()) {
      await kv.put("x", `from ${i}`, { metadata: i });
      await kv.put(`only${i}`, "1");
    }
    for (const [i, kv] of spaces.entries()) {
      assertEquals(await kv.getWithMetadata("x"), {
        value: `from ${i}`,
        metadata: i,
        cacheStatus: null,
      });
      assertEquals((await kv.list()).keys.map((k) => k.name), [`only${i}`, "x"]);
      const page = await kv.list({ limit: 1 });
      assert(!page.list_complete);
      // A cursor of one namespace reads nothing in another.
      const elsewhere = await spaces[(i + 1) % spaces.length].list({ cursor: page.cursor });
      assertEquals(elsewhere.keys, []);
    }
    await spaces[0].delete("x");
    assertEquals(await spaces[1].get("x"), "from 1");
    for (const namespace of names) {
      await audit(clients["node-redis"], namespace);
      await drop(clients["node-redis"], namespace);
    }
  });
});

test("concurrent puts and deletes from both clients leave index, queue and records in agreement", async () => {
  await withClients(URL, async (clients) => {
    const namespace = freshNamespace("atomic");
    const clock = createFakeClock();
    const both = KINDS.map((kind) =>
      createRedisKv(clients[kind].client, { namespace, now: clock.now })
    );
    const keys = ["a", "a\u0000", "b", "é", "😀"];
    let seed = 7;
    const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const kv = both[random(2)];
      const key = keys[random(keys.length)];
      const choice = random(6);
      if (choice === 0) ops.push(kv.delete(key));
      else if (choice === 1) ops.push(kv.list());
      else if (choice === 2) ops.push(kv.get(keys));
      else {
        ops.push(kv.put(key, `v${i}`, {
          metadata: choice === 3 ? undefined : { i },
          expirationTtl: choice === 5 ? 60 + random(1000) : undefined,
        }));
      }
    }
    await Promise.all(ops);
    const live = await audit(clients.ioredis, namespace);
    assertEquals(live.sort(compareKeys), (await both[0].list()).keys.map((k) => k.name));
    for (const key of live) {
      const [one, two] = await Promise.all(both.map((kv) => kv.getWithMetadata(key)));
      assertEquals(one, two);
    }
    await drop(clients.ioredis, namespace);
  });
});

test(`Redis's expiry leaves members behind; each write reclaims ${RECLAIM_PER_WRITE} at most, oldest first`, async () => {
  await withClients(URL, async (clients) => {
    for (const kind of KINDS) {
      const namespace = freshNamespace("reclaim");
      const clock = createFakeClock();
      const kv = createRedisKv(clients[kind].client, { namespace, now: clock.now });
      const keys = redisKeys(namespace);
      for (let i = 0; i < 20; i++) {
        await kv.put(`dead${String(i).padStart(2, "0")}`, "x", { expirationTtl: 60 + i });
      }
      await kv.put("keeper", "y", { expirationTtl: 100_000 });
      // Past their expiration, and past Redis's: as if the PEXPIRE fired.
      clock.advance(200_000);
      for (let i = 0; i < 20; i++) {
        await raw(clients[kind], ["DEL", keys.record(`dead${String(i).padStart(2, "0")}`)]);
      }
      assertEquals(await raw(clients[kind], ["ZCARD", keys.index]), 21);
      await kv.put("fresh", "z");
      assertEquals(await raw(clients[kind], ["ZCARD", keys.expiry]), 21 - RECLAIM_PER_WRITE);
      const queue = await raw(clients[kind], ["ZRANGE", keys.expiry, "0", "0"]) as string[];
      assert(queue[0].startsWith(`dead${String(RECLAIM_PER_WRITE).padStart(2, "0")}\u0000`));
      await kv.delete("nothing");
      await kv.put("fresh", "z2");
      assertEquals(await audit(clients[kind], namespace), ["fresh", "keeper"]);
      await drop(clients[kind], namespace);
    }
  });
});

test("a list or get that meets expired keys deletes them, and nothing else", async () => {
  await withClients(URL, async (clients) => {
    const namespace = freshNamespace("meet");
    const clock = createFakeClock();
    const kv = createRedisKv(clients["node-redis"].client, { namespace, now: clock.now });
    for (let i = 0; i < 5; i++) await kv.put(`e${i}`, "x", { expirationTtl: 60 });
    await kv.put("live", "y", { expirationTtl: 3600 });
    clock.advance(60_000);
    assertEquals((await kv.list()).keys.map((k) => k.name), ["live"]);
    assertEquals(await audit(clients["node-redis"], namespace), ["live"]);
    await kv.put("g", "x", { expirationTtl: 60 });
    clock.advance(60_000);
    assertEquals(await kv.get("g"), null);
    assertEquals(await audit(clients["node-redis"], namespace), ["live"]);
    await drop(clients["node-redis"], namespace);
  });
});

test("a key written again after a reader saw it expired survives that reader's reclamation", async () => {
  await withClients(URL, async (clients) => {
    const namespace = freshNamespace("race");
    const clock = createFakeClock();
    const driver = createRedisDriver(commanderFor(clients.ioredis.client), {
      namespace,
      now: clock.now,
    });
    const seconds = Math.floor(clock.now() / 1000);
    const expiring: KvRecord = { value: "old", expiration: seconds + 60 };
    await driver.put("k", expiring);
    await driver.put("n", expiring);
    clock.advance(61_000);
    // The reader found both expired; then a writer put them again, one
    // with a later expiration, one with none.
    await driver.put("k", { value: "new", expiration: seconds + 600 });
    await driver.put("n", { value: "new" });
    await driver.deleteExpired!(["k", "n"], clock.now());
    assertEquals((await driver.get("k"))?.expiration, seconds + 600);
    assertEquals((await driver.get("n"))?.expiration, undefined);
    // Still expired ones go.
    await driver.put("gone", expiring);
    await driver.deleteExpired!(["gone"], (seconds + 61) * 1000);
    assertEquals(await driver.get("gone"), undefined);
    assertEquals(await audit(clients.ioredis, namespace), ["k", "n"]);
    await drop(clients.ioredis, namespace);
  });
});

/** A client that records the commands sent through it. */
function spy(client: OpenedClient["client"], log: string[]): RedisClientLike {
  if ("callBuffer" in client) {
    const io = client as IoRedisLike;
    return {
      call: (command, ...args) => (log.push(command), io.call(command, ...args)),
      callBuffer: (command, ...args) => (log.push(command), io.callBuffer(command, ...args)),
    };
  }
  const node = client as NodeRedisClientLike;
  return {
    sendCommand: (args: readonly (string | Buffer)[], options?: object) => (
      log.push(String(args[0])), node.sendCommand(args, options)
    ),
  };
}

test("a get is one HMGET, a bulk get one script, a put one script, a list page one ZRANGEBYLEX", async () => {
  await withClients(URL, async (clients) => {
    for (const kind of KINDS) {
      const namespace = freshNamespace("trips");
      const log: string[] = [];
      const kv = createRedisKv(spy(clients[kind].client, log), { namespace });
      const names = Array.from({ length: 100 }, (_, i) => `key${i}`);
      await kv.put("warm", "up"); // loads the script once if needed
      log.length = 0;
      for (const name of names) await kv.put(name, "x".repeat(100_000), { metadata: name });
      assertEquals(log, names.map(() => "EVALSHA"));
      log.length = 0;
      assertEquals((await kv.get(names)).size, 100);
      assertEquals(log, ["EVALSHA"]);
      log.length = 0;
      assertEquals(await kv.getWithMetadata("key7"), {
        value: "x".repeat(100_000),
        metadata: "key7",
        cacheStatus: null,
      });
      assertEquals(log, ["HMGET"]);
      log.length = 0;
      const page = await kv.list({ limit: 1000 });
      assertEquals(page.keys.length, 101);
      assertEquals(page.keys[0], { name: "key0", metadata: "key0" });
      assertEquals(log, ["ZRANGEBYLEX"]);
      await drop(clients[kind], namespace);
    }
  });
});

test("the namespace leaves the caller's client open", async () => {
  await withClients(URL, async (clients) => {
    for (const kind of KINDS) {
      const kv = createRedisKv(clients[kind].client, { namespace: freshNamespace("own") });
      await kv.close();
      assertEquals(await raw(clients[kind], ["PING"]), "PONG");
    }
  });
});

test("openRedisKv checks its arguments before connecting, and fails rather than hangs on a dead port", async () => {
  await rejects(openRedisKv("http://127.0.0.1:1"), TypeError);
  await rejects(openRedisKv(URL, { client: "valkey" as "ioredis" }), /client must be/);
  await rejects(openRedisKv(URL, { namespace: "" }), TypeError);
  await rejects(openRedisKv(URL, { now: 5 as unknown as () => number }), TypeError);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  for (const client of KINDS) {
    const started = Date.now();
    await rejects(openRedisKv(`redis://127.0.0.1:${port}`, { client }), /ECONNREFUSED|refused/i);
    assert(Date.now() - started < 5000, `${client} took ${Date.now() - started} ms`);
  }
  assert(createRedisKv({ call: fail, callBuffer: fail }));
  throws(() => createRedisKv({} as RedisClientLike), TypeError);
});

function fail(): Promise<never> {
  return Promise.reject(new Error("unused"));
}

Deno.test({
  name: "openRedisKv closes its own connection on dispose, with either client",
  ignore: NO_PRIVATE,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startPrivateRedis();
    try {
      await withClients(server.url, async (clients) => {
        const count = async () =>
          ((await raw(clients.ioredis, ["CLIENT", "LIST"])) as string).trim().split("\n").length;
        const before = await count();
        for (const client of KINDS) {
          const kv = await openRedisKv(server.url, { client, namespace: "n" });
          await kv.put("k", "v");
          assertEquals(await count(), before + 1);
          await kv.close();
          for (let i = 0; i < 50 && await count() > before; i++) {
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          assertEquals(await count(), before);
          await rejects(
            kv.get("k"),
            (error: KvError) => error.message === "KV GET failed: 500 Namespace is closed.",
          );
        }
      });
    } finally {
      await server.stop();
    }
  },
});

test("both clients pass the whole suite on RESP2 too (both default to RESP3)", async () => {
  const nodeRedis = await createClient({ url: URL, RESP: 2 }).on("error", () => {}).connect();
  const ioredis = new Redis(URL, { protocol: 2, maxRetriesPerRequest: 0 });
  try {
    for (const client of [nodeRedis, ioredis] as RedisClientLike[]) {
      const report = await runConformance(async () => {
        const namespace = freshNamespace("resp");
        const fixture = await clockFixture((now) => createRedisKv(client, { namespace, now }));
        return {
          ...fixture,
          close: async () => {
            await fixture.close?.();
            await dropNamespace(commanderFor(client), redisKeys(namespace));
          },
        };
      });
      const failed = report.filter((r) => r.status !== "pass");
      assertEquals(failed, []);
    }
  } finally {
    await nodeRedis.close();
    await ioredis.quit();
  }
});

Deno.test({
  name: "a write after the server forgot the scripts (SCRIPT FLUSH) loads its script and runs once",
  ignore: NO_PRIVATE,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const server = await startPrivateRedis();
    try {
      await withClients(server.url, async (clients) => {
        for (const kind of KINDS) {
          const kv = createRedisKv(clients[kind].client, { namespace: kind });
          await kv.put("k", "1");
          await raw(clients[kind], ["SCRIPT", "FLUSH"]);
          await raw(clients[kind], ["CONFIG", "RESETSTAT"]);
          await kv.put("k", "2", { metadata: "m" });
          const stats = await raw(clients[kind], ["INFO", "commandstats"]) as string;
          assert(/cmdstat_eval:calls=1,/.test(stats), stats);
          assertEquals(await kv.getWithMetadata("k"), {
            value: "2",
            metadata: "m",
            cacheStatus: null,
          });
          assertEquals(await audit(clients[kind], kind), ["k"]);
        }
      });
    } finally {
      await server.stop();
    }
  },
});

test("the CLI store opens redis://host:port/db and writes in atomic batches", async () => {
  const store = redisEntry.store!;
  const namespace = freshNamespace("cli");
  // The CLI passes what follows "redis:", without the #namespace.
  const location = `${URL.slice("redis:".length)}/0`;
  const opened = await store.open(location, { mode: "write", namespace });
  try {
    const records = Array.from({ length: 600 }, (_, i) => ({
      key: `k${String(i).padStart(3, "0")}`,
      record: { value: `v${i}`, metadata: i % 2 === 0 ? String(i) : undefined } as KvRecord,
    }));
    await opened.writeMany!(records);
    const { keys } = await opened.kv.list();
    assertEquals(keys.length, 600);
    assertEquals(keys[2], { name: "k002", metadata: 2 });
    assertEquals(await opened.kv.get("k599"), "v599");
    await withClients(URL, async (clients) => {
      assertEquals((await audit(clients.ioredis, namespace)).length, 600);
      await drop(clients.ioredis, namespace);
    });
  } finally {
    await opened.kv.close();
  }
  const read = await store.open(URL.slice("redis:".length), { mode: "read", namespace });
  assertEquals((await read.kv.list()).keys, []); // an empty namespace reads as empty
  await read.kv.close();
  await rejects(store.open("localhost:6379", { mode: "read" }), /redis needs a URL/);
  await rejects(store.open(URL.slice("redis:".length), { mode: "read", namespace: "" }), TypeError);
});

Deno.test({
  name: "on Redis Cluster, node-redis's createCluster and ioredis's Cluster pass the whole suite",
  ignore: NO_PRIVATE,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    // One node serving all 16384 slots: enough for the clients' routing,
    // and for Redis to refuse a command whose keys span slots.
    const server = await startPrivateRedis([
      "--cluster-enabled",
      "yes",
      "--cluster-config-file",
      "nodes.conf",
      "--cluster-port",
      String(freePort()),
      "--cluster-announce-ip",
      "127.0.0.1",
    ]);
    try {
      await withClients(server.url, async (clients) => {
        await raw(clients.ioredis, ["CLUSTER", "ADDSLOTSRANGE", "0", "16383"]);
        for (let i = 0; i < 100; i++) {
          if (/cluster_state:ok/.test(await raw(clients.ioredis, ["CLUSTER", "INFO"]) as string)) {
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await rejects(raw(clients.ioredis, ["MGET", "a", "b"]), /CROSSSLOT/);
      });
      const nodeRedis = await createCluster({ rootNodes: [{ url: server.url }] })
        .on("error", () => {})
        .connect();
      const ioredis = new Cluster([{ host: "127.0.0.1", port: server.port }], {
        redisOptions: { maxRetriesPerRequest: 0, autoResendUnfulfilledCommands: false },
      });
      try {
        for (const client of [nodeRedis, ioredis] as RedisClientLike[]) {
          const report = await runConformance(() =>
            clockFixture((now) =>
              createRedisKv(client, { namespace: freshNamespace("cluster"), now })
            )
          );
          assertEquals(report.filter((r) => r.status !== "pass"), []);
        }
      } finally {
        await nodeRedis.close();
        await ioredis.quit();
      }
    } finally {
      await server.stop();
    }
  },
});

// Last: every test above deleted its namespaces (a failed one may not
// have; this cleans up after it either way).
test("the tests leave no key behind on the shared server", async () => {
  await withClients(URL, async (clients) => assertEquals(await sweepRun(clients.ioredis), 0));
});
