// Every registry target that runs on Node passes the conformance suite,
// registered through node:test's describe/it, the call shape of
// @std/testing/bdd.
import { after, describe, it } from "node:test";
import { testKv } from "../../conformance/runner.ts";
import { registry, targetsOf } from "../../targets/mod.ts";

for (const target of await targetsOf(registry, "node")) {
  describe(`${target.name} on Node`, () => {
    if (target.dispose !== undefined) after(() => target.dispose!());
    testKv(it, "", target.factory, target.options);
  });
}
