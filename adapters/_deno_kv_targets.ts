// Conformance targets for the Deno KV adapter, for the CLI and the tests:
// native Deno KV in memory and in a file. Deno only.

import { createFakeClock } from "../conformance/clock.ts";
import type { ConformanceTarget, KvFixture } from "../conformance/runner.ts";
import { createDenoKv } from "./deno_kv.ts";

/**
 * A fixture on an open handle: each case gets its own namespace, so one
 * database serves the whole run and every namespace starts empty.
 */
function fixtureOn(db: Deno.Kv, namespace: string): KvFixture {
  const clock = createFakeClock();
  const kv = createDenoKv(db, { namespace, now: clock.now });
  return {
    kv,
    now: clock.now,
    advanceTime: clock.advance,
    close: () => kv.close(),
  };
}

/**
 * The Deno KV targets: `deno-kv:memory` (one `:memory:` database per case)
 * and `deno-kv:file` (one file in a temporary directory, made on the first
 * case, with a fresh namespace per case; dispose closes and removes it).
 */
export function denoKvTargets(): Promise<ConformanceTarget[]> {
  let dir: string | undefined;
  let file: Deno.Kv | undefined;
  let cases = 0;
  return Promise.resolve([
    {
      name: "deno-kv:memory",
      factory: async () => {
        const db = await Deno.openKv(":memory:");
        const fixture = fixtureOn(db, "kvkit");
        return {
          ...fixture,
          close: async () => {
            await fixture.close?.();
            db.close();
          },
        };
      },
    },
    {
      name: "deno-kv:file",
      factory: async () => {
        dir ??= await Deno.makeTempDir({ prefix: "kvkit-deno-kv-" });
        file ??= await Deno.openKv(`${dir}/kv.sqlite3`);
        return fixtureOn(file, `case-${++cases}`);
      },
      dispose: async () => {
        file?.close();
        file = undefined;
        if (dir !== undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
        dir = undefined;
      },
    },
  ]);
}
