// Runs operation sequences on the oracle and on kvkit's engine adapters,
// compares every result, and prints a divergence as a ready-to-paste test.

import "fake-indexeddb/auto";
import { IDBFactory } from "fake-indexeddb";
import { openDenoKv } from "../../adapters/deno_kv.ts";
import { createIndexedDbKv } from "../../adapters/indexeddb.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import { createFakeClock } from "../../conformance/clock.ts";
import type { KvNamespaceHandle } from "../../types.ts";
import { type Applied, compare } from "./_known.ts";
import { execute, type Op, type Outcome, type RunState } from "./_ops.ts";
import { Oracle, START_MS } from "./_oracle.ts";

/** An engine adapter under test, opened fresh for every sequence. */
export interface EngineAdapter {
  /** The name used in reports and replays. */
  name: string;
  /** Opens an empty namespace on the given clock. */
  open(now: () => number): Promise<KvNamespaceHandle>;
}

let databases = 0;

/** Every engine adapter kvkit ships. */
export const ADAPTERS: readonly EngineAdapter[] = [
  { name: "memory", open: (now) => Promise.resolve(createMemoryKv({ now })) },
  { name: "deno-kv", open: (now) => openDenoKv(":memory:", { now }) },
  {
    name: "indexeddb",
    open: (now) =>
      Promise.resolve(
        createIndexedDbKv({ name: `diff-${databases++}`, indexedDB: new IDBFactory(), now }),
      ),
  },
];

/** Runs a sequence on one engine adapter from {@linkcode START_MS}. */
export async function runOnAdapter(adapter: EngineAdapter, ops: Op[]): Promise<Outcome[]> {
  const clock = createFakeClock(START_MS);
  const kv = await adapter.open(clock.now);
  const state: RunState = { now: START_MS, cursors: {} };
  const outcomes: Outcome[] = [];
  try {
    for (const op of ops) {
      if (op.op === "advance") {
        clock.advance(op.ms);
        state.now = clock.now();
        outcomes.push({ ok: { $: "undefined" } });
      } else outcomes.push(await execute(kv, op, state));
    }
  } finally {
    await kv.close();
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
  adapters: readonly EngineAdapter[],
  ops: Op[],
  applied: Applied,
): Promise<Divergence | undefined> {
  const expected = await oracle.run(ops);
  for (const adapter of adapters) {
    const actual = await runOnAdapter(adapter, ops);
    const index = compare(ops, expected, actual, applied);
    if (index >= 0) {
      return {
        adapter: adapter.name,
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

/** Stops the shared oracle. */
export async function stopSharedOracle(): Promise<void> {
  const oracle = shared;
  shared = undefined;
  if (oracle !== undefined) await (await oracle).dispose();
}

/**
 * Fails unless the named adapter gives the oracle's result for every
 * operation of the sequence, and exactly the named normalizations (from
 * _known.ts) were needed. For replays of past divergences.
 */
export async function assertMatchesOracle(
  adapterName: string,
  ops: Op[],
  normalized: string[] = [],
): Promise<void> {
  const adapter = ADAPTERS.find((a) => a.name === adapterName);
  if (adapter === undefined) throw new Error(`unknown adapter ${adapterName}`);
  const applied: Applied = new Map();
  const divergence = await check(await sharedOracle(), [adapter], ops, applied);
  if (divergence !== undefined) throw new Error(describe(divergence));
  const used = [...applied.keys()].sort().join(", ");
  if (used !== [...normalized].sort().join(", ")) {
    throw new Error(`expected normalizations [${normalized.join(", ")}], applied [${used}]`);
  }
}
