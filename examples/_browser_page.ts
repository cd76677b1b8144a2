// The page script of examples_browser_test.ts, bundled by esbuild: runs
// every example scenario in Chromium on IndexedDB (a fresh database per
// scenario, deleted afterwards) and on localStorage (a fresh namespace per
// scenario, its items removed afterwards), each on a fake clock. What it
// returns is plain JSON.

import { deleteDB } from "idb";
import { createIndexedDbKv } from "../adapters/indexeddb.ts";
import { createLocalStorageKv } from "../adapters/local_storage.ts";
import { clockFixture } from "../conformance/clock.ts";
import type { KvFixture } from "../conformance/case.ts";
import { clearNamespace } from "../targets/local_storage.ts";
import { scenarios } from "./_scenarios.ts";

/** One scenario's outcome on one target. */
export interface ScenarioResult {
  id: string;
  name: string;
  ms: number;
  error?: string;
}

const run = crypto.randomUUID().slice(0, 8);
let sequence = 0;

const targets: Record<string, () => Promise<KvFixture>> = {
  indexeddb: async () => {
    const name = `kvkit-examples-${run}-${++sequence}`;
    const fixture = await clockFixture((now) => createIndexedDbKv({ name, now }));
    return {
      ...fixture,
      close: async () => {
        await fixture.close?.();
        await deleteDB(name);
      },
    };
  },
  "local-storage": async () => {
    const namespace = `kvkit-examples-${run}-${++sequence}`;
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
};

async function runScenarios(target: string): Promise<ScenarioResult[]> {
  const open = targets[target];
  if (open === undefined) throw new Error(`unknown target ${target}`);
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const start = performance.now();
    const fixture = await open();
    let error: string | undefined;
    try {
      await scenario.run(fixture.kv, (ms) => fixture.advanceTime!(ms));
    } catch (caught) {
      error = caught instanceof Error ? caught.message : String(caught);
    } finally {
      await fixture.close?.();
    }
    const ms = Math.round(performance.now() - start);
    results.push({ id: scenario.id, name: scenario.name, ms, ...(error ? { error } : {}) });
  }
  return results;
}

/** What the page publishes for the test to call. */
export interface ExamplesPage {
  targets: string[];
  runScenarios: typeof runScenarios;
}

const page: ExamplesPage = { targets: Object.keys(targets), runScenarios };
(globalThis as unknown as { kvkitExamples: ExamplesPage }).kvkitExamples = page;
