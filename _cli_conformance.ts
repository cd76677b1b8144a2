// `kvkit conformance`: the conformance suite on every registry target that
// runs on this runtime (Deno, Node or Bun), or on the targets given to main, printed as an area ×
// adapter matrix. Adapter names come from the registry's targets, area
// names from conformance/case.ts. Private to cli.ts.

import { type Command, listFlag } from "./_cli_args.ts";
import { Progress } from "./_cli_progress.ts";
import { areas } from "./conformance/case.ts";
import {
  type ConformanceResult,
  type ConformanceTarget,
  runConformance,
} from "./conformance/runner.ts";
import { type AdapterEntry, currentRuntime, env, type RegistryTarget } from "./targets/_entry.ts";

/** One group of targets: a registry entry, or the targets given to main. */
interface TargetGroup {
  name: string;
  targets: (ConformanceTarget & Partial<RegistryTarget>)[];
  /** Why the group could not be loaded, when it could not. */
  error?: unknown;
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - [...text].length));
}

function cell(results: ConformanceResult[]): string {
  if (results.length === 0) return "–";
  const pass = results.filter((r) => r.status === "pass").length;
  const fail = results.filter((r) => r.status === "fail").length;
  const skip = results.filter((r) => r.status === "skip").length;
  const ms = results.reduce((sum, r) => sum + r.ms, 0);
  const time = ms >= 1000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`;
  const mark = fail > 0 ? `✗ ${pass}/${pass + fail}` : `✓ ${pass}`;
  return `${mark}${skip > 0 ? ` (${skip} skip)` : ""} ${time}`;
}

/** The area × adapter matrix, then every failure and skip. */
export function formatMatrix(
  reports: Map<string, ConformanceResult[]>,
  skipped: ReadonlyMap<string, string> = new Map(),
): string {
  const names = [...reports.keys()];
  const rows = [["area", ...names]];
  for (const area of areas) {
    rows.push([
      area,
      ...names.map((n) => cell(reports.get(n)!.filter((r) => r.area === area))),
    ]);
  }
  rows.push(["total", ...names.map((n) => cell(reports.get(n)!))]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => [...row[i]].length)));
  const lines = rows.map((row) => row.map((text, i) => pad(text, widths[i])).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  for (const [name, results] of reports) {
    for (const r of results) {
      if (r.status === "fail") lines.push(`\nFAIL ${name} ${r.id}: ${r.name}\n  ${r.error}`);
    }
  }
  for (const [name, results] of reports) {
    for (const r of results) {
      if (r.status === "skip") lines.push(`skip ${name} ${r.id}: ${r.reason}`);
    }
  }
  for (const [name, reason] of skipped) lines.push(`skip ${name}: ${reason}`);
  return lines.join("\n");
}

async function groupsOf(registry: readonly AdapterEntry[]): Promise<TargetGroup[]> {
  const groups: TargetGroup[] = [];
  for (const entry of registry) {
    try {
      groups.push({ name: entry.name, targets: await entry.targets() });
    } catch (error) {
      groups.push({ name: entry.name, targets: [], error });
    }
  }
  return groups;
}

function loadFailure(error: unknown): ConformanceResult {
  return {
    id: "load",
    area: "get",
    name: "load the adapter",
    status: "fail",
    ms: 0,
    error: error instanceof Error ? error.message : String(error),
  };
}

/**
 * The `conformance` command, on the registry's targets, or on `targets`
 * when given.
 */
export function conformanceCommand(
  registry: readonly AdapterEntry[],
  targets: ConformanceTarget[] | undefined,
): Command {
  let loaded: Promise<TargetGroup[]> | undefined;
  const load = (): Promise<TargetGroup[]> =>
    loaded ??= targets === undefined
      ? groupsOf(registry)
      : Promise.resolve([{ name: "targets", targets }]);
  const adapterNames = async () => {
    const groups = await load();
    const names = targets === undefined ? groups.map((g) => g.name) : [];
    for (const group of groups) {
      for (const t of group.targets) if (!names.includes(t.name)) names.push(t.name);
    }
    return names;
  };
  return {
    spec: {
      name: "conformance",
      args: "",
      arity: [0, 0],
      summary: "Runs the conformance suite and prints an area × adapter matrix.",
      details: "Exits 1 when a case fails. Targets that need a server that is not configured\n" +
        "are skipped with the reason, or fail under KVKIT_REQUIRE_SERVERS=1.",
      flags: [
        { name: "adapter", value: "a,b", summary: "only these adapters or targets" },
        { name: "area", value: "a,b", summary: "only these areas" },
        { name: "json", summary: "print the full report as JSON instead" },
        { name: "quiet", summary: "print no progress" },
      ],
      examples: ["conformance", "conformance --adapter memory,deno-kv:file --area list,bulk"],
    },
    helpExtra: () => `areas: ${areas.join(", ")}`,
    async run(parsed, { io }) {
      const valid = await adapterNames();
      const only = listFlag(parsed, "adapter", valid, "conformance");
      const onlyAreas = listFlag(parsed, "area", areas, "conformance");
      const progress = new Progress(io.stderr, { quiet: parsed.flags.has("quiet") });
      const required = env("KVKIT_REQUIRE_SERVERS") === "1";
      const runtime = currentRuntime();
      const reports = new Map<string, ConformanceResult[]>();
      const skipped = new Map<string, string>();
      for (const group of await load()) {
        const wanted = only === undefined || only.includes(group.name);
        if (group.error !== undefined) {
          if (wanted) reports.set(group.name, [loadFailure(group.error)]);
          continue;
        }
        for (const target of group.targets) {
          try {
            if (!wanted && !only!.includes(target.name)) continue;
            if (target.runtimes !== undefined && !target.runtimes.includes(runtime)) {
              skipped.set(target.name, `runs on ${target.runtimes.join(", ")}, not here`);
              continue;
            }
            if (target.unavailable !== undefined) {
              if (required) {
                reports.set(target.name, [
                  loadFailure(`required (KVKIT_REQUIRE_SERVERS=1) but ${target.unavailable}`),
                ]);
              } else {
                skipped.set(target.name, target.unavailable);
                progress.print(`conformance: skipping ${target.name}: ${target.unavailable}`);
              }
              continue;
            }
            const options = target.options ?? {};
            let done = 0;
            progress.phase(`conformance ${target.name}`, { unit: "cases", countsBytes: false });
            const report = await runConformance(target.factory, {
              ...options,
              filter: (c) =>
                (onlyAreas === undefined || onlyAreas.includes(c.area)) &&
                (options.filter?.(c) ?? true),
              onResult: (r) => {
                progress.update(++done);
                if (r.status === "fail") {
                  progress.print(`  FAIL ${target.name} ${r.id}: ${r.error}`);
                }
              },
            });
            reports.set(target.name, report);
          } finally {
            await target.dispose?.();
          }
        }
      }
      progress.clear();
      const all = [...reports.values()].flat();
      const encoder = new TextEncoder();
      const print = (text: string) => io.stdout(encoder.encode(`${text}\n`));
      if (parsed.flags.has("json")) {
        await print(JSON.stringify(Object.fromEntries(reports), null, 2));
      } else {
        await print(formatMatrix(reports, skipped));
        const failed = all.filter((r) => r.status === "fail").length;
        const skips = all.filter((r) => r.status === "skip").length;
        await print(
          `\n${all.length - failed} of ${all.length} results fine (${skips} skipped), ` +
            `${failed} failed, across ${reports.size} adapters` +
            (skipped.size > 0 ? `; ${skipped.size} not run here.` : "."),
        );
      }
      if (all.length === 0) {
        progress.print("conformance: nothing ran: no target of these adapters runs here");
      }
      return all.some((r) => r.status === "fail") || all.length === 0 ? 1 : 0;
    },
  };
}
