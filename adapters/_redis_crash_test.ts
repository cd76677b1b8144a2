// The Redis adapter when the server fails under it, on a redis-server of
// the test's own: killed with SIGKILL and restarted in the middle of a
// stream of writes (with appendfsync always, every acknowledged write must
// survive), its connections killed (CLIENT KILL), a value over its
// proto-max-bulk-len, and out of memory. Every failed call must be a
// KvError 500 carrying the client's error, no write may run twice, the
// next calls must reconnect, and the layout must stay whole.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { createFakeClock } from "../conformance/mod.ts";
import { KvError } from "../errors.ts";
import type { KvNamespaceHandle, KvPutOptions } from "../types.ts";
import { openRedisKv } from "./redis.ts";
import type { RedisClientKind } from "./_redis_client.ts";
import {
  audit,
  KINDS,
  NO_PRIVATE,
  type PrivateRedis,
  raw,
  startPrivateRedis,
  withClients,
} from "./_redis_test_server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Fails unless `error` is a backend failure as the engine reports it. */
function assertBackendError(error: unknown, op: string): void {
  assert(error instanceof KvError, `not a KvError: ${error}`);
  assertEquals(error.status, 500);
  assertEquals(error.message, `KV ${op} failed: 500 Internal Server Error`);
  assert(error.cause instanceof Error && !(error.cause instanceof KvError), `cause ${error.cause}`);
}

/** What a stream of writes saw. */
interface StreamReport {
  /** Every acknowledged put of a fresh key, with its value. */
  acked: Map<string, string>;
  /** Per writer: the last acknowledged value of its overwritten key. */
  lastAcked: number[];
  /** Per writer: the values of failed overwrites after that one. */
  lastFailed: number[][];
  /** Every failure. */
  failures: unknown[];
  /** Puts attempted. */
  attempts: number;
  /** Puts acknowledged after the disruption ended. */
  ackedAfter: number;
}

/**
 * Runs 8 writers, each putting fresh keys and overwriting one key of its
 * own with rising numbers, until `disrupt` has run (once, or again until
 * some put failed) and 200 puts were acknowledged after it.
 */
async function stream(
  kv: KvNamespaceHandle,
  disrupt: () => Promise<void>,
): Promise<StreamReport> {
  const report: StreamReport = {
    acked: new Map(),
    lastAcked: [],
    lastFailed: [],
    failures: [],
    attempts: 0,
    ackedAfter: 0,
  };
  let phase: "before" | "during" | "after" = "before";
  const put = async (key: string, value: string) => {
    report.attempts++;
    await kv.put(key, value);
    if (phase === "after") report.ackedAfter++;
  };
  const deadline = Date.now() + 60_000;
  const writers = Array.from({ length: 8 }, async (_, w) => {
    report.lastAcked[w] = 0;
    report.lastFailed[w] = [];
    for (let v = 1; phase !== "after" || report.ackedAfter < 200; v++) {
      if (Date.now() > deadline) throw new Error("the writes never came back");
      try {
        await put(`k:${w}:${v}`, `v${v}`);
        report.acked.set(`k:${w}:${v}`, `v${v}`);
      } catch (error) {
        report.failures.push(error);
        await sleep(5);
      }
      try {
        await put(`last:${w}`, String(v));
        report.lastAcked[w] = v;
        report.lastFailed[w] = [];
      } catch (error) {
        report.failures.push(error);
        report.lastFailed[w].push(v);
        await sleep(5);
      }
    }
  });
  // Until a disruption meets a put in flight (the first nearly always
  // does), so that the test proves something.
  for (let round = 0; round < 5 && report.failures.length === 0; round++) {
    phase = "before";
    const enough = report.acked.size + 300;
    while (report.acked.size < enough) await sleep(5);
    phase = "during";
    await disrupt();
    for (let i = 0; i < 20 && report.failures.length === 0; i++) await sleep(10);
  }
  phase = "after";
  await Promise.all(writers);
  return report;
}

/** Every acknowledged write is there, and no overwrite went back in time. */
async function checkAfter(kv: KvNamespaceHandle, report: StreamReport): Promise<void> {
  const keys = [...report.acked.keys()];
  for (let i = 0; i < keys.length; i += 100) {
    const batch = keys.slice(i, i + 100);
    const found = await kv.get(batch);
    for (const key of batch) assertEquals(found.get(key), report.acked.get(key), key);
  }
  for (let w = 0; w < report.lastAcked.length; w++) {
    const value = Number(await kv.get(`last:${w}`));
    // The last acknowledged value, or one whose failure was ambiguous;
    // never an older one, which a silent resend would leave.
    assert(
      value === report.lastAcked[w] || report.lastFailed[w].includes(value),
      `writer ${w}: ${value}, acked ${report.lastAcked[w]}, failed ${report.lastFailed[w]}`,
    );
  }
  assert(report.failures.length > 0, "the disruption hit no write in flight");
  for (const failure of report.failures) assertBackendError(failure, "PUT");
}

/**
 * Runs a call until it succeeds, within a second: node-redis queues calls
 * made while it reconnects, ioredis (with maxRetriesPerRequest 0) fails
 * them, each with KvError 500.
 */
