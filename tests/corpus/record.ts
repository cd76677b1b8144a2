// Records workerd's answers to the corpus: bundles ./_worker.ts, runs it
// under Miniflare with one KV namespace on Miniflare's fake clock (at
// FAKE_TIME), and writes ./workerd.json.
//
//   deno run -A tests/corpus/record.ts

import { sendControlOp, startMiniflare } from "../../adapters/_miniflare_control.ts";
import { bundle } from "../_bundle.ts";
import { FAKE_TIME } from "./_inputs.ts";
import type { Outcome } from "./_run.ts";

const NAMESPACE = "corpus";
const BATCH = 25;

const script = await bundle(new URL("./_worker.ts", import.meta.url), "workerd");
const mf = startMiniflare({
  modules: true,
  script,
  compatibilityDate: "2026-04-01",
  kvNamespaces: { KV: NAMESPACE },
});
const outcomes: Record<string, Outcome> = {};
try {
  let count = Infinity;
  for (let from = 0; from < count; from += BATCH) {
    // Every batch starts on the fake clock: it would be lost if Miniflare
    // evicted the idle namespace object between batches.
    await sendControlOp(mf, NAMESPACE, "enableFakeTimers", [FAKE_TIME]);
    const response = await mf.dispatchFetch(`http://corpus/run?from=${from}&to=${from + BATCH}`);
    if (!response.ok) throw new Error(`${response.status} ${await response.text()}`);
    const batch = await response.json() as {
      userAgent: string;
      count: number;
      outcomes: Record<string, Outcome>;
    };
    if (batch.userAgent !== "Cloudflare-Workers") throw new Error(`ran in ${batch.userAgent}`);
    count = batch.count;
    Object.assign(outcomes, batch.outcomes);
  }
} finally {
  await mf.dispose();
}

const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
const fixture = {
  recorded: `${config.imports.miniflare} (workerd's raw binding, inside workerd)`,
  fakeTime: FAKE_TIME,
  outcomes,
};
const path = new URL("./workerd.json", import.meta.url).pathname;
await Deno.writeTextFile(path, JSON.stringify(fixture, null, 2) + "\n");
const fmt = await new Deno.Command(Deno.execPath(), { args: ["fmt", "-q", path] }).output();
if (!fmt.success) throw new Error(new TextDecoder().decode(fmt.stderr));
console.log(`recorded ${Object.keys(outcomes).length} inputs in ${path}`);
