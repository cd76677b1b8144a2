// The conformance suite registered through vitest's describe/it, the same
// call shape as @std/testing/bdd.
import { describe, it } from "vitest";
import { createFakeClock, testKv } from "../../conformance/mod.ts";
import { createMemoryKv } from "../../adapters/memory.ts";

describe("memory adapter under vitest", () => {
  testKv(it, "", () => {
    const clock = createFakeClock();
    return { kv: createMemoryKv({ now: clock.now }), now: clock.now, advanceTime: clock.advance };
  });
});
