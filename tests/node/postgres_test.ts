// The Postgres adapter on Node's own runtime: PGlite in memory and in a
// directory on Node's file system, and pg's real node Buffers, which kvkit
// must never hand out. (The conformance run is in conformance_test.ts.)
import { test } from "node:test";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createPostgresKv, openPostgresKv } from "../../adapters/postgres.ts";

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

test("openPostgresKv() runs PGlite in memory under Node, keys with U+0000 included", async () => {
  await using kv = await openPostgresKv();
  await kv.put("\u0000b", "2");
  await kv.put("a", "1");
  await kv.put("\u0000", "0");
  const { keys } = await kv.list();
  check(keys.map((k) => k.name).join("|") === "\u0000|\u0000b|a", "byte order");
});

test("a PGlite directory persists across opens under Node, and verify never creates one", async () => {
  const dir = await mkdtemp(join(tmpdir(), "kvkit-pglite-"));
  try {
    let refused = false;
    await openPostgresKv(join(dir, "db"), { schema: "verify" }).catch(() => refused = true);
    check(refused && (await readdir(dir)).length === 0, "verify refuses a missing database");
    {
      await using kv = await openPostgresKv(join(dir, "db"));
      await kv.put("k", new Uint8Array([1, 2, 3]), { metadata: { m: 1 } });
    }
    await using again = await openPostgresKv(join(dir, "db"), { schema: "verify" });
    const { value, metadata } = await again.getWithMetadata("k", "arrayBuffer");
    check(new Uint8Array(value!).join() === "1,2,3", "value persisted");
    check(JSON.stringify(metadata) === '{"m":1}', "metadata persisted");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const url = process.env.KVKIT_POSTGRES_URL;

test("values read through pg are plain bytes of their own, not slices of Node's Buffer pool", {
  skip: url === undefined ? "KVKIT_POSTGRES_URL is not set" : false,
}, async () => {
  const pool = new pg.Pool({ connectionString: url });
  const table = `kvkit_node_${Math.random().toString(36).slice(2, 8)}`;
  try {
    const kv = await createPostgresKv(pool, { table });
    await kv.put("k", new Uint8Array([7, 8, 9]));
    const buffer = await kv.get("k", "arrayBuffer");
    check(buffer!.byteLength === 3, `an ArrayBuffer of 3 bytes, got ${buffer!.byteLength}`);
    const { value: chunk } = await (await kv.get("k", "stream"))!.getReader().read();
    check(Object.getPrototypeOf(chunk) === Uint8Array.prototype, "a plain Uint8Array chunk");
    check(!Buffer.isBuffer(chunk) && chunk!.buffer.byteLength === 3, "a buffer of its own");
    await kv.close();
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
    await pool.end();
  }
});