async function reconnected<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 1000;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      assertBackendError(error, "GET");
      if (Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

async function withServer(config: string[], fn: (server: PrivateRedis) => Promise<void>) {
  const server = await startPrivateRedis(config);
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

function crashTest(name: string, fn: (kind: RedisClientKind) => Promise<void>): void {
  for (const kind of KINDS) {
    Deno.test({
      name: `${kind}: ${name}`,
      ignore: NO_PRIVATE,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => fn(kind),
    });
  }
}

crashTest(
  "every acknowledged put survives SIGKILL and restart (appendfsync always), puts in flight fail with KvError 500, and later calls reconnect",
  (kind) =>
    withServer(["--appendonly", "yes", "--appendfsync", "always"], async (server) => {
      await using kv = await openRedisKv(server.url, { client: kind, namespace: "crash" });
      const report = await stream(kv, async () => {
        await server.kill();
        await sleep(300);
        await server.restart();
      });
      await checkAfter(kv, report);
      await withClients(server.url, async (clients) => {
        // Whole records only; puts that failed ambiguously may be there too.
        assert((await audit(clients.ioredis, "crash")).length >= report.acked.size + 8);
      });
      console.log(
        `${kind}: ${report.attempts} puts, ${report.acked.size} fresh keys acknowledged, ` +
          `${report.failures.length} failed, e.g. ${(report.failures[0] as Error).cause}`,
      );
    }),
);

crashTest(
  "CLIENT KILL in the middle of writes fails the puts in flight, runs none twice, and the next puts reconnect",
  (kind) =>
    withServer([], async (server) => {
      await using kv = await openRedisKv(server.url, { client: kind, namespace: "killed" });
      await kv.put("warm", "up"); // the scripts are loaded
      await withClients(server.url, async (clients) => {
        await raw(clients.ioredis, ["CONFIG", "RESETSTAT"]);
        const report = await stream(kv, async () => {
          // Every other client, the namespace's too, a few times over, so
          // that some kill finds puts in flight.
          for (let i = 0; i < 5; i++) {
            await raw(clients.ioredis, ["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
            await sleep(30);
          }
        });
        const stats = await raw(clients.ioredis, ["INFO", "commandstats"]) as string;
        const calls = [...stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)]
          .reduce((sum, match) => sum + Number(match[1]), 0);
        // Each put is one script run at most: a resent one would be two.
        assert(calls <= report.attempts, `${calls} script runs for ${report.attempts} puts`);
        await checkAfter(kv, report);
        assert((await audit(clients.ioredis, "killed")).length >= report.acked.size + 9);
      });
    }),
);

crashTest(
  "a value over the server's proto-max-bulk-len fails with KvError 500, keeps the old value, and the next call reconnects",
  (kind) =>
    withServer(["--proto-max-bulk-len", "1mb"], async (server) => {
      await using kv = await openRedisKv(server.url, { client: kind, namespace: "bulk" });
      await kv.put("k", "old", { metadata: "m" });
      try {
        await kv.put("k", new Uint8Array(2 * 1024 * 1024), { metadata: "new" });
        throw new Error("the put went through");
      } catch (error) {
        assertBackendError(error, "PUT");
      }
      // The server closed the connection after refusing the value: the
      // next calls go out once the client has reconnected.
      assertEquals(await reconnected(() => kv.getWithMetadata("k")), {
        value: "old",
        metadata: "m",
        cacheStatus: null,
      });
      await kv.put("k2", "small");
      assertEquals(await kv.get("k2"), "small");
    }),
);

crashTest(
  "out of memory (maxmemory, noeviction), every put fails with KvError 500 and writes nothing, and deletes run",
  (kind) =>
    withServer(["--maxmemory-policy", "noeviction"], async (server) => {
      const clock = createFakeClock();
      await using kv = await openRedisKv(server.url, {
        client: kind,
        namespace: "oom",
        now: clock.now,
      });
      await kv.put("old", "value", { metadata: 1, expirationTtl: 3600 });
      await withClients(server.url, async (clients) => {
        await raw(clients.ioredis, ["CONFIG", "SET", "maxmemory", "1"]);
        // New keys, and overwrites that keep or change the old key's
        // metadata and expiration (the fake clock has not moved).
        const puts: [string, KvPutOptions][] = [
          ["new", {}],
          ["new", { metadata: 2 }],
          ["new", { expirationTtl: 600 }],
          ["old", { metadata: 1, expirationTtl: 3600 }],
          ["old", {}],
        ];
        for (const [key, options] of puts) {
          try {
            await kv.put(key, "other", options);
            throw new Error("the put went through");
          } catch (error) {
            assertBackendError(error, "PUT");
            assert(/OOM/.test(String((error as Error).cause)), String((error as Error).cause));
          }
        }
        assertEquals(await kv.get("new"), null);
        assertEquals(await kv.getWithMetadata("old"), {
          value: "value",
          metadata: 1,
          cacheStatus: null,
        });
        assertEquals(await audit(clients.ioredis, "oom"), ["old"]);
        // Deleting frees memory, so it still runs.
        await kv.delete("old");
        assertEquals(await audit(clients.ioredis, "oom"), []);
        await raw(clients.ioredis, ["CONFIG", "SET", "maxmemory", "0"]);
        await kv.put("new", "value");
        assertEquals(await audit(clients.ioredis, "oom"), ["new"]);
      });
    }),
);
