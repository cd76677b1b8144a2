// The IndexedDB adapter passes the conformance suite on Node, on
// fake-indexeddb, registered through node:test's describe/it.
import { describe, it } from "node:test";
import { testKv } from "../../conformance/mod.ts";
import { indexedDbTargets } from "../../adapters/_indexeddb_targets.ts";

for (const target of await indexedDbTargets()) {
  describe(`${target.name} adapter on Node`, () => {
    testKv(it, "", target.factory, target.options);
  });
}
