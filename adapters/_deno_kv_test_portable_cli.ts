// The Deno side of the cross-runtime test, run by
// tests/node/deno_kv_portable_test.ts:
//
//   deno run -A adapters/_deno_kv_test_portable_cli.ts write|verify <path>

import { createFakeClock } from "../conformance/clock.ts";
import { openDenoKv } from "./deno_kv.ts";
import {
  NAMESPACE,
  PORTABLE_NOW,
  verifyPortable,
  writePortable,
} from "./_deno_kv_test_portable.ts";

const [command, path] = Deno.args;
const clock = createFakeClock(PORTABLE_NOW);
await using kv = await openDenoKv(path, {
  namespace: NAMESPACE,
  now: clock.now,
});
if (command === "write") await writePortable(kv);
else await verifyPortable(kv, clock.advance);
