// Registry entry: Miniflare, Cloudflare's own KV simulator, through
// createWorkersKv. It is the differential tests' oracle, so they do not
// compare it with itself. As a CLI store (`miniflare:<dir>#<id>`) it reads
// Miniflare's KV directory or wrangler's `--persist-to` directory, and
// refuses to read a directory or namespace id that was never written.

import { type AdapterEntry, scratchDirectory } from "./_entry.ts";

/** Miniflare's directory of KV object databases, inside its KV directory. */
const OBJECTS = "miniflare-KVNamespaceObject";

/**
 * Where Miniflare keeps the KV data of `dir`: wrangler's persistence
 * directory (`--persist-to`, by default `.wrangler/state`) holds it in
 * `v3/kv`, as wrangler passes `<dir>/v3` to Miniflare as its persistence
 * root; any other directory is Miniflare's `kvPersist` itself.
 */
async function kvDirectory(dir: string): Promise<string> {
  const { stat } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const v3 = await stat(join(dir, "v3")).catch(() => undefined);
  return v3?.isDirectory() ? join(dir, "v3", "kv") : dir;
}

/**
 * Fails unless `persist` is a Miniflare KV directory in which namespace
 * `id` was written to (Miniflare makes a namespace's blob directory on its
 * first write), naming the namespaces that are there.
 */
async function checkNamespace(dir: string, persist: string, id: string): Promise<void> {
  const { readdir, stat } = await import("node:fs/promises");
  const info = await stat(dir).catch(() => undefined);
  if (info === undefined) {
    throw new Error(`${dir} does not exist (reading a store never creates one)`);
  }
  const names = await readdir(persist).catch(() => [] as string[]);
  if (!names.includes(OBJECTS)) {
    throw new Error(
      `${dir} is not a Miniflare KV directory (it has no ${OBJECTS}/ and no v3/kv/)`,
    );
  }
  const { sanitisePath } = await import("miniflare");
  if (names.includes(sanitisePath(id))) return;
  const ids = names.filter((name) => name !== OBJECTS);
  throw new Error(
    `${dir} has no namespace "${id}"` +
      (ids.length === 0
        ? " and no other"
        : `; it has ${ids.map((n) => `"${n}"`).join(", ")} (name one: miniflare:${dir}#<id>)`),
  );
}

const entry: AdapterEntry = {
  name: "miniflare",
  summary: "Miniflare's KV simulator (workerd), through createWorkersKv",
  targets() {
    let pool: Promise<import("./_miniflare_pool.ts").MiniflarePool> | undefined;
    return Promise.resolve([{
      name: "miniflare",
      runtimes: ["deno", "node"],
      sharesResources: true,
      differential: false,
      // One Miniflare for the whole run, started by the first case, with a
      // fresh namespace per case.
      factory: async (info) => {
        if (pool === undefined) {
          const { MiniflarePool } = await import("./_miniflare_pool.ts");
          const { cases } = await import("../conformance/cases.ts");
          pool = MiniflarePool.start(cases.length + 8);
        }
        return (await pool).fixture(info);
      },
      dispose: async () => {
        const started = pool;
        pool = undefined;
        await (await started?.catch(() => undefined))?.dispose();
      },
    }]);
  },
  store: {
    scheme: "miniflare",
    syntax: "miniflare:<dir>[#id]",
    summary: "Miniflare's KV directory or wrangler's --persist-to; #id: namespace id",
    async open(location, { namespace, mode }) {
      if (location === "") throw new TypeError("miniflare needs a directory: miniflare:<dir>");
      if (namespace === "") throw new TypeError("a Miniflare namespace id cannot be empty");
      const persist = await kvDirectory(location);
      if (mode === "read") await checkNamespace(location, persist, namespace ?? "kvkit");
      const { openMiniflareKv } = await import("../adapters/miniflare.ts");
      // No writeMany: a binding has no batch put, so the CLI puts records
      // a few at a time itself.
      return { kv: await openMiniflareKv({ persist, namespace }) };
    },
    scratch: () => scratchDirectory("miniflare", (dir) => `miniflare:${dir}#scratch`),
  },
};

export default entry;
