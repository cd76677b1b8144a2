// Benchmarks the IndexedDB adapter in real headless Chromium and prints a
// table of ratios: kvkit against raw `idb` calls on the same store shape,
// bulk get against single gets, and kvkit against idb-keyval (what
// unstorage's IndexedDB driver uses). All contenders run in one page, taking
// turns of 25 operations, on a fresh on-disk profile (or an in-memory one);
// each result is the median of a contender's turns.
//
// "raw idb" does by hand, with idb, what the adapter does to its stores: a
// get reads the records store; a put writes the records and keys stores in
// one transaction. "raw idb put, one store" is the least any app can do,
// one record in one store, with no way to list keys without values; "one
// store + list index" is the layout kvkit could use instead (one write, and
// listing through a key cursor on a [key, expiration, metadata] index).
//
//   deno run -A bench/indexeddb_browser_bench.ts [--ops=500] [--rounds=7]
//     [--value-bytes=100] [--profile=disk|memory|both]
//
// It is a script, not a Deno.bench file: `deno bench` loads it and does
// nothing.

import {
  bundlePage,
  chromiumMissing,
  launchChromium,
  launchPersistentChromium,
  openPage,
  servePage,
} from "../tests/browser/_harness.ts";
import type { BenchOptions, BenchPage, BenchResult } from "../tests/browser/_bench_page.ts";

type PageGlobal = { kvkitBench: BenchPage };

function flag(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return Deno.args.find((arg) => arg.startsWith(prefix))?.slice(
    prefix.length,
  ) ?? fallback;
}

async function measure(
  profile: "disk" | "memory",
  origin: string,
  options: BenchOptions,
): Promise<{ result: BenchResult; userAgent: string }> {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-bench-" });
  const browser = profile === "memory" ? await launchChromium() : undefined;
  const context = browser !== undefined
    ? await browser.newContext()
    : await launchPersistentChromium(dir);
  try {
    const page = await openPage(context, origin, "kvkitBench");
    const userAgent = await page.evaluate(() =>
      (globalThis as unknown as PageGlobal).kvkitBench.userAgent
    );
    const result = await page.evaluate(
      (options) => (globalThis as unknown as PageGlobal).kvkitBench.runBench(options),
      options,
    );
    return { result, userAgent };
  } finally {
    await context.close();
    await browser?.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const ROWS: [string, string, string, string?][] = [
  // [what, contender, baseline, limit]
  ["get", "kvkit get", "raw idb get", "≤ 1.15"],
  ["put", "kvkit put", "raw idb put", "≤ 1.15"],
  ["put vs a one-store put", "kvkit put", "raw idb put, one store"],
  [
    "put vs a one-store put with a list index",
    "kvkit put",
    "raw idb put, one store + list index",
  ],
  [
    "bulk get of 100 keys vs 100 single gets",
    "kvkit bulk get of 100 keys",
    "kvkit 100 single gets",
  ],
  ["get vs idb-keyval", "kvkit get", "idb-keyval get"],
  ["put vs idb-keyval", "kvkit put", "idb-keyval set"],
];

function table(result: BenchResult): string {
  const lines = [
    "| comparison | kvkit | baseline | ratio |",
    "|---|---|---|---|",
  ];
  const ms = (name: string) => {
    const value = result[name];
    return name.includes("100") ? `${value.toFixed(1)} ms` : `${(value * 1000).toFixed(0)} µs/op`;
  };
  for (const [what, contender, baseline, limit] of ROWS) {
    const ratio = result[contender] / result[baseline];
    const verdict = limit === undefined
      ? ""
      : ratio <= 1.15
      ? ` (target ${limit}: met)`
      : ` (target ${limit}: MISSED)`;
    lines.push(
      `| ${what} | ${ms(contender)} | ${ms(baseline)} (${baseline}) | ${
        ratio.toFixed(2)
      }×${verdict} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const missing = chromiumMissing();
  if (missing !== undefined) {
    console.error(`bench: ${missing}`);
    Deno.exit(1);
  }
  const options: BenchOptions = {
    ops: Number(flag("ops", "500")),
    rounds: Number(flag("rounds", "7")),
    valueBytes: Number(flag("value-bytes", "100")),
  };
  const which = flag("profile", "disk");
  const profiles = which === "both" ? ["disk", "memory"] as const : [which as "disk" | "memory"];
  const server = servePage(await bundlePage("tests/browser/_bench_page.ts"));
  try {
    for (const profile of profiles) {
      const { result, userAgent } = await measure(
        profile,
        server.origin,
        options,
      );
      const browser = /HeadlessChrome\/[\d.]+/.exec(userAgent)?.[0] ??
        userAgent;
      console.log(
        `\nIndexedDB in ${browser}, ${
          profile === "disk" ? "on-disk profile" : "in-memory (incognito) profile"
        }; ` +
          `${options.valueBytes}-byte values, ${options.ops} sequential ops per round, ` +
          `${options.rounds} rounds, medians of turns of 25\n`,
      );
      console.log(table(result));
      console.log(`\nraw medians: ${JSON.stringify(result)}`);
    }
  } finally {
    await server.close();
  }
}
