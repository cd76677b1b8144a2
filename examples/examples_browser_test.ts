// The examples, unchanged, in real headless Chromium (Debian's chromium,
// driven by playwright-core): every scenario of examples/_scenarios.ts on
// IndexedDB and on localStorage, bundled into a page served from loopback.
//
// Without Chromium the test is reported as skipped, with the reason; with
// KVKIT_REQUIRE_BROWSER=1 a missing browser fails it instead.

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  browserRequired,
  bundlePage,
  chromiumMissing,
  launchChromium,
  openPage,
  servePage,
} from "../tests/browser/_harness.ts";
import type { ExamplesPage, ScenarioResult } from "./_browser_page.ts";
import { scenarios } from "./_scenarios.ts";

const missing = chromiumMissing();
const skip = missing !== undefined && !browserRequired();
if (skip) {
  console.log(
    `examples: skipping the Chromium test: ${missing}. Set KVKIT_REQUIRE_BROWSER=1 to fail instead.`,
  );
}

// Callbacks of page.evaluate run in the page: they reach its exports through this global.
type PageGlobal = { kvkitExamples: ExamplesPage };

const NAME = "Chromium: every example scenario passes on IndexedDB and on localStorage";

Deno.test({
  name: skip ? `${NAME} (skipped: ${missing})` : NAME,
  ignore: skip,
  // playwright-core keeps sockets and timers of its own across tests.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    if (missing !== undefined) throw new Error(`KVKIT_REQUIRE_BROWSER=1, but ${missing}`);
    const server = servePage(await bundlePage("examples/_browser_page.ts"));
    const browser = await launchChromium();
    try {
      const page = await openPage(await browser.newContext(), server.origin, "kvkitExamples");
      const targets = await page.evaluate(() =>
        (globalThis as unknown as PageGlobal).kvkitExamples.targets
      );
      assertEquals(targets, ["indexeddb", "local-storage"], "the page runs both targets");
      for (const target of targets) {
        await t.step(target, async (t) => {
          const results: ScenarioResult[] = await page.evaluate(
            (target) => (globalThis as unknown as PageGlobal).kvkitExamples.runScenarios(target),
            target,
          );
          assertEquals(
            results.map((r) => r.id),
            scenarios.map((s) => s.id),
            "the page ran every scenario, in order",
          );
          for (const result of results) {
            await t.step(`${result.name} (${result.ms} ms)`, () => {
              if (result.error !== undefined) throw new Error(result.error);
            });
          }
        });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  },
});
