// The data set of the cross-runtime test: written by one runtime (Deno or
// Node with @deno/kv) into a file database, verified by the other.

import type { KvNamespace } from "../types.ts";

/** The writer's and the reader's clock: a fixed instant in 2030. */
export const PORTABLE_NOW = 1_900_000_000_000;
export const NAMESPACE = "portable";

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 13 + (i >> 10)) & 255;
  return out;
}

const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
const large = bytes(3 * 1024 * 1024 + 17, 5);
const expiration = PORTABLE_NOW / 1000 + 86_400;

/** Writes the data set. */
export async function writePortable(kv: KvNamespace): Promise<void> {
  await kv.put("text", "héllo wörld \u{1F600} \u0000 end");
  await kv.put("empty", "");
  await kv.put("binary", allBytes);
  await kv.put("json", JSON.stringify({ a: [1, 2, { b: null }] }), {
    metadata: { owner: "ada", n: 1.5 },
  });
  await kv.put("expiring", "soon", { expiration, metadata: "falsy-safe" });
  await kv.put("ttl", "an hour", { expirationTtl: 3600 });
  await kv.put("large", large, {
    metadata: { big: true },
    expirationTtl: 7200,
  });
  await kv.put("large-forever", bytes(200_000, 9));
  await kv.put("medium", bytes(20_000, 3), { metadata: [1, "two"] });
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`portable data: ${message}`);
}

function sameBytes(a: ArrayBuffer | null, b: Uint8Array): boolean {
  if (a === null || a.byteLength !== b.byteLength) return false;
  const view = new Uint8Array(a);
  for (let i = 0; i < b.byteLength; i++) if (view[i] !== b[i]) return false;
  return true;
}

/**
 * Verifies the data set; `advance` moves the reader's clock so that the
 * expiring keys are checked to expire exactly on time.
 */
export async function verifyPortable(
  kv: KvNamespace,
  advance: (ms: number) => void,
): Promise<void> {
  check(await kv.get("text") === "héllo wörld \u{1F600} \u0000 end", "text");
  check(await kv.get("empty") === "", "empty");
  check(sameBytes(await kv.get("binary", "arrayBuffer"), allBytes), "binary");
  const json = await kv.getWithMetadata<
    { a: unknown[] },
    { owner: string; n: number }
  >("json", "json");
  check(JSON.stringify(json.value) === '{"a":[1,2,{"b":null}]}', "json value");
  check(
    json.metadata?.owner === "ada" && json.metadata.n === 1.5,
    "json metadata",
  );
  const big = await kv.getWithMetadata<{ big: boolean }>(
    "large",
    "arrayBuffer",
  );
  check(sameBytes(big.value, large), "large value");
  check(big.metadata?.big === true, "large metadata");
  check(
    sameBytes(await kv.get("large-forever", "arrayBuffer"), bytes(200_000, 9)),
    "large-forever",
  );
  const mid = await kv.getWithMetadata<number[]>("medium", "arrayBuffer");
  check(sameBytes(mid.value, bytes(20_000, 3)), "medium value");
  check(JSON.stringify(mid.metadata) === '[1,"two"]', "medium metadata");
  const listed = await kv.list();
  const expected = JSON.stringify([
    { name: "binary" },
    { name: "empty" },
    { name: "expiring", expiration, metadata: "falsy-safe" },
    { name: "json", metadata: { owner: "ada", n: 1.5 } },
    {
      name: "large",
      expiration: PORTABLE_NOW / 1000 + 7200,
      metadata: { big: true },
    },
    { name: "large-forever" },
    { name: "medium", metadata: [1, "two"] },
    { name: "text" },
    { name: "ttl", expiration: PORTABLE_NOW / 1000 + 3600 },
  ]);
  check(
    JSON.stringify(listed.keys) === expected,
    `list: ${JSON.stringify(listed.keys)}`,
  );
  advance(3600 * 1000 - 1);
  check(await kv.get("ttl") === "an hour", "ttl alive 1 ms before expiry");
  advance(1);
  check(await kv.get("ttl") === null, "ttl expired on time");
  advance(3600 * 1000);
  check(await kv.get("large") === null, "large expired on time");
  check((await kv.list()).keys.length === 7, "expired keys leave the listing");
}
