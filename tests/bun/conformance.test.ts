// Every registry target that runs on Bun passes the conformance suite,
// under Bun's own test runner.
import { afterAll, describe, it } from "bun:test";
import { testKv } from "../../conformance/runner.ts";
import { registry, targetsOf } from "../../targets/mod.ts";

for (const target of await targetsOf(registry, "bun")) {
  describe(`${target.name} under bun:test`, () => {
    if (target.dispose !== undefined) afterAll(() => target.dispose!());
    testKv(it, "", target.factory, target.options);
  });
}
