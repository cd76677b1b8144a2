import { createFakeClock, testKv } from "../conformance/mod.ts";
import { createMemoryKv } from "./memory.ts";

testKv(Deno.test, "memory", () => {
  const clock = createFakeClock();
  return {
    kv: createMemoryKv({ now: clock.now }),
    now: clock.now,
    advanceTime: clock.advance,
  };
});
