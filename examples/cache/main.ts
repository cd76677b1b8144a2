// Puts a cache in front of a slow function: the first call takes the slow
// path, the next ones read the stored result, for JSON and for bytes.
//
//   deno run -A examples/cache/main.ts [store]

import { openBackendFromArgs } from "../_backend.ts";
import { cached, invalidate } from "./cache.ts";

await using kv = await openBackendFromArgs();

/** A report that takes half a second to compute. */
async function slowReport() {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return { generated: new Date().toISOString(), rows: [3, 1, 4, 1, 5] };
}

/** A thumbnail's bytes, slowly. */
async function slowThumbnail() {
  await new Promise((resolve) => setTimeout(resolve, 500));
  return crypto.getRandomValues(new Uint8Array(64));
}

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  console.log(`${label}: ${(performance.now() - start).toFixed(0)} ms`);
  return result;
}

const first = await timed("report, miss", () => cached(kv, "report", 300, slowReport));
const again = await timed("report, hit ", () => cached(kv, "report", 300, slowReport));
console.log("same report:", first.generated === again.generated, again);

const bytes = await timed("thumb, miss ", () => cached(kv, "thumb", 300, slowThumbnail));
const stored = await timed("thumb, hit  ", () => cached(kv, "thumb", 300, slowThumbnail));
console.log("same bytes:", bytes.join() === stored.join(), stored.constructor.name, stored.length);

await invalidate(kv, "report");
await invalidate(kv, "thumb");
