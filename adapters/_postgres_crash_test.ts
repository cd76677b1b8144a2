// Failures on a real server: a PostgreSQL cluster of this test's own
// (initdb on a free port, fsync on, never the shared server), under a
// stream of writes from openPostgresKv's pg.Pool. Its connections are
// terminated mid-stream, then the server crashes (immediate shutdown,
// which skips the checkpoint and recovers from the WAL) and restarts.
// Every acknowledged write must survive, a failing call must be a KvError
// 500 carrying pg's error, and calls must work again afterwards.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import pg from "pg";
import { KvError } from "../errors.ts";
import type { KvNamespaceHandle } from "../types.ts";
import { openPostgresKv } from "./postgres.ts";

function findBin(): string | undefined {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name).sort();
    for (const version of versions.reverse()) {
      const bin = `/usr/lib/postgresql/${version}/bin`;
      Deno.statSync(`${bin}/initdb`);
      return bin;
    }
  } catch {
    // no PostgreSQL installed
  }
  return undefined;
}

const BIN = findBin();
if (BIN === undefined) console.log("skipping the crash tests: no /usr/lib/postgresql/*/bin/initdb");

/** Runs a PostgreSQL binary, as the postgres user when this is root. */
async function pgCommand(name: string, args: string[]): Promise<void> {
  const root = Deno.uid() === 0;
  const command = root ? "runuser" : `${BIN}/${name}`;
  const full = root ? ["-u", "postgres", "--", `${BIN}/${name}`, ...args] : args;
  const { code, stderr } = await new Deno.Command(command, { args: full, stdout: "null" }).output();
  if (code !== 0) throw new Error(`${name} failed: ${new TextDecoder().decode(stderr)}`);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** A private cluster: start, crash, restart, remove. */
async function privateServer() {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-pg-crash-" });
  if (Deno.uid() === 0) await new Deno.Command("chown", { args: ["postgres", dir] }).output();
  const port = freePort();
  const data = `${dir}/data`;
  await pgCommand("initdb", ["-D", data, "-U", "kvkit", "--auth=trust", "-E", "UTF8"]);
  const start = () =>
    pgCommand("pg_ctl", [
      "-D",
      data,
      "-l",
      `${dir}/log`,
      "-w",
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`,
      "start",
    ]);
  await start();
  return {
    url: `postgres://kvkit@127.0.0.1:${port}/postgres`,
    crash: () => pgCommand("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]),
    start,
    remove: async () => {
      await pgCommand("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

interface Stream {
  /** Keys whose put resolved, with their values. */
  acknowledged: Map<string, string>;
  /** Keys whose put rejected, with the error. */
  failed: Map<string, unknown>;
  /** Stops the writers and waits for them. */
  stop(): Promise<void>;
}

/** Four writers putting distinct keys as fast as they can. */
function writeStream(kv: KvNamespaceHandle): Stream {
  const acknowledged = new Map<string, string>();
  const failed = new Map<string, unknown>();
  let running = true;
  const writer = async (w: number) => {
    for (let i = 0; running; i++) {
      const key = `w${w}-${i}`;
      const value = `value ${w} ${i} ${"x".repeat(100)}`;
      try {
        await kv.put(key, value);
        acknowledged.set(key, value);
      } catch (error) {
        failed.set(key, error);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const writers = [0, 1, 2, 3].map(writer);
  return {
    acknowledged,
    failed,
    stop: async () => {
      running = false;
      await Promise.all(writers);
    },
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert(condition(), `timed out waiting for ${what}`);
}

/** Every failure is KvError 500 with pg's error as its cause. */
function assertBackendErrors(failed: Map<string, unknown>) {
  for (const error of failed.values()) {
    assert(error instanceof KvError, String(error));
    assertEquals(error.status, 500);
    assertEquals(error.message, "KV PUT failed: 500 Internal Server Error");
    assert(error.cause instanceof Error, String(error.cause));
  }
}

/** Each acknowledged key holds its value; each failed one its value or nothing. */
async function assertDurable(kv: KvNamespaceHandle, stream: Stream, what: string) {
  console.log(
    `${what}: ${stream.acknowledged.size} writes acknowledged and found, ` +
      `${stream.failed.size} failed with KvError 500`,
  );
  const keys = [...stream.acknowledged.keys()];
  for (let i = 0; i < keys.length; i += 100) {
    const batch = keys.slice(i, i + 100);
    const found = await kv.get(batch);
    for (const key of batch) assertEquals(found.get(key), stream.acknowledged.get(key), key);
  }
  for (const key of stream.failed.keys()) {
    const value = await kv.get(key);
    assert(value === null || value.startsWith(`value ${key.slice(1).replace("-", " ")} `), key);
  }
}

Deno.test({
  name: "terminated connections fail the calls in flight with KvError 500, and the pool reconnects",
  ignore: BIN === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await privateServer();
    const admin = new pg.Client({ connectionString: server.url });
    try {
      await using kv = await openPostgresKv(server.url, { namespace: "terminate" });
      await kv.put("blocked", "before");
      await admin.connect();
      // A put waiting on a row lock is certainly in flight when it is cut.
      await admin.query("BEGIN");
      await admin.query(
        `SELECT 1 FROM "kvkit" WHERE key = convert_to('blocked', 'UTF8') FOR UPDATE`,
      );
      // Settled into its error at once, so that it never rejects unhandled.
      const blocked = kv.put("blocked", "after").then(() => undefined, (error) => error);
      const stream = writeStream(kv);
      await until(() => stream.acknowledged.size >= 200, "200 writes");
      const { rows } = await admin.query(
        "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity " +
          "WHERE application_name = 'kvkit' AND pid <> pg_backend_pid()",
      );
      assert(rows[0].n >= 2, `terminated ${rows[0].n}`);
      const error = await blocked;
      assert(error instanceof KvError, String(error));
      assertEquals(error.message, "KV PUT failed: 500 Internal Server Error");
      assertEquals((error.cause as { code?: string }).code, "57P01"); // admin_shutdown
      await admin.query("ROLLBACK");
      const before = stream.acknowledged.size;
      await until(() => stream.acknowledged.size >= before + 200, "200 writes after");
      await stream.stop();
      assertBackendErrors(stream.failed);
      assertEquals(await kv.get("blocked"), "before");
      await kv.put("blocked", "after");
      assertEquals(await kv.get("blocked"), "after");
      await assertDurable(kv, stream, "terminated");
    } finally {
      await admin.end().catch(() => {});
      await server.remove();
    }
  },
});

Deno.test({
  name: "a server crash and restart lose no acknowledged write, and calls work again after",
  ignore: BIN === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await privateServer();
    try {
      await using kv = await openPostgresKv(server.url, { namespace: "crash" });
      const stream = writeStream(kv);
      await until(() => stream.acknowledged.size >= 300, "300 writes");
      await server.crash();
      const acknowledgedAtCrash = stream.acknowledged.size;
      await until(() => stream.failed.size >= 4, "failures while the server is down");
      await server.start();
      await until(() => stream.acknowledged.size >= acknowledgedAtCrash + 300, "writes again");
      await stream.stop();
      assertBackendErrors(stream.failed);
      await assertDurable(kv, stream, "crashed");
      const { keys } = await kv.list({ prefix: "w0-", limit: 1000 });
      assert(keys.length > 0);
    } finally {
      await server.remove();
    }
  },
});
