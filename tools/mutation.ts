// `deno task mutation`: how strong the conformance suite is, measured by
// mutation testing. StrykerJS changes the engine, keys.ts and the memory
// adapter one operator at a time; each change (a mutant) is killed when
// the conformance suite alone fails. Two passes, each with its own test
// command: the engine and the memory adapter under the suite on the memory
// adapter (tools/mutation/suite.ts); keys.ts under the suite on the
// adapters that call its helpers (tools/mutation/keys_suite.ts: memory,
// IndexedDB on fake-indexeddb, Deno KV `:memory:` and a byte-ordered
// driver). Prints the score per file and fails under the threshold.
//
//   deno task mutation              every file, threshold 95%
//   deno task mutation --sample     the CI sample (a few minutes), its own threshold
//   deno task mutation _cursor.ts   some files only, threshold 95%
//
// The score leaves out the mutants that tools/mutation/equivalent.json
// lists: functions no conformance call can reach (not mutated at all),
// and single mutants that change nothing a namespace can show, each with
// its reason. A listed mutant that is killed fails the run: the list is
// wrong. Stryker runs on the Node 22 that the npm package `node` ships
// (tools/mutation/node_modules, installed with `npm ci` on first use),
// since the system's Node may be older. Reports: .cache/mutation/<run>/<pass>/.

import { type Equivalent, scoreReport, type StrykerReport } from "./mutation/score.ts";

const root = new URL("../", import.meta.url);
const tools = new URL("tools/mutation/", root);

/** A Stryker run: the files it mutates and the conformance run that tests them. */
interface Pass {
  name: string;
  files: string[];
  suite: string;
}

/** The passes of a full run, and with them every mutated file. */
export const PASSES: Pass[] = [
  {
    name: "engine",
    files: [
      "engine.ts",
      "_validate.ts",
      "_codec.ts",
      "_bulk.ts",
      "_cursor.ts",
      "expiry.ts",
      "limits.ts",
      "_lifecycle.ts",
      "adapters/memory.ts",
      "adapters/_memory_driver.ts",
      "adapters/_sorted_keys.ts",
      "adapters/_expiry_buckets.ts",
    ],
    suite: "tools/mutation/suite.ts",
  },
  { name: "keys", files: ["keys.ts"], suite: "tools/mutation/keys_suite.ts" },
];

/** Every mutated file. */
export const FILES: string[] = PASSES.flatMap((pass) => pass.files);

/** The lowest score of a full (or partial) run, in percent. */
export const THRESHOLD = 95;

/**
 * What CI runs: a few files, quick to test (146 mutants), and the score
 * they must keep (99.3% on 2026-12-01).
 */
export const SAMPLE = {
  files: ["expiry.ts", "_cursor.ts", "_bulk.ts"],
  threshold: 95,
};

async function run(command: string, args: string[], cwd: URL, env?: Record<string, string>) {
  const { code } = await new Deno.Command(command, {
    args,
    cwd,
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

/** Installs StrykerJS and Node 22 with `npm ci`, unless the lockfile's install is there. */
async function install(): Promise<void> {
  const lock = await Deno.readTextFile(new URL("package-lock.json", tools));
  const stamp = new URL("node_modules/.kvkit-installed-lock.json", tools);
  const installed = await Deno.readTextFile(stamp).catch(() => undefined);
  if (installed === lock) return;
  console.log("mutation: npm ci in tools/mutation (StrykerJS, Node 22)");
  const code = await run("npm", ["ci", "--no-audit", "--no-fund"], tools);
  if (code !== 0) throw new Error(`npm ci failed with exit code ${code}`);
  await Deno.writeTextFile(stamp, lock);
}

/** Runs Stryker on `files` with `pass`'s suite; the path of its JSON report. */
async function stryker(pass: Pass, files: string[], out: string): Promise<string> {
  const config = JSON.parse(await Deno.readTextFile(new URL("stryker.config.json", tools)));
  Object.assign(config, {
    mutate: files,
    commandRunner: { command: `deno test -A --no-check --fail-fast ${pass.suite}` },
    tempDirName: `${out}/tmp`,
    jsonReporter: { fileName: `${out}/report.json` },
    htmlReporter: { fileName: `${out}/report.html` },
  });
  await Deno.mkdir(new URL(`${out}/`, root), { recursive: true });
  const configPath = `${out}/stryker.config.json`;
  await Deno.writeTextFile(new URL(configPath, root), JSON.stringify(config, null, 2));
  // The test command and the build command call `deno`: this one.
  const bin = Deno.execPath().replace(/[/\\][^/\\]*$/, "");
  const sep = Deno.build.os === "windows" ? ";" : ":";
  console.log(`mutation: ${pass.name} pass, ${files.join(", ")}`);
  const code = await run(
    new URL("node_modules/node/bin/node", tools).pathname,
    [
      new URL("node_modules/@stryker-mutator/core/bin/stryker.js", tools).pathname,
      "run",
      configPath,
    ],
    root,
    { PATH: `${bin}${sep}${Deno.env.get("PATH") ?? ""}`, NO_COLOR: "1", RUST_BACKTRACE: "0" },
  );
  if (code !== 0) throw new Error(`Stryker failed with exit code ${code} (${pass.name} pass)`);
  return `${out}/report.json`;
}

if (import.meta.main) {
  const sample = Deno.args.includes("--sample");
  const named = Deno.args.filter((arg) => !arg.startsWith("--"));
  const files = sample ? SAMPLE.files : named.length > 0 ? named : FILES;
  const threshold = sample ? SAMPLE.threshold : THRESHOLD;
  const unknown = files.filter((file) => !FILES.includes(file));
  if (unknown.length > 0) {
    console.error(`mutation: not a mutated file: ${unknown.join(", ")} (use ${FILES.join(", ")})`);
    Deno.exit(2);
  }
  const name = sample ? "sample" : named.length > 0 ? "partial" : "full";
  await install();

  const started = performance.now();
  const report: StrykerReport = { files: {} };
  for (const pass of PASSES) {
    const mine = pass.files.filter((file) => files.includes(file));
    if (mine.length === 0) continue;
    const path = await stryker(pass, mine, `.cache/mutation/${name}/${pass.name}`);
    const part: StrykerReport = JSON.parse(await Deno.readTextFile(new URL(path, root)));
    Object.assign(report.files, part.files);
  }
  const listed = JSON.parse(await Deno.readTextFile(new URL("equivalent.json", tools)));
  const score = scoreReport(report, listed.equivalent as Equivalent[]);
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  console.log(`\n${score.table}\n\nmutation: ${minutes} min, reports in .cache/mutation/${name}/`);
  for (const problem of score.problems) console.error(`mutation: ${problem}`);
  if (score.problems.length > 0) Deno.exit(1);
  if (score.score < threshold) {
    console.error(
      `mutation: score ${score.score.toFixed(2)}% is under the threshold ${threshold}%`,
    );
    Deno.exit(1);
  }
  console.log(`mutation: score ${score.score.toFixed(2)}% >= threshold ${threshold}%`);
}
