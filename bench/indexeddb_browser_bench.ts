// Benchmarks the IndexedDB adapter in real headless Chromium and prints a
// table of ratios: kvkit against raw `idb` calls on the same store shape,
// bulk get against single gets, and kvkit against idb-keyval (what
// unstorage's IndexedDB driver uses). All contenders run in one page on
// stores of --keys keys with distinct values, reading and overwriting keys
// in random order and taking turns of 25 operations, on a fresh on-disk
// profile (or an in-memory one). Each ratio is the median, with min–max,
// of its per-round ratios.
//
// "raw idb" does by hand, with idb, what the adapter does to its stores: a
// get reads the records store; a put writes the records and keys stores in
// one transaction. "raw idb put, one store" is the least any app can do,
// one record in one store, with no way to list keys without values; "one
// store + list index" is the layout kvkit could use instead (one write, and
// listing through a key cursor on a [key, expiration, metadata] index).
//
//   deno run -A bench/indexeddb_browser_bench.ts [--keys=10000] [--ops=500] [--rounds=15]
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

function table(result: BenchResult): string {
  const lines = [
    "| comparison | kvkit ÷ baseline: median (min–max) over rounds | baseline |",
    "|---|---|---|",
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${row.comparison} | ${row.median.toFixed(2)}× (${row.min.toFixed(2)}–${
        row.max.toFixed(2)
      }) | ${row.baseline} |`,
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
    keys: Number(flag("keys", "10000")),
    ops: Number(flag("ops", "500")),
    rounds: Number(flag("rounds", "15")),
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
          `${options.keys} keys with distinct ${options.valueBytes}-byte values, ` +
          `${options.ops} sequential ops per contender per round on random keys, ` +
          `${options.rounds} rounds in turns of 25\n`,
      );
      console.log(table(result));
      console.log(`\nms per op (bulk: per call): ${JSON.stringify(result.msPerOp)}`);
    }
  } finally {
    await server.close();
  }
}
