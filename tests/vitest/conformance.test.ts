// The conformance suite registered through vitest's describe/it, the same
// call shape as @std/testing/bdd, on the registry's memory target: this run
// checks the runner's shape, the Node run checks every adapter.
import { describe, it } from "vitest";
import { testKv } from "../../conformance/runner.ts";
import { registry } from "../../targets/mod.ts";

const memory = registry.find((entry) => entry.name === "memory")!;
for (const target of await memory.targets()) {
  describe(`${target.name} under vitest`, () => {
    testKv(it, "", target.factory, target.options);
  });
}
