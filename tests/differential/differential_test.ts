// Differential testing against the oracle: random operation sequences run
// on Miniflare (real workerd KV, fake time, through createWorkersKv) and
// on every engine adapter, and every result must match, up to the named
// differences in _known.ts. A divergence is shrunk by fast-check and
// printed as a test to paste into replays_test.ts.
//
//   KVKIT_DIFF_RUNS=10000 deno test -A tests/differential/   (default 1000)
//   KVKIT_DIFF_SEED=123 ...                                  (replay a run)

import fc from "fast-check";
import { sequence } from "./_arbitraries.ts";
import { type Applied, KNOWN } from "./_known.ts";
import { Oracle } from "./_oracle.ts";
import type { Op } from "./_ops.ts";
import {
  check,
  describe,
  differentialTargets,
  disposeTargets,
  type Divergence,
  replay,
} from "./_runner.ts";

const runs = Number(Deno.env.get("KVKIT_DIFF_RUNS") ?? 1000);
const seedText = Deno.env.get("KVKIT_DIFF_SEED");
const targets = await differentialTargets();

Deno.test({
  name: `${targets.map((a) => a.name).join(", ")} match Miniflare on ${runs} random sequences`,
  // Miniflare's child process and sockets live across the whole property.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const oracle = await Oracle.start();
    const applied: Applied = new Map();
    let last: Divergence | undefined;
    // The first divergence seen, with its sequence: reported if the shrunk
    // sequence no longer diverges on replay (a divergence that depends on
    // timing, not only on the operations).
    let first: { divergence: Divergence; ops: Op[] } | undefined;
    try {
      const details = await fc.check(
        fc.asyncProperty(sequence, async (ops) => {
          last = await check(oracle, targets, ops, applied);
          if (last !== undefined) first ??= { divergence: last, ops };
          return last === undefined;
        }),
        {
          numRuns: runs,
          ...(seedText === undefined ? {} : { seed: Number(seedText) }),
        },
      );
      const summary = KNOWN.filter((k) => k.handling === "normalize")
        .map((k) => `${k.id}: ${applied.get(k.id) ?? 0}`)
        .join(", ");
      console.log(
        `differential: ${details.numRuns} sequences, seed ${details.seed}; normalized ${summary}`,
      );
      if (details.failed) {
        const ops = details.counterexample![0];
        // Run the shrunk sequence once more, so the report is its own.
        const divergence = await check(oracle, targets, ops, new Map()) ?? last;
        const text = divergence === undefined
          ? first === undefined
            ? `the property failed: ${details.errorInstance}`
            : `a sequence diverged once but not on replay (seed ${details.seed}):\n${
              describe(first.divergence)
            }\n\n${replay(first.divergence, first.ops)}\n`
          : `${
            describe(divergence)
          }\n\nReplay (seed ${details.seed}, path ${details.counterexamplePath}):\n\n${
            replay(divergence, ops)
          }\n`;
        throw new Error(text);
      }
    } finally {
      await oracle.dispose();
      await disposeTargets(targets);
    }
  },
});
