// Peak memory and time of the CLI's export and import on a Deno KV file,
// each run as its own `deno run cli.ts` process, with peak RSS and CPU
// time (user + system) read from GNU time (`/usr/bin/time -f "%M %U %S"`),
// and the export's time to first byte on standard output. On a busy
// machine wall time grows while CPU time stays put: both are printed. Not part of the test run (it writes gigabytes):
//
//   deno run -A bench/cli_memory.ts              100k × 1 KiB, 1000 × 1 MiB, 40 × 25 MiB
//   deno run -A bench/cli_memory.ts 1m           also 1,000,000 × 100 B
//   deno run -A bench/cli_memory.ts small        only 100k × 1 KiB
//
// The data goes in a temporary directory (TMPDIR), removed at the end.
// Values are random bytes written as base64 text, so the dump is about as
// large as the values and every value is a UTF-8 string.

import entry from "../targets/deno_kv.ts";
import type { StoreRecord } from "../targets/_entry.ts";

const cli = new URL("../cli.ts", import.meta.url).pathname;

interface Scenario {
  name: string;
  keys: number;
  valueBytes: number;
}

const SCENARIOS: Record<string, Scenario> = {
  small: { name: "100,000 × 1 KiB", keys: 100_000, valueBytes: 1024 },
  mib: { name: "1,000 × 1 MiB", keys: 1000, valueBytes: 1024 * 1024 },
  max: { name: "40 × 25 MiB", keys: 40, valueBytes: 25 * 1024 * 1024 },
  "1m": { name: "1,000,000 × 100 B", keys: 1_000_000, valueBytes: 100 },
};

const wanted = Deno.args.length === 0
  ? ["small", "mib", "max"]
  : Deno.args.includes("1m")
  ? ["small", "mib", "max", "1m"]
  : Deno.args;
for (const name of wanted) {
  if (SCENARIOS[name] === undefined) {
    console.error(`unknown scenario ${name}: use ${Object.keys(SCENARIOS).join(", ")}`);
    Deno.exit(2);
  }
}

/** A text value of `bytes` characters: random bytes as base64. */
function value(bytes: number, seed: number): string {
  const raw = new Uint8Array(Math.ceil(bytes * 3 / 4));
  for (let at = 0; at < raw.byteLength; at += 65536) {
    crypto.getRandomValues(raw.subarray(at, at + 65536));
  }
  raw[0] = seed & 0xff;
  return (raw as Uint8Array & { toBase64(): string }).toBase64().slice(0, bytes);
}

/** Fills a new Deno KV file, through the CLI store's batched writes. */
async function fill(path: string, scenario: Scenario): Promise<void> {
  const store = await entry.store!.open(path, { mode: "write" });
  // One random value per batch, reused under each key, keeps filling fast.
  const batch = Math.max(1, Math.min(1000, Math.floor(64 * 1024 * 1024 / scenario.valueBytes)));
  for (let i = 0; i < scenario.keys; i += batch) {
    const shared = value(scenario.valueBytes, i);
    const records: StoreRecord[] = [];
    for (let j = i; j < Math.min(scenario.keys, i + batch); j++) {
      records.push({ key: `key-${String(j).padStart(7, "0")}`, record: { value: shared } });
    }
    await store.writeMany!(records);
  }
  await store.kv.close();
}

interface Measured {
  seconds: number;
  cpuSeconds: number;
  peakMiB: number;
  firstByteMs?: number;
}

/** Runs the CLI under GNU time; with `firstByte`, its stdout is read and timed. */
async function measure(args: string[], firstByte = false): Promise<Measured> {
  const report = await Deno.makeTempFile({ prefix: "kvkit-bench-time-" });
  const started = performance.now();
  const child = new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M %U %S", "-o", report, Deno.execPath(), "run", "-A", cli, ...args, "--quiet"],
    stdout: firstByte ? "piped" : "null",
    stderr: "inherit",
  }).spawn();
  let first: number | undefined;
  if (firstByte) {
    for await (const _ of child.stdout) first ??= performance.now() - started;
  }
  const { code } = await child.status;
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`kvkit ${args.join(" ")} exited ${code}`);
  const [kib, user, system] = (await Deno.readTextFile(report)).trim().split("\n").at(-1)!
    .split(" ").map(Number);
  await Deno.remove(report);
  return {
    seconds,
    cpuSeconds: user + system,
    peakMiB: kib / 1024,
    ...(first === undefined ? {} : { firstByteMs: first }),
  };
}

const dir = await Deno.makeTempDir({ prefix: "kvkit-bench-cli-" });
const rows: string[] = [];
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
try {
  for (const name of wanted) {
    const scenario = SCENARIOS[name];
    const source = `${dir}/${name}.db`;
    const dump = `${dir}/${name}.json`;
    const target = `${dir}/${name}-import.db`;
    console.error(`${scenario.name}: filling ${source}`);
    await fill(source, scenario);
    const exported = await measure(["export", `deno-kv:${source}`, dump]);
    const size = (await Deno.stat(dump)).size;
    const streamed = await measure(["export", `deno-kv:${source}`], true);
    const imported = await measure(["import", `deno-kv:${target}`, dump]);
    const cell = (m: Measured) =>
      `${m.seconds.toFixed(1)} s (CPU ${m.cpuSeconds.toFixed(1)} s), ${m.peakMiB.toFixed(0)} MiB`;
    const line = `| ${scenario.name} | ${mib(size)} | ${cell(exported)} | ` +
      `${streamed.firstByteMs!.toFixed(0)} ms | ${cell(imported)} |`;
    console.log(line);
    rows.push(line);
    for (const path of [source, dump, target]) {
      for (const suffix of ["", "-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => {});
    }
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
console.log(
  [
    "",
    `deno ${Deno.version.deno}, ${Deno.build.os} ${Deno.build.arch}; peak RSS from GNU time`,
    "| data | dump | export: time, peak RSS | export: first byte | import: time, peak RSS |",
    "|---|---|---|---|---|",
    ...rows,
  ].join("\n"),
);
