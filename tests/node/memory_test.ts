// The memory adapter passes the conformance suite on Node, registered
// through node:test's describe/it, the call shape of @std/testing/bdd.
import { describe, it } from "node:test";
import { createFakeClock, testKv } from "../../conformance/mod.ts";
import { createMemoryKv } from "../../adapters/memory.ts";

describe("memory adapter on Node", () => {
  testKv(it, "", () => {
    const clock = createFakeClock();
    return {
      kv: createMemoryKv({ now: clock.now }),
      now: clock.now,
      advanceTime: clock.advance,
    };
  });
});
