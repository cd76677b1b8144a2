// Child of the crash test: overwrites three keys of a file database with
// multi-megabyte values, printing "ack <key> <seq>" after each put resolves,
// until the parent SIGKILLs it.
//
//   deno run -A tests/deno_kv/_crash_child.ts <path> <first-seq>

import { openDenoKv } from "../../adapters/deno_kv.ts";
import { crashSize, sequenced } from "./_values.ts";

const [path, first] = Deno.args;
const kv = await openDenoKv(path, { namespace: "crash" });
const out = (line: string) => Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
out("ready");
for (let seq = Number(first);; seq++) {
  const key = `k${seq % 3}`;
  await kv.put(key, sequenced(seq, crashSize(seq)));
  out(`ack ${key} ${seq}`);
}
