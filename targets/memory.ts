// Registry entry: the memory adapter.

import { clockFixture } from "../conformance/clock.ts";
import type { AdapterEntry } from "./_entry.ts";

const entry: AdapterEntry = {
  name: "memory",
  summary: "in memory, a Map plus a skip list",
  async targets() {
    const { createMemoryKv } = await import("../adapters/memory.ts");
    return [{
      name: "memory",
      runtimes: ["deno", "node", "bun"],
      factory: () => clockFixture((now) => createMemoryKv({ now })),
    }];
  },
};

export default entry;
