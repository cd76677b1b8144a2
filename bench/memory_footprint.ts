// Bytes per key of the memory adapter against a Map<string, string> of the
// same data, at 1M keys (distinct keys, distinct 100-character values).
// Each structure builds its own strings, in a fresh heap measurement, and
// is kept alive past the measurement.
//
//   deno run -A --v8-flags=--expose-gc bench/memory_footprint.ts [--keys=1000000]

import { createMemoryKv } from "../adapters/memory.ts";

const gc = (globalThis as unknown as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const n = Number(Deno.args.find((a) => a.startsWith("--keys="))?.slice(7) ?? 1_000_000);
// Flat strings, as data read from a file or the network would be: V8 keeps
// concatenations as trees until something (a regular expression) flattens
// them, which would make the two sides hold different shapes.
const flat = (text: string) => (/^/.test(text), text);
const key = (i: number) =>
  flat(`user:${String(i).padStart(7, "0")}:${(i * 2654435761 >>> 0).toString(36)}`);
const value = (i: number) => flat(`${i}:`.padEnd(100, (i * 40503 >>> 0).toString(36)));

function used(): number {
  for (let i = 0; i < 4; i++) gc!();
  const { heapUsed, external } = Deno.memoryUsage();
  return heapUsed + external;
}

const before = used();
const map = new Map<string, string>();
for (let i = 0; i < n; i++) map.set(key(i), value(i));
const mapBytes = used() - before;
if (map.get(key(7)) !== value(7)) throw new Error("lost");
map.clear();

const before2 = used();
const kv = createMemoryKv();
for (let i = 0; i < n; i++) await kv.put(key(i), value(i));
const kvBytes = used() - before2;
if (await kv.get(key(7)) !== value(7)) throw new Error("lost");

console.log(JSON.stringify({
  keys: n,
  mapBytesPerKey: Math.round(mapBytes / n),
  kvkitBytesPerKey: Math.round(kvBytes / n),
  ratio: Number((kvBytes / mapBytes).toFixed(2)),
}));
