// createWorkersKv on Node: a Buffer, Node's own Uint8Array subclass, is
// what Node code passes most, and Miniflare's proxy cannot carry it.

import { after, it } from "node:test";
import { Buffer } from "node:buffer";
import { Miniflare } from "miniflare";
import { createWorkersKv, type KvBinding } from "../../adapters/workers.ts";

const mf = new Miniflare({
  modules: true,
  script: "export default { fetch: () => new Response(null) }",
  compatibilityDate: "2026-04-01",
  kvNamespaces: ["KV"],
});
after(() => mf.dispose());

it("createWorkersKv() puts a Buffer that the raw proxy rejects", async () => {
  const raw = await mf.getKVNamespace("KV") as unknown as KvBinding;
  let rawError: Error | undefined;
  try {
    await raw.put("k", Buffer.from("raw"));
  } catch (error) {
    rawError = error as Error;
  }
  if (rawError?.name !== "AssertionError") throw new Error(`raw: ${rawError}`);
  const kv = createWorkersKv(raw);
  await kv.put("k", Buffer.from("xbufferx").subarray(1, 7));
  const value = await kv.get("k");
  if (value !== "buffer") throw new Error(`got ${value}`);
  await kv.put(
    "s",
    new ReadableStream({
      start(controller) {
        controller.enqueue(Buffer.from("from "));
        controller.enqueue(Buffer.from("stream"));
        controller.close();
      },
    }),
  );
  const streamed = await kv.get("s");
  if (streamed !== "from stream") throw new Error(`got ${streamed}`);
});
