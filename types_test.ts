// Compile-time proof that kvkit's KvNamespace and Cloudflare's KVNamespace
// fit each other, and that wrong uses do not compile. `deno check` (part
// of `deno task check`) type-checks this file; the test itself only
// confirms the file loaded.
import type { KVNamespace } from "@cloudflare/workers-types/index.ts";
import type { KvNamespace } from "./mod.ts";
import { createMemoryKv } from "./adapters/memory.ts";

function acceptsKvkit(kv: KvNamespace): KvNamespace {
  return kv;
}
function acceptsCloudflare(kv: KVNamespace): KVNamespace {
  return kv;
}

// A real binding type is a kvkit namespace...
export function bindingIsKvkit(binding: KVNamespace): KvNamespace {
  return acceptsKvkit(binding);
}
// ...and every kvkit adapter is a binding.
export function memoryIsBinding(): KVNamespace {
  return acceptsCloudflare(createMemoryKv());
}

export async function typedUses(kv: KvNamespace): Promise<void> {
  const text: string | null = await kv.get("k");
  const json: { a: number } | null = await kv.get<{ a: number }>("k", "json");
  const bytes: ArrayBuffer | null = await kv.get("k", "arrayBuffer");
  const stream: ReadableStream | null = await kv.get("k", { type: "stream" });
  const bulk: Map<string, string | null> = await kv.get(["a", "b"]);
  const bulkJson: Map<string, number | null> = await kv.get<number>(
    ["a"],
    "json",
  );
  const meta = await kv.getWithMetadata<{ v: number }>("k");
  const version: number | undefined = meta.metadata?.v;
  const page = await kv.list<{ v: number }>({ prefix: "p", limit: 10 });
  const cursor: string | undefined = page.list_complete ? undefined : page.cursor;
  await kv.put("k", new Uint8Array(1), {
    expirationTtl: 60,
    metadata: { v: 1 },
  });
  void [text, json, bytes, stream, bulk, bulkJson, version, cursor];

  // @ts-expect-error: bulk get has no arrayBuffer form
  await kv.get(["a"], "arrayBuffer");
  // @ts-expect-error: not a value type
  await kv.get("k", "blob");
  // @ts-expect-error: objects are not values
  await kv.put("k", { a: 1 });
  // @ts-expect-error: the TTL is a number of seconds
  await kv.put("k", "v", { expirationTtl: "60" });
  // @ts-expect-error: a complete page has no cursor
  if (page.list_complete) page.cursor;
  // @ts-expect-error: text is a string, not a number
  const wrong: number | null = await kv.get("k");
  void wrong;
}

Deno.test("KvNamespace and Cloudflare's KVNamespace are assignable both ways", () => {
  // The assertions above are checked by the type checker when this file
  // is type-checked; reaching here means they all held.
  if (typeof bindingIsKvkit !== "function") throw new Error("unreachable");
});
