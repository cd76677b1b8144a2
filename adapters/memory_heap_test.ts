// Memory held follows live data: expired records nothing reads are given
// back, and deleted values free their bytes. Each scenario runs in a fresh
// process with --expose-gc (_memory_test_heap.ts) so heap figures are its
// own.

import { ok as assert } from "node:assert/strict";

async function measure(scenario: string): Promise<Record<string, number>> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_memory_test_heap.ts", import.meta.url).pathname,
      scenario,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  const figures = JSON.parse(new TextDecoder().decode(stdout));
  console.log(scenario, JSON.stringify(figures));
  return figures;
}

const MiB = 1024 * 1024;

Deno.test("200k expired sessions nobody reads are given back by an hour of other traffic", async () => {
  const { base, full, after } = await measure("ttl");
  assert(full - base > 20 * MiB, `the sessions took room: ${(full - base) / MiB} MiB`);
  assert(after - base < 4 * MiB, `held after an hour: ${(after - base) / MiB} MiB`);
});

Deno.test("after deleting 7 of 8 values, the store holds at most twice a fresh one with the rest", async () => {
  const { held, fresh } = await measure("delete");
  assert(held <= 2 * fresh, `held ${held / MiB} MiB for ${fresh / MiB} MiB of live values`);
});
