// Registry entry: the IndexedDB adapter, on fake-indexeddb. Real Chromium
// runs are in tests/browser.

import { clockFixture } from "../conformance/clock.ts";
import type { AdapterEntry } from "./_entry.ts";

const entry: AdapterEntry = {
  name: "indexeddb",
  summary: "IndexedDB through idb (fake-indexeddb here)",
  async targets() {
    // fake-indexeddb installs the IndexedDB globals (IDBRequest, IDBKeyRange,
    // …) that idb needs, where the runtime has none.
    await import("fake-indexeddb/auto");
    const { IDBFactory } = await import("fake-indexeddb");
    const { createIndexedDbKv } = await import("../adapters/indexeddb.ts");
    return [{
      name: "indexeddb:fake",
      runtimes: ["deno", "node", "bun"],
      // A fresh IDBFactory per case: no state carries over.
      factory: () => clockFixture((now) => createIndexedDbKv({ indexedDB: new IDBFactory(), now })),
    }];
  },
};

export default entry;
