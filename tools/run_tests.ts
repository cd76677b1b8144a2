// `deno task test`: every runtime's test run, one after another, each
// ending with one summary line. The full output of each run goes to
// .cache/test/<runtime>.log; the terminal shows only failures and the
// summaries, so a real failure is easy to find.
//
//   deno run -A tools/run_tests.ts                 every runtime
//   deno run -A tools/run_tests.ts deno node       some runtimes
//   deno run -A tools/run_tests.ts --verbose       stream every line as well
//
// Runtimes: deno (`deno test -A`), node (tools/node.ts: tests/node under
// node:test), vitest (tools/vitest.ts) and bun (tools/bun.ts).

const root = new URL("../", import.meta.url);
const logDir = new URL(".cache/test/", root);
const verbose = Deno.args.includes("--verbose");

interface Run {
  name: string;
  args: string[];
  /** Pulls "passed" and "failed" counts out of the run's output. */
  count(log: string): { passed: number; failed: number } | undefined;
}

const last = (log: string, pattern: RegExp) => [...log.matchAll(pattern)].at(-1);

const RUNS: Run[] = [
  {
    name: "deno",
    args: ["test", "-A"],
    count(log) {
      const match = last(log, /(?:ok|FAILED) \| (\d+) passed[^|]*\| (\d+) failed/g);
      return match && { passed: Number(match[1]), failed: Number(match[2]) };
    },
  },
  {
    name: "node",
    args: ["run", "-A", "tools/node.ts"],
    count(log) {
      const pass = last(log, /^# pass (\d+)/gm);
      const fail = last(log, /^# fail (\d+)/gm);
      return pass && fail && { passed: Number(pass[1]), failed: Number(fail[1]) };
    },
  },
  {
    name: "vitest",
    args: ["run", "-A", "tools/vitest.ts"],
    count(log) {
      const match = last(log, /Tests\s+(?:(\d+) failed \| )?(\d+) passed/g);
      return match && { passed: Number(match[2]), failed: Number(match[1] ?? 0) };
    },
  },
  {
    name: "bun",
    args: ["run", "-A", "tools/bun.ts"],
    count(log) {
      const pass = last(log, /^\s*(\d+) pass$/gm);
      const fail = last(log, /^\s*(\d+) fail$/gm);
      return pass && fail && { passed: Number(pass[1]), failed: Number(fail[1]) };
    },
  },
];

/** Lines worth showing from a run: failures, and what the runner says about them. */
const FAILURE = /FAILED|not ok \d|^\(fail\)|^\s*✗|^ FAIL |^error: /;
/** Deliberate failures of the meta-tests, printed on purpose: labelled, not shown as real. */
const EXPECTED = /\[expected\]/;

const wanted = Deno.args.filter((arg) => !arg.startsWith("--"));
const unknown = wanted.filter((name) => !RUNS.some((run) => run.name === name));
if (unknown.length > 0) {
  console.error(`unknown runtime ${unknown.join(", ")}: use ${RUNS.map((r) => r.name).join(", ")}`);
  Deno.exit(2);
}
await Deno.mkdir(logDir, { recursive: true });

const summaries: string[] = [];
let failedRuns = 0;
const started = performance.now();
for (const run of RUNS) {
  if (wanted.length > 0 && !wanted.includes(run.name)) continue;
  const start = performance.now();
  console.log(`\n==> ${run.name}: deno ${run.args.join(" ")}`);
  const child = new Deno.Command(Deno.execPath(), {
    args: run.args,
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const log = await Deno.open(new URL(`${run.name}.log`, logDir), {
    write: true,
    create: true,
    truncate: true,
  });
  let text = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let pending = "";
    for await (const chunk of stream) {
      await log.write(chunk);
      const piece = decoder.decode(chunk, { stream: true });
      text += piece;
      pending += piece;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) {
        if (verbose) console.log(line);
        else if (FAILURE.test(line) && !EXPECTED.test(line)) console.log(`  ${line}`);
      }
    }
  };
  await Promise.all([pump(child.stdout), pump(child.stderr)]);
  const { code } = await child.status;
  log.close();
  const seconds = ((performance.now() - start) / 1000).toFixed(0);
  const counts = run.count(text);
  const ok = code === 0 && counts !== undefined && counts.failed === 0;
  if (!ok) failedRuns++;
  const summary = `${run.name}: ${ok ? "ok" : "FAILED"}, ${counts?.passed ?? "?"} passed, ${
    counts?.failed ?? "?"
  } failed, exit ${code}, ${seconds}s (log: .cache/test/${run.name}.log)`;
  console.log(summary);
  summaries.push(summary);
}
const minutes = ((performance.now() - started) / 60_000).toFixed(1);
console.log(
  `\n${summaries.join("\n")}\nall runtimes: ${
    failedRuns === 0 ? "ok" : `${failedRuns} FAILED`
  } in ${minutes} min`,
);
Deno.exit(failedRuns === 0 ? 0 : 1);
