// Registry entry: the Web Storage adapter, on Deno's real localStorage (an
// SQLite file per origin: `--location`'s, else the config file's, else the
// main module's, so every run in this repository shares one). Each case
// gets a namespace of its own and removes its items in `close`. Real
// Chromium runs are in tests/browser. Node 20 and Bun have no Web Storage.

import { clockFixture } from "../conformance/clock.ts";
import type { AdapterEntry } from "./_entry.ts";

/**
 * Why the Web Storage targets skip the cases tagged `large` (values of
 * several MiB to 25 MiB): browsers allow about 5 MiB per origin, Deno 10 MiB.
 */
export const LARGE_SKIP = "values past the browser's localStorage quota (about 5 MiB)";

const entry: AdapterEntry = {
  name: "local-storage",
  summary: "Web Storage: localStorage or sessionStorage (browsers, Deno)",
  async targets() {
    const { createLocalStorageKv } = await import("../adapters/local_storage.ts");
    // Runs of other processes share the file: a random run id keeps apart.
    const run = crypto.randomUUID().slice(0, 8);
    let cases = 0;
    return [{
      name: "local-storage:deno",
      runtimes: ["deno"],
      options: { skip: { large: LARGE_SKIP } },
      factory: async () => {
        const namespace = `conformance-${run}-${++cases}`;
        const fixture = await clockFixture((now) =>
          createLocalStorageKv(localStorage, { namespace, now })
        );
        return {
          ...fixture,
          close: async () => {
            await fixture.close?.();
            clearNamespace(localStorage, namespace);
          },
        };
      },
    }];
  },
};

/** Removes every item of a namespace: the adapter's `close` never does. */
export function clearNamespace(storage: Storage, namespace: string): void {
  const start = `kvkit:${JSON.stringify(namespace)}:`;
  const names: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const name = storage.key(i);
    if (name?.startsWith(start)) names.push(name);
  }
  for (const name of names) storage.removeItem(name);
}

export default entry;
