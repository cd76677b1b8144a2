// Child of the crash test: overwrites three keys of a file database with
// multi-megabyte values, printing "ack <key> <seq>" after each put resolves,
// until the parent SIGKILLs it.
//
//   deno run -A adapters/_deno_kv_test_crash_child.ts <path> <first-seq>

import { openDenoKv } from "./deno_kv.ts";
import { crashSize, sequenced } from "./_deno_kv_test_values.ts";

const [path, first] = Deno.args;
const kv = await openDenoKv(path, { namespace: "crash" });
const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
out("ready");
for (let seq = Number(first);; seq++) {
  const key = `k${seq % 3}`;
  await kv.put(key, sequenced(seq, crashSize(seq)));
  out(`ack ${key} ${seq}`);
}
