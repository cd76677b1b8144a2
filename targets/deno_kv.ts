// Registry entry: the Deno KV adapter, on native Deno KV under Deno and on
// npm @deno/kv's SQLite backend under Node and Bun. As a CLI store
// (`deno-kv:<path>#namespace`) it refuses to read a file that is not a
// Deno KV database (never creating one), refuses `:memory:`, and writes
// batches through the driver's putMany, many keys per atomic commit.

import { clockFixture } from "../conformance/clock.ts";
import { type AdapterEntry, scratchDirectory } from "./_entry.ts";

/** Whether this is Deno, whose own Deno KV allows 100 checks per commit. */
function isDeno(): boolean {
  const deno = (globalThis as { Deno?: { version?: { deno?: string } } }).Deno;
  return typeof deno?.version?.deno === "string";
}

const SQLITE_HEADER = "SQLite format 3\u0000";

/**
 * Fails unless `path` is an existing Deno KV database, so that reading a
 * mistyped path is an error instead of a new, empty database.
 */
async function checkDatabase(path: string): Promise<void> {
  const { open, stat } = await import("node:fs/promises");
  const info = await stat(path).catch((error) => {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
    throw new Error(`${path} does not exist (reading a store never creates one)`);
  });
  if (info.isDirectory()) throw new Error(`${path} is a directory, not a Deno KV database`);
  const file = await open(path, "r");
  const header = new Uint8Array(16);
  try {
    await file.read(header, 0, 16, 0);
  } finally {
    await file.close();
  }
  // A database still only in its write-ahead log has an empty main file.
  const walOnly = info.size === 0 &&
    await stat(`${path}-wal`).then((wal) => wal.size > 0, () => false);
  if (!walOnly && new TextDecoder().decode(header) !== SQLITE_HEADER) {
    throw new Error(`${path} is not a Deno KV database (not an SQLite file)`);
  }
  // Deno.openKv would add its tables to any SQLite file: look first, where
  // the runtime can (node:sqlite: Deno, Node 22.5+).
  const sqlite = await import("node:sqlite").catch(() => undefined);
  if (sqlite === undefined) return;
  const db = new sqlite.DatabaseSync(path, { readOnly: true });
  try {
    const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kv'")
      .get();
    if (table === undefined) {
      throw new Error(`${path} is an SQLite database, but not a Deno KV one (it has no kv table)`);
    }
  } finally {
    db.close();
  }
}

/** Fails when the directory a new database would go in does not exist. */
async function checkParent(path: string): Promise<void> {
  const { stat } = await import("node:fs/promises");
  const { dirname } = await import("node:path");
  const dir = dirname(path);
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new Error(`cannot create ${path}: the directory ${dir} does not exist`);
  }
}

const entry: AdapterEntry = {
  name: "deno-kv",
  summary: "Deno KV: Deno.openKv, or npm @deno/kv's SQLite on Node and Bun",
  async targets() {
    const { createDenoKv, openDenoKv } = await import("../adapters/deno_kv.ts");
    const { openDenoKvHandle } = await import("../adapters/_deno_kv_handle.ts");
    const { mkdtemp, rm } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    // One file for the whole run, opened on the first case; each case gets
    // a namespace of its own in it, so every namespace starts empty.
    let dir: string | undefined;
    let file: Promise<Awaited<ReturnType<typeof openDenoKvHandle>>> | undefined;
    let cases = 0;
    return [
      {
        name: "deno-kv:memory",
        runtimes: ["deno", "node", "bun"],
        factory: () => clockFixture((now) => openDenoKv(":memory:", { now })),
      },
      {
        name: "deno-kv:file",
        runtimes: ["deno", "node", "bun"],
        sharesResources: true,
        factory: () => {
          file ??= mkdtemp(join(tmpdir(), "kvkit-deno-kv-")).then((made) => {
            dir = made;
            return openDenoKvHandle(join(made, "kv.sqlite3"));
          });
          const namespace = `case-${++cases}`;
          return clockFixture(async (now) => createDenoKv(await file!, { namespace, now }));
        },
        dispose: async () => {
          (await file?.catch(() => undefined))?.close();
          file = undefined;
          if (dir !== undefined) await rm(dir, { recursive: true, force: true });
          dir = undefined;
        },
      },
    ];
  },
  store: {
    scheme: "deno-kv",
    syntax: "deno-kv:<path>[#namespace]",
    summary: "a Deno KV database file (or a KV Connect URL)",
    async open(location, { namespace, mode }) {
      if (location === "") throw new TypeError("deno-kv needs a path: deno-kv:<path>");
      if (location === ":memory:") {
        throw new TypeError(
          "an in-memory database lives only as long as the process that opens it: an export " +
            "from it is always empty, and an import into it is lost on exit; name a file, " +
            "e.g. deno-kv:./data.db",
        );
      }
      const remote = /^https?:\/\//i.test(location);
      if (!remote) await (mode === "read" ? checkDatabase(location) : checkParent(location));
      const { createDenoKv } = await import("../adapters/deno_kv.ts");
      const { MAX_CHECKS, openDenoKvHandle } = await import("../adapters/_deno_kv_handle.ts");
      const { createDenoKvDriver } = await import("../adapters/_deno_kv_driver.ts");
      const handle = await openDenoKvHandle(location);
      try {
        const kv = createDenoKv(handle, { namespace });
        // Imports write through a driver of the same namespace, whose
        // putMany puts many keys per commit; the CLI has validated every
        // entry as the engine would. "kvkit" is createDenoKv's default.
        const driver = createDenoKvDriver(handle, {
          namespace: namespace ?? "kvkit",
          now: Date.now,
        });
        const maxChecks = remote || isDeno() ? 100 : MAX_CHECKS;
        const closeKv = kv.close;
        let closing: Promise<void> | undefined;
        const close = () => closing ??= closeKv().finally(() => handle.close());
        Object.defineProperty(kv, "close", { value: close });
        Object.defineProperty(kv, Symbol.asyncDispose, { value: close });
        return { kv, writeMany: (records) => driver.putMany(records, maxChecks) };
      } catch (error) {
        handle.close();
        throw error;
      }
    },
    scratch: () => scratchDirectory("deno-kv", (dir) => `deno-kv:${dir}/kv.db#scratch`),
  },
};

export default entry;
