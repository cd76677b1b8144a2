// Sets a few feature flags, reads those a request needs in one bulk get,
// pages through all of them as an admin page would, and removes them.
//
//   deno run -A examples/flags/main.ts [store]

import { openBackendFromArgs } from "../_backend.ts";
import { allFlags, deleteFlag, getFlags, listFlags, setFlag } from "./flags.ts";

await using kv = await openBackendFromArgs();

await setFlag(kv, "new-checkout", { enabled: true, percent: 10 }, "ada");
await setFlag(kv, "dark-mode", true, "grace");
await setFlag(kv, "banner", "Spring sale", "ada");
for (let i = 0; i < 7; i++) await setFlag(kv, `experiment-${i}`, i % 2 === 0, "lin");

const flags = await getFlags(kv, ["new-checkout", "dark-mode", "unknown"]);
console.log("this request's flags:", Object.fromEntries(flags));

const first = await listFlags(kv, { limit: 4 });
console.log("first page:", first.flags.map((flag) => flag.name), "next:", first.cursor);

console.log("every flag, 4 a page:");
for await (const flag of allFlags(kv, 4)) {
  console.log(`  ${flag.name.padEnd(14)} by ${flag.owner} at ${flag.updated}`);
  await deleteFlag(kv, flag.name);
}
