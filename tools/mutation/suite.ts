// The test command of `deno task mutation`: the conformance suite alone,
// on the memory adapter alone, so that a mutant of the engine or of the
// memory adapter survives unless some conformance case notices it.

import { clockFixture, testKv } from "../../conformance/mod.ts";
import { createMemoryKv } from "../../adapters/memory.ts";

testKv(
  Deno.test,
  "memory",
  () => clockFixture((now) => createMemoryKv({ now })),
);
