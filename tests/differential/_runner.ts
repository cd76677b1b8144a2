// Runs operation sequences on the oracle and on every registry target
// that the differential tests compare, and prints a divergence as a
// ready-to-paste test.

import type { CaseInfo } from "../../conformance/case.ts";
import { registry, type RegistryTarget, targetsOf } from "../../targets/mod.ts";
import { type Applied, compare } from "./_known.ts";
import { execute, type Op, type Outcome, type RunState } from "./_ops.ts";
import { Oracle, START_MS } from "./_oracle.ts";

/** What a sequence's fixture is made for, as far as a factory asks. */
const SEQUENCE: CaseInfo = {
  id: "differential",
  area: "get",
  name: "a random sequence",
  tags: ["clock"],
};

/** Every Deno target of the registry that is not the oracle itself. */
export async function differentialTargets(): Promise<RegistryTarget[]> {
  return (await targetsOf(registry, "deno")).filter((target) => target.differential !== false);
}

/** Releases what the targets share (a file). */
export async function disposeTargets(targets: readonly RegistryTarget[]): Promise<void> {
  for (const target of targets) await target.dispose?.();
}

/** Runs a sequence on one target, on a fresh fixture whose clock starts at {@linkcode START_MS}. */
export async function runOnTarget(target: RegistryTarget, ops: Op[]): Promise<Outcome[]> {
  const fixture = await target.factory(SEQUENCE);
  const outcomes: Outcome[] = [];
  try {
    const state: RunState = { now: fixture.now!(), cursors: {} };
    if (state.now !== START_MS) throw new Error(`${target.name}'s clock starts at ${state.now}`);
    for (const op of ops) {
      if (op.op === "advance") {
        await fixture.advanceTime!(op.ms);
        state.now = fixture.now!();
        outcomes.push({ ok: { $: "undefined" } });
      } else outcomes.push(await execute(fixture.kv, op, state));
    }
  } finally {
    await fixture.close?.();
  }
  return outcomes;
}

/** The first divergence of a sequence, for a report. */
export interface Divergence {
  adapter: string;
  index: number;
  op: Op;
  oracle: Outcome;
  actual: Outcome;
}

/**
 * Runs a sequence on the oracle and on each adapter and returns the first
 * divergence, if any.
 */
export async function check(
  oracle: Oracle,
  targets: readonly RegistryTarget[],
  ops: Op[],
  applied: Applied,
): Promise<Divergence | undefined> {
  const expected = await oracle.run(ops);
  for (const target of targets) {
    const actual = await runOnTarget(target, ops);
    const index = compare(ops, expected, actual, applied);
    if (index >= 0) {
      return {
        adapter: target.name,
        index,
        op: ops[index],
        oracle: expected[index],
        actual: actual[index],
      };
    }
  }
  return undefined;
}

/** JSON with every non-ASCII character escaped, so replays paste cleanly. */
export function source(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code > 0xffff
      ? `\\u{${code.toString(16).toUpperCase()}}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
  });
}

/** A divergence as text: which call, and both results. */
export function describe(divergence: Divergence): string {
  return [
    `${divergence.adapter} diverges from Miniflare at operation ${divergence.index}: ${
      source(divergence.op)
    }`,
    `  Miniflare: ${source(divergence.oracle)}`,
    `  ${divergence.adapter}: ${source(divergence.actual)}`,
  ].join("\n");
}

/** A shrunk failing sequence as a Deno test to paste into replays_test.ts. */
export function replay(divergence: Divergence, ops: Op[]): string {
  // Later operations cannot matter.
  const lines = ops.slice(0, divergence.index + 1).map((op) => `    ${source(op)},`);
  return [
    `Deno.test(${
      source(`${divergence.adapter} matches Miniflare: ${divergence.op.op} #${divergence.index}`)
    }, async () => {`,
    `  await assertMatchesOracle(${source(divergence.adapter)}, [`,
    ...lines,
    "  ]);",
    "});",
  ].join("\n");
}

let shared: Promise<Oracle> | undefined;

/** The oracle shared by replays in one test file. */
export function sharedOracle(): Promise<Oracle> {
  shared ??= Oracle.start();
  return shared;
}

let sharedTargets: Promise<RegistryTarget[]> | undefined;

/** Stops the shared oracle and releases the shared targets. */
export async function stopSharedOracle(): Promise<void> {
  const oracle = shared;
  shared = undefined;
  if (oracle !== undefined) await (await oracle).dispose();
  const targets = sharedTargets;
  sharedTargets = undefined;
  if (targets !== undefined) await disposeTargets(await targets);
}

/**
 * Fails unless the named registry target gives the oracle's result for every
 * operation of the sequence, and exactly the named normalizations (from
 * _known.ts) were needed. For replays of past divergences.
 */
export async function assertMatchesOracle(
  adapterName: string,
  ops: Op[],
  normalized: string[] = [],
): Promise<void> {
  sharedTargets ??= differentialTargets();
  const target = (await sharedTargets).find((t) => t.name === adapterName);
  if (target === undefined) throw new Error(`unknown target ${adapterName}`);
  const applied: Applied = new Map();
  const divergence = await check(await sharedOracle(), [target], ops, applied);
  if (divergence !== undefined) throw new Error(describe(divergence));
  const used = [...applied.keys()].sort().join(", ");
  if (used !== [...normalized].sort().join(", ")) {
    throw new Error(`expected normalizations [${normalized.join(", ")}], applied [${used}]`);
  }
}
