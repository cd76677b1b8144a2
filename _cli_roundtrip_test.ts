// Every store the registry knows, exported and imported into every other:
// kvkit import into a scratch store, export, compare; then that export
// imported into a scratch store of each other kind, exported, compared.
// The two 25 MiB values go through each store's own round trip and from
// each store to the next one (a ring), and are left out of the other
// pairs, which would otherwise take minutes. Stores come from the
// registry's `store.scratch()`; one that cannot run here is skipped with
// its reason, except under KVKIT_REQUIRE_SERVERS=1.

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { main } from "./cli.ts";
import { compareKeys } from "./keys.ts";
import { registry } from "./targets/mod.ts";
import type { ScratchStore, StoreEntry } from "./targets/_entry.ts";

const required = Deno.env.get("KVKIT_REQUIRE_SERVERS") === "1";
const expiration = Math.floor(Date.now() / 1000) + 86_400;
const MAX = 25 * 1024 * 1024;

type Base64 = Uint8Array & { toBase64(): string };
const base64 = (bytes: Uint8Array) => (bytes as Base64).toBase64();
const binary = new Uint8Array(MAX).map((_, i) => (i * 131 + (i >> 11)) % 256);
binary[0] = 0xff; // never UTF-8

/** What is imported, and (with TTLs made absolute) what every export must be. */
const FIXTURE = [
  { key: "text", value: "héllo wörld ✓", metadata: { lang: "de", n: [1, 2.5, null] } },
  { key: "binary", value: base64(new Uint8Array([0, 255, 1, 254, 0xc3])), base64: true },
  { key: "expires", value: "later", expiration },
  { key: "\uFEFFbom", value: "\uFEFFleading BOM", metadata: "a string" },
  { key: "\uFEFF\uFEFFtwo", value: "two BOMs", metadata: 42 },
  { key: "emoji 😀🎉", value: "🎉", metadata: [true] },
  { key: "empty", value: "" },
  { key: "medium", value: "m".repeat(100_000), expiration },
  { key: "k".repeat(512), value: "longest key" },
  { key: "max text", value: "x".repeat(MAX) },
  { key: "max binary", value: base64(binary), base64: true, metadata: { size: MAX } },
].sort((a, b) => compareKeys(a.key, b.key));

/** The entries whose values are 25 MiB. */
const LARGE = new Set(["max text", "max binary"]);
const withoutLarge = (dump: { key: string }[]) => dump.filter((e) => !LARGE.has(e.key));

interface Scratch extends ScratchStore {
  name: string;
}

async function withEnv<T>(
  env: Record<string, string> | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const saved = Object.keys(env ?? {}).map((k) => [k, Deno.env.get(k)] as const);
  for (const [k, v] of Object.entries(env ?? {})) Deno.env.set(k, v);
  try {
    return await fn();
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
}

async function kvkit(store: Scratch, ...args: string[]): Promise<void> {
  const code = await withEnv(store.env, () => main([...args, "--quiet"]));
  if (code !== 0) throw new Error(`kvkit ${args.join(" ")} exited ${code}`);
}

/** A scratch store of `entry`, or why there is none here. */
async function scratch(entry: StoreEntry): Promise<Scratch | string> {
  if (entry.scratch === undefined) return "its registry entry has no store.scratch()";
  const made = await entry.scratch();
  if ("unavailable" in made) return made.unavailable;
  return { ...made, name: entry.scheme };
}

const stores: StoreEntry[] = [];
for (const entry of registry) {
  if (entry.store === undefined) continue;
  const probe = await scratch(entry.store);
  if (typeof probe === "string") {
    if (required) throw new Error(`store ${entry.store.scheme} is required here but ${probe}`);
    console.log(`kvkit: skipping store ${entry.store.scheme} in the round trips: ${probe}`);
    continue;
  }
  await probe.dispose();
  stores.push(entry.store);
}

const dir = await Deno.makeTempDir({ prefix: "kvkit-roundtrip-" });
const fixturePath = `${dir}/fixture.json`;
await Deno.writeTextFile(fixturePath, JSON.stringify(FIXTURE));

async function dumpOf(path: string): Promise<unknown> {
  return JSON.parse(await Deno.readTextFile(path));
}

for (const [i, from] of stores.entries()) {
  const next = stores[(i + 1) % stores.length];
  Deno.test({
    name:
      `${from.scheme}: an import exports as it went in, and imports into every other store the same`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async (t) => {
      const source = (await scratch(from)) as Scratch;
      const exported = `${dir}/${from.scheme}.json`;
      const small = `${dir}/${from.scheme}-small.json`;
      try {
        await kvkit(source, "import", source.spec, fixturePath);
        await kvkit(source, "export", source.spec, exported);
        const dump = await dumpOf(exported) as { key: string }[];
        assertEquals(dump, FIXTURE);
        await Deno.writeTextFile(small, JSON.stringify(withoutLarge(dump)));
      } finally {
        await source.dispose();
      }
      for (const to of stores) {
        if (to === from) continue;
        const large = to === next;
        await t.step(`into ${to.scheme}${large ? ", 25 MiB values included" : ""}`, async () => {
          const target = (await scratch(to)) as Scratch;
          const back = `${dir}/${from.scheme}-${to.scheme}.json`;
          try {
            await kvkit(target, "import", target.spec, large ? exported : small);
            await kvkit(target, "export", target.spec, back);
            assertEquals(await dumpOf(back), large ? FIXTURE : withoutLarge(FIXTURE));
          } finally {
            await target.dispose();
            await Deno.remove(back).catch(() => {});
          }
        });
      }
    },
  });
}

Deno.test({
  name: "round trips: clean up",
  fn: () => Deno.remove(dir, { recursive: true }),
});
