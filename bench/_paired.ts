// Paired benchmarking for bench/: contenders run in alternating rounds in
// one process, each round a batch of operations in random key order, and
// every contender's time per round is divided by the baseline's time in
// the same round. The report gives the median ratio with its min–max over
// the rounds, so drift from other load on the machine hits every side
// alike. Quote ratios, not absolute times.

/** One side of a comparison: `op(i)` performs the i-th operation. */
export interface Contender {
  /** The name in the report. */
  name: string;
  /** One operation; `i` counts up across the whole run. */
  op(i: number): unknown;
}

/** One contender's result. */
export interface PairedRow {
  /** The group, e.g. `get @ 100k keys`. */
  group: string;
  /** The contender. */
  name: string;
  /** The baseline's name. */
  baseline: string;
  /** Median over rounds of (this contender's time / the baseline's). */
  median: number;
  /** Smallest round ratio. */
  min: number;
  /** Largest round ratio. */
  max: number;
  /** Median time per operation, in ns: for orientation only. */
  nsPerOp: number;
}

/** Options of {@linkcode paired}. */
export interface PairedOptions {
  /** Rounds, each running every contender once. Defaults to 15. */
  rounds?: number;
  /** Operations per contender per round. Defaults to 2000. */
  batch?: number;
  /** Untimed rounds first, for the JIT. Defaults to 2. */
  warmup?: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function time(contender: Contender, from: number, batch: number): Promise<number> {
  const start = performance.now();
  for (let i = from; i < from + batch; i++) {
    const result = contender.op(i);
    if (result instanceof Promise) await result;
  }
  return performance.now() - start;
}

/**
 * Runs the contenders against the first one, the baseline, and returns
 * one row per contender (the baseline's own row has ratio 1).
 */
export async function paired(
  group: string,
  contenders: Contender[],
  options: PairedOptions = {},
): Promise<PairedRow[]> {
  const { rounds = 15, batch = 2000, warmup = 2 } = options;
  const times = contenders.map(() => [] as number[]);
  let next = 0;
  for (let round = -warmup; round < rounds; round++) {
    // Alternate the order every round, so no side always runs first.
    const order = contenders.map((_, i) => i);
    if (round % 2 !== 0) order.reverse();
    for (const index of order) {
      const ms = await time(contenders[index], next, batch);
      next += batch;
      if (round >= 0) times[index].push(ms);
    }
  }
  return contenders.map((contender, index) => {
    const ratios = times[index].map((ms, round) => ms / times[0][round]);
    return {
      group,
      name: contender.name,
      baseline: contenders[0].name,
      median: median(ratios),
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      nsPerOp: median(times[index]) * 1e6 / batch,
    };
  });
}

/** `1.23× (1.10–1.40)`. */
export function formatRatio(row: Pick<PairedRow, "median" | "min" | "max">): string {
  return `${row.median.toFixed(2)}× (${row.min.toFixed(2)}–${row.max.toFixed(2)})`;
}

/** Prints rows as a Markdown table: contender, ratio to the baseline, ns/op. */
export function printRows(rows: PairedRow[]): void {
  console.log("| group | contender | vs baseline | ns/op |");
  console.log("|---|---|---|---|");
  for (const row of rows) {
    const ratio = row.name === row.baseline ? "baseline" : formatRatio(row);
    console.log(`| ${row.group} | ${row.name} | ${ratio} | ${row.nsPerOp.toFixed(0)} |`);
  }
}

/**
 * Prints rows the other way round, as the baseline's time over each
 * contender's (`kvkit 0.45× unstorage`): the form targets are stated in.
 * The median of inverses is the inverse of the median (rounds are odd).
 */
export function printBaselineRatios(rows: PairedRow[]): void {
  console.log("| group | baseline | vs contender | ratio (median, min–max) |");
  console.log("|---|---|---|---|");
  for (const row of rows) {
    if (row.name === row.baseline) continue;
    const inverse = { median: 1 / row.median, min: 1 / row.max, max: 1 / row.min };
    console.log(`| ${row.group} | ${row.baseline} | ${row.name} | ${formatRatio(inverse)} |`);
  }
}

/** The benchmark's flags, `--name=value` (or `--name`, as "true"), by name. */
export function benchArgs(args: readonly string[] = Deno.args): Map<string, string> {
  return new Map(args.map((arg) => {
    const [flag, value = "true"] = arg.replace(/^--/, "").split("=");
    return [flag, value] as const;
  }));
}

/** A seeded random generator (mulberry32), so runs use the same data. */
export function random(seed = 1): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

// Keys and values are joined, not grown with `+=`: a string grown a
// character at a time is a chain of 100 rope nodes that V8 flattens on
// first inspection, so a store that validates values (kvkit measures
// their UTF-8 length) paid for flattening the benchmark's own data, and
// 100k such values held 500 MB. Strings from JSON, the network or a file
// are flat.

/** `n` distinct keys like `user:0001234:ab12`, in insertion order. */
export function makeKeys(n: number, rand = random(7)): string[] {
  return Array.from({ length: n }, (_, i) => {
    const chars = [`user:${String(i).padStart(7, "0")}:`];
    for (let j = 0; j < 4; j++) chars.push(ALPHABET[Math.floor(rand() * ALPHABET.length)]);
    return chars.join("");
  });
}

/** `n` distinct random strings of `length` characters. */
export function makeValues(n: number, length: number, rand = random(11)): string[] {
  return Array.from({ length: n }, (_, i) => {
    const chars = [`${i}:`];
    for (let size = chars[0].length; size < length; size++) {
      chars.push(ALPHABET[Math.floor(rand() * ALPHABET.length)]);
    }
    return chars.join("");
  });
}

/** A random order of `0 … n-1`, for random access. */
export function shuffled(n: number, rand = random(13)): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
