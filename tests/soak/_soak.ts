// The soak workload, run by soak_test.ts in a process of its own (with
// --expose-gc, so heap figures are exact):
//
//   deno run -A --v8-flags=--expose-gc tests/soak/_soak.ts memory|deno-kv [ops]
//
// A mixed workload of puts (with and without TTLs), reads, bulk reads,
// list pages, deletes and clock moves on a fixed key space, checked
// against a model at every read. After a warm-up that fills the key space
// the live set is stable, so memory (the JS heap plus buffers) or the
// database file must stay flat. Prints one JSON line of figures.

import { createFakeClock } from "../../conformance/clock.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import { openDenoKv } from "../../adapters/deno_kv.ts";
import type { KvNamespaceHandle } from "../../types.ts";

const [target = "memory", opsText = "40000"] = Deno.args;
const OPS = Number(opsText);
const gc = (globalThis as unknown as { gc?: () => void }).gc;

let seed = 20261201;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];

const permanent = Array.from({ length: 1000 }, (_, i) => `p:${String(i).padStart(4, "0")}`);
const sessions = Array.from({ length: 4000 }, (_, i) => `s:${String(i).padStart(4, "0")}`);
const value = (n: number) => `${n}:`.padEnd(50 + (n % 200), "v");

const clock = createFakeClock();
const dir = await Deno.makeTempDir({ prefix: "kvkit-soak-" });
const file = `${dir}/soak.sqlite3`;
const kv: KvNamespaceHandle = target === "memory"
  ? createMemoryKv({ now: clock.now })
  : await openDenoKv(file, { now: clock.now });

/** What each key should read as: its value and expiration (ms), or absent. */
const model = new Map<string, { value: string; expiresMs?: number }>();
const live = (key: string) => {
  const entry = model.get(key);
  if (entry === undefined) return undefined;
  if (entry.expiresMs !== undefined && entry.expiresMs <= clock.now()) return undefined;
  return entry;
};

async function size(): Promise<number> {
  if (target === "memory") {
    for (let i = 0; i < 4; i++) gc?.();
    const { heapUsed, external } = Deno.memoryUsage();
    return heapUsed + external;
  }
  let bytes = 0;
  for await (const entry of Deno.readDir(dir)) {
    bytes += (await Deno.stat(`${dir}/${entry.name}`)).size;
  }
  return bytes;
}

function fail(message: string): never {
  throw new Error(`soak ${target}: ${message}`);
}

const samples: number[] = [];
let mismatches = 0;
let first = "";
const mismatch = (what: string) => {
  if (mismatches++ === 0) first = `step ${step}: ${what}`;
};
let step = 0;
for (; step < OPS; step++) {
  const roll = rand();
  if (roll < 0.3) {
    const key = pick(sessions);
    const ttl = 60 + Math.floor(rand() * 600);
    const text = value(step);
    await kv.put(key, text, { expirationTtl: ttl, metadata: { step } });
    model.set(key, { value: text, expiresMs: (Math.floor(clock.now() / 1000) + ttl) * 1000 });
  } else if (roll < 0.45) {
    const key = pick(permanent);
    const text = value(step);
    await kv.put(key, text);
    model.set(key, { value: text });
  } else if (roll < 0.75) {
    const key = rand() < 0.5 ? pick(sessions) : pick(permanent);
    const got = await kv.get(key);
    if (got !== (live(key)?.value ?? null)) mismatch(`get ${key}: ${got}`);
  } else if (roll < 0.82) {
    const keys = Array.from({ length: 20 }, () => pick(sessions));
    const got = await kv.get(keys);
    for (const key of keys) {
      if (got.get(key) !== (live(key)?.value ?? null)) mismatch(`bulk ${key}: ${got.get(key)}`);
    }
  } else if (roll < 0.87) {
    const prefix = `${pick(["p", "s"])}:${Math.floor(rand() * 10)}`;
    const page = await kv.list({ prefix, limit: 1000 });
    const expected = [...model.keys()].filter((k) => k.startsWith(prefix) && live(k)).sort();
    const names = page.keys.map((k) => k.name);
    if (names.join() !== expected.join()) mismatch(`list ${prefix}: ${names.length} keys`);
  } else if (roll < 0.95) {
    const key = rand() < 0.5 ? pick(sessions) : pick(permanent);
    await kv.delete(key);
    model.delete(key);
  } else {
    clock.advance(Math.floor(rand() * 30_000));
  }
  // After a warm-up of a quarter of the run, the live set is stable.
  if (step >= OPS / 4 && step % Math.floor(OPS / 16) === 0) samples.push(await size());
}
samples.push(await size());
await kv.close();
await Deno.remove(dir, { recursive: true });
if (mismatches > 0) fail(`${mismatches} reads did not match the model, first at ${first}`);
console.log(JSON.stringify({
  target,
  ops: step,
  samples,
  first: samples[0],
  last: samples[samples.length - 1],
  max: Math.max(...samples),
}));
