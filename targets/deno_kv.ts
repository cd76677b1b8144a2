// Registry entry: the Deno KV adapter, on native Deno KV under Deno and on
// npm @deno/kv's SQLite backend under Node and Bun.

import { clockFixture } from "../conformance/clock.ts";
import type { AdapterEntry } from "./_entry.ts";

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
    syntax: "deno-kv:<path>",
    summary: "a Deno KV database file (or a KV Connect URL)",
    async open(location, { namespace }) {
      if (location === "") throw new TypeError("deno-kv needs a path: deno-kv:<path>");
      const { openDenoKv } = await import("../adapters/deno_kv.ts");
      return { kv: await openDenoKv(location, { namespace }) };
    },
  },
};

export default entry;
