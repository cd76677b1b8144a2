// The IndexedDB adapter in real headless Chromium (Debian's chromium,
// driven by playwright-core): the whole conformance suite on IndexedDB and
// on the memory adapter, the IndexedDB facts the suite cannot see, and data
// that survives a browser restart on a persistent profile.
//
// Without Chromium these tests are reported as skipped, with the reason;
// with KVKIT_REQUIRE_BROWSER=1 a missing browser fails them instead.

import { cases } from "../../conformance/cases.ts";
import type { ConformanceResult } from "../../conformance/runner.ts";
import {
  browserRequired,
  bundlePage,
  chromiumMissing,
  launchChromium,
  launchPersistentChromium,
  openPage,
  type PageServer,
  servePage,
} from "./_harness.ts";
import type { CheckResult, Snapshot, SuitePage } from "./_suite_page.ts";

const missing = chromiumMissing();
const skip = missing !== undefined && !browserRequired();
if (skip) {
  console.log(
    `tests/browser: skipping the Chromium tests: ${missing}. ` +
      "Set KVKIT_REQUIRE_BROWSER=1 to fail instead.",
  );
}

/** Registers a Chromium test, skipped with its reason when there is none. */
function chromiumTest(
  name: string,
  fn: (t: Deno.TestContext) => Promise<void>,
) {
  Deno.test({
    name: skip ? `${name} (skipped: ${missing})` : name,
    ignore: skip,
    // playwright-core keeps sockets and timers of its own across tests.
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      if (missing !== undefined) {
        throw new Error(`KVKIT_REQUIRE_BROWSER=1, but ${missing}`);
      }
      await fn(t);
    },
  });
}

function assertEquals(
  actual: unknown,
  expected: unknown,
  message: string,
): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) {
    throw new Error(`${message}\n  actual:   ${a}\n  expected: ${e}`);
  }
}

// Callbacks of page.evaluate run in the page, so they reach the page's
// exports through this global and can call nothing defined here.
type PageGlobal = { kvkitSuite: SuitePage };

let script: Promise<string> | undefined;
/** Serves the page script, bundled once per run. */
async function pageServer(): Promise<PageServer> {
  script ??= bundlePage("tests/browser/_suite_page.ts");
  return servePage(await script);
}

/** Asserts a report: every case ran, in order, and passed. */
async function assertReport(t: Deno.TestContext, report: ConformanceResult[]) {
  assertEquals(
    report.map((r) => r.id),
    cases.map((c) => c.id),
    "the browser ran every case, in order",
  );
  for (const result of report) {
    await t.step(`${result.id}: ${result.name}`, () => {
      if (result.status !== "pass") {
        throw new Error(`${result.status}: ${result.error ?? result.reason}`);
      }
    });
  }
  const passed = report.filter((r) => r.status === "pass").length;
  console.log(`  ${passed} passed, ${report.length - passed} failed`);
}

chromiumTest(
  "Chromium: the conformance suite passes on IndexedDB and on memory",
  async (t) => {
    const server = await pageServer();
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const page = await openPage(context, server.origin, "kvkitSuite");
      for (const target of ["indexeddb", "memory"]) {
        await t.step(`${target} adapter: every case passes`, async (t) => {
          const report = await page.evaluate(
            (target) => (globalThis as unknown as PageGlobal).kvkitSuite.runSuite(target),
            target,
          );
          await assertReport(t, report);
        });
      }
      await t.step("IndexedDB facts the suite cannot see", async (t) => {
        const results: CheckResult[] = await page.evaluate(() =>
          (globalThis as unknown as PageGlobal).kvkitSuite.runChecks()
        );
        for (const { name, error } of results) {
          await t.step(name, () => {
            if (error !== undefined) throw new Error(error);
          });
        }
      });
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

chromiumTest(
  "Chromium: data survives a browser restart on the same profile",
  async () => {
    // The restarted browser must load the same origin: one server throughout.
    const server = await pageServer();
    const { origin } = server;
    const profile = await Deno.makeTempDir({ prefix: "kvkit-chromium-" });
    const startMs = Date.UTC(2030, 0, 1);
    try {
      let written: Snapshot;
      {
        const context = await launchPersistentChromium(profile);
        try {
          const page = await openPage(context, origin, "kvkitSuite");
          written = await page.evaluate(
            (start) => (globalThis as unknown as PageGlobal).kvkitSuite.writeData(start),
            startMs,
          );
        } finally {
          await context.close();
        }
      }
      const context = await launchPersistentChromium(profile);
      try {
        const page = await openPage(context, origin, "kvkitSuite");
        const { restarted, later } = await page.evaluate(
          (start) => (globalThis as unknown as PageGlobal).kvkitSuite.readData(start),
          startMs,
        );
        assertEquals(
          restarted,
          written,
          "every key, value, metadata and page reads back",
        );
        // Two minutes on, the key put with a one-minute TTL has expired.
        const names = (s: Snapshot) => s.values.filter(([, v]) => v !== "null").map(([k]) => k);
        assertEquals(
          names(later),
          names(written).filter((name) => name !== "soon"),
          "only the expired key is gone",
        );
        if (!names(written).includes("soon")) {
          throw new Error(
            "the TTL key was never written",
          );
        }
      } finally {
        await context.close();
      }
    } finally {
      await server.close();
      await Deno.remove(profile, { recursive: true });
    }
  },
);
