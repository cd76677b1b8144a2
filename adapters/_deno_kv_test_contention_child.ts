// Child of the contention test: one of several processes writing one file
// database at once. It writes its own keys and shared ones, small and
// chunked, and prints a JSON summary of its acknowledged writes. Any error
// exits non-zero.
//
//   deno run -A adapters/_deno_kv_test_contention_child.ts <path> <id> <writes>

import { createDenoKv, type DenoKvLike } from "./deno_kv.ts";
import { sequenced } from "./_deno_kv_test_values.ts";

const [path, id, writes] = Deno.args;
const db = await Deno.openKv(path);
// Counts the lock errors the adapter sees (and must hide from us).
let locked = 0;
const counting: DenoKvLike = {
  get: (key) => db.get(key as Deno.KvKey),
  getMany: (keys) => db.getMany(keys as Deno.KvKey[]),
  list: (selector, options) => db.list(selector as Deno.KvListSelector, options),
  atomic() {
    const op = db.atomic();
    const commit = op.commit.bind(op);
    op.commit = async () => {
      try {
        return await commit();
      } catch (error) {
        if (/database is locked/.test(String(error))) locked++;
        throw error;
      }
    };
    return op;
  },
};
const kv = createDenoKv(counting, { namespace: "contention" });
const own: Record<string, number> = {};
const start = Date.now();
for (let i = 0; i < Number(writes); i++) {
  const seq = Number(id) * 1_000_000 + i;
  if (i % 10 === 5) {
    // A shared key, chunked: exercises the owned entry under contention.
    await kv.put("shared-large", sequenced(seq, 70_000 + i));
  } else if (i % 10 === 3) {
    // A shared key, medium: its owned entry, guessed by every process.
    await kv.put("shared-medium", sequenced(seq, 2000 + i));
  } else if (i % 10 === 7) {
    await kv.put("shared-small", sequenced(seq, 64));
    await kv.delete(`p${id}-gone`);
  } else {
    const key = `p${id}-${i % 25}`;
    await kv.put(key, sequenced(seq, 32 + (i % 7)));
    own[key] = seq;
  }
}
await kv.close();
db.close();
console.log(JSON.stringify({ id, own, locked, ms: Date.now() - start }));
