// The browser adapters in real headless Chromium (Debian's chromium, driven
// by playwright-core): the whole conformance suite on IndexedDB, on the
// memory adapter and on Web Storage (localStorage and sessionStorage, which
// skip only the cases tagged `large`, past the quota), the IndexedDB and Web
// Storage facts the suite cannot see, a second tab that sees a first tab's
// localStorage writes, and IndexedDB data that survives a browser restart
// on a persistent profile.
//
// Without Chromium these tests are reported as skipped, with the reason;
// with KVKIT_REQUIRE_BROWSER=1 a missing browser fails them instead.

import { cases } from "../../conformance/cases.ts";
import type { ConformanceResult } from "../../conformance/runner.ts";
import { LARGE_SKIP } from "../../targets/local_storage.ts";
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

/**
 * Asserts a report: every case ran, in order, and passed, except that a
 * target declaring `skipLarge` skipped exactly the cases tagged `large`,
 * with that reason (printed, and shown as ignored steps).
 */
async function assertReport(
  t: Deno.TestContext,
  report: ConformanceResult[],
  skipLarge?: string,
) {
  assertEquals(
    report.map((r) => r.id),
    cases.map((c) => c.id),
    "the browser ran every case, in order",
  );
  const large = new Set(cases.filter((c) => c.tags?.includes("large")).map((c) => c.id));
  assertEquals(
    report.filter((r) => r.status === "skip").map((r) => [r.id, r.reason]),
    skipLarge === undefined ? [] : [...large].map((id) => [id, skipLarge]),
    "the declared skips, and nothing else, were skipped",
  );
  for (const result of report) {
    if (result.status === "skip") {
      await t.step({
        name: `${result.id}: ${result.name} (skipped: ${result.reason})`,
        ignore: true,
        fn: () => {},
      });
      continue;
    }
    await t.step(`${result.id}: ${result.name}`, () => {
      if (result.status !== "pass") {
        throw new Error(`${result.status}: ${result.error}`);
      }
    });
  }
  const passed = report.filter((r) => r.status === "pass").length;
  const skipped = report.filter((r) => r.status === "skip").length;
  console.log(`  ${passed} passed, ${skipped} skipped, ${report.length - passed - skipped} failed`);
  if (skipLarge !== undefined) console.log(`  skipped the cases tagged large: ${skipLarge}`);
}

/** The suite targets of the page, with the skip each declares. */
const SUITE_TARGETS: [string, string | undefined][] = [
  ["indexeddb", undefined],
  ["memory", undefined],
  ["local-storage", LARGE_SKIP],
  ["session-storage", LARGE_SKIP],
];

chromiumTest(
  "Chromium: the conformance suite passes on IndexedDB, memory, localStorage and sessionStorage",
  async (t) => {
    const server = await pageServer();
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const page = await openPage(context, server.origin, "kvkitSuite");
      for (const [target, skipLarge] of SUITE_TARGETS) {
        const title = skipLarge === undefined
          ? `${target} target: every case passes`
          : `${target} target: every case passes but those tagged large`;
        await t.step(title, async (t) => {
          const report = await page.evaluate(
            (target) => (globalThis as unknown as PageGlobal).kvkitSuite.runSuite(target),
            target,
          );
          await assertReport(t, report, skipLarge);
        });
      }
      for (const which of ["indexeddb", "web-storage"] as const) {
        const title = which === "indexeddb" ? "IndexedDB" : "Web Storage";
        await t.step(`${title} facts the suite cannot see`, async (t) => {
          const results: CheckResult[] = await page.evaluate(
            (which) => (globalThis as unknown as PageGlobal).kvkitSuite.runChecks(which),
            which,
          );
          for (const { name, error } of results) {
            await t.step(name, () => {
              if (error !== undefined) throw new Error(error);
            });
          }
        });
      }
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

chromiumTest(
  "Chromium: a localStorage namespace open in one tab sees another tab's writes",
  async () => {
    const server = await pageServer();
    const browser = await launchChromium();
    const namespace = `kvkit-tabs-${crypto.randomUUID()}`;
    try {
      const context = await browser.newContext();
      const reader = await openPage(context, server.origin, "kvkitSuite");
      const writer = await openPage(context, server.origin, "kvkitSuite");
      const read = () =>
        reader.evaluate(
          (namespace) => (globalThis as unknown as PageGlobal).kvkitSuite.storageRead(namespace),
          namespace,
        );
      const write = (key: string, value: string) =>
        writer.evaluate(
          ([namespace, key, value]) =>
            (globalThis as unknown as PageGlobal).kvkitSuite.storageWrite(namespace, key, value),
          [namespace, key, value],
        );
      // The reader's handle is open before the writes; Chromium delivers
      // another tab's writes to this one asynchronously, so wait for them.
      const until = async (expected: unknown) => {
        const deadline = Date.now() + 5_000;
        let seen = await read();
        while (JSON.stringify(seen) !== JSON.stringify(expected) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          seen = await read();
        }
        assertEquals(seen, expected, "the reader tab sees the writer tab's data");
      };
      await until({ keys: [], values: [] });
      await write("k", "first");
      await until({ keys: [{ name: "k", metadata: { by: "writer" } }], values: ["first"] });
      await write("k", "second");
      await write("a", "new key");
      await until({
        keys: [{ name: "a", metadata: { by: "writer" } }, {
          name: "k",
          metadata: { by: "writer" },
        }],
        values: ["new key", "second"],
      });
      await reader.evaluate(
        (namespace) => (globalThis as unknown as PageGlobal).kvkitSuite.storageClear(namespace),
        namespace,
      );
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
