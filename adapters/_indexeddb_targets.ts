// The IndexedDB adapter's conformance targets, for the CLI and the tests.
// Private: not exported from the package.

import { createFakeClock } from "../conformance/clock.ts";
import type { ConformanceTarget } from "../conformance/runner.ts";
import { createIndexedDbKv } from "./indexeddb.ts";

/**
 * The IndexedDB adapter on fake-indexeddb: every case gets a fresh
 * `IDBFactory`, so no state carries over, and a fake clock.
 *
 * fake-indexeddb is loaded only when this is called. It installs the
 * IndexedDB globals (`IDBRequest`, `IDBKeyRange`, …) that `idb` needs,
 * where the runtime has none.
 *
 * @returns One target, `indexeddb:fake`.
 */
export async function indexedDbTargets(): Promise<ConformanceTarget[]> {
  await import("fake-indexeddb/auto");
  const { IDBFactory } = await import("fake-indexeddb");
  return [{
    name: "indexeddb:fake",
    factory: () => {
      const clock = createFakeClock();
      const kv = createIndexedDbKv({
        indexedDB: new IDBFactory(),
        now: clock.now,
      });
      return {
        kv,
        now: clock.now,
        advanceTime: clock.advance,
        close: () => kv.close(),
      };
    },
  }];
}
