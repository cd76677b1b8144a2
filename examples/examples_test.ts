// The examples, unchanged, on every registry target that runs on Deno:
// each scenario of examples/_scenarios.ts on a fresh namespace of each
// target, on the target's fake clock. Targets that cannot run here (a
// server that is not configured) are skipped with their reason.

import { ok as assert } from "node:assert/strict";
import { registry, type RegistryTarget, targetsOf } from "../targets/mod.ts";
import { type Scenario, scenarios } from "./_scenarios.ts";

const targets = await targetsOf(registry, "deno");

async function run(target: RegistryTarget, scenario: Scenario): Promise<void> {
  // A clock case gets a namespace on a fake clock (on Miniflare, one in
  // its test mode, which the other scenarios have no need for).
  const fixture = await target.factory({
    id: scenario.id,
    area: "get",
    name: scenario.name,
    tags: scenario.clock ? ["clock"] : [],
  });
  try {
    const advance = fixture.advanceTime;
    assert(!scenario.clock || advance !== undefined, `${target.name} has no clock to advance`);
    await scenario.run(fixture.kv, (ms) => advance!(ms));
  } finally {
    await fixture.close?.();
  }
}

for (const target of targets) {
  // Targets that keep a server or a file open across cases outlive each test.
  const sanitize = target.sharesResources !== true;
  for (const scenario of scenarios) {
    Deno.test({
      name: `examples on ${target.name}: ${scenario.name}`,
      sanitizeOps: sanitize,
      sanitizeResources: sanitize,
      fn: () => run(target, scenario),
    });
  }
}

for (const target of targets) {
  if (target.dispose === undefined) continue;
  Deno.test({
    name: `examples on ${target.name}: dispose() releases what the target shares`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => target.dispose!(),
  });
}

/** Runs `deno run -A examples/<example>/main.ts ...args` from the repository root. */
async function runMain(example: string, ...args: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `examples/${example}/main.ts`, ...args],
    cwd: new URL("../", import.meta.url),
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

const MAIN_OUTPUT: Record<string, RegExp[]> = {
  sessions: [/^laptop renewed: true$/m, /^phone after sign-out: null$/m, /ended: 1$/m],
  flags: [/"dark-mode": true/, /unknown: null/, /^ {2}new-checkout +by ada at \d{4}-/m],
  cache: [/^report, hit : \d+ ms$/m, /^same report: true/m, /^same bytes: true Uint8Array 64$/m],
};

for (const [example, expected] of Object.entries(MAIN_OUTPUT)) {
  Deno.test(`examples/${example}/main.ts runs on the default store, memory`, async () => {
    const { code, stdout, stderr } = await runMain(example);
    assert(code === 0, `exit ${code}: ${stderr}`);
    for (const line of expected) assert(line.test(stdout), `${line} in:\n${stdout}`);
  });
}

Deno.test("a main given an unknown store prints the stores it knows and exits with 2", async () => {
  const { code, stderr } = await runMain("cache", "nowhere");
  assert(code === 2, `exit ${code}`);
  assert(stderr.startsWith('unknown store "nowhere"\nstore (default memory):'), stderr);
  assert(stderr.includes("pglite[:<dir>]"), stderr);
});

Deno.test("the examples are not published with the package", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  const include: string[] = config.publish.include;
  assert(include.length > 0, "deno.json lists what it publishes");
  for (const pattern of include) {
    assert(!pattern.startsWith("examples") && !pattern.startsWith("**"), pattern);
  }
});
