// Every registry target that runs on Node passes the conformance suite,
// registered through node:test's describe/it, the call shape of
// @std/testing/bdd.
import { after, describe, it } from "node:test";
import { testKv } from "../../conformance/runner.ts";
import { registry } from "../../targets/mod.ts";

for (const entry of registry) {
  for (const target of await entry.targets()) {
    if (!target.runtimes.includes("node")) continue;
    describe(`${target.name} on Node`, () => {
      if (target.dispose !== undefined) after(() => target.dispose!());
      testKv(it, "", target.factory, target.options);
    });
  }
}
