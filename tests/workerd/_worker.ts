// The Worker that runs kvkit's conformance suite inside workerd, against
// createWorkersKv(env.KV_<n>) and against createMemoryKv. Bundled by
// ./_bundle.ts; driven by ./workerd_test.ts.
//
//   GET /run?target=workers|memory  ->  ConformanceResult[] as JSON
//   GET /fixes                      ->  createWorkersKv's fixes, raw vs wrapped
//
// The Workers target hands each case its own binding, KV_0, KV_1, ... in
// case order. A clock case asks the test, through the CLOCK service
// binding, to put its namespace on Miniflare's fake clock.

import { createMemoryKv } from "../../adapters/memory.ts";
import { createWorkersKv, type KvBinding } from "../../adapters/workers.ts";
import { clockFixture } from "../../conformance/clock.ts";
import type { KvFixture } from "../../conformance/case.ts";
import { runConformance } from "../../conformance/runner.ts";

interface Env {
  CLOCK: { fetch(url: string): Promise<Response> };
  [binding: string]: unknown;
}

/** Where fake clocks start, as in targets/_miniflare_pool.ts. */
const FAKE_TIME_START = 1_735_689_600_000;

async function setClock(env: Env, namespace: number, ms: number): Promise<void> {
  const response = await env.CLOCK.fetch(`http://clock/set?namespace=${namespace}&ms=${ms}`);
  if (!response.ok) throw new Error(`CLOCK: ${response.status} ${await response.text()}`);
}

async function workersFixture(env: Env, namespace: number, clock: boolean): Promise<KvFixture> {
  const binding = env[`KV_${namespace}`] as KvBinding | undefined;
  if (binding === undefined) throw new Error(`no binding KV_${namespace}`);
  const kv = createWorkersKv(binding);
  if (!clock) return { kv };
  let now = FAKE_TIME_START;
  await setClock(env, namespace, now);
  return {
    kv,
    now: () => now,
    advanceTime: async (ms) => {
      now += ms;
      await setClock(env, namespace, now);
    },
  };
}

/**
 * The wrapper's workerd-side fixes, each observed on a raw binding and on
 * the wrapped one: what a caller sees after the same calls.
 */
async function fixes(binding: KvBinding, wrap: boolean) {
  const kv = wrap ? createWorkersKv(binding) : binding;
  const bytes = async (
    key: string,
  ) => [...new Uint8Array(await kv.get(key, "arrayBuffer") as ArrayBuffer)];
  // Bytes changed right after put() returns.
  const source = new Uint8Array([1, 2, 3]);
  const pending = kv.put("copied", source);
  source.fill(0);
  await pending;
  // A stream that fails after one chunk.
  await kv.put("stream", "old");
  let streamError = "";
  try {
    await kv.put(
      "stream",
      new ReadableStream({
        start(controller) {
          controller.enqueue(new Uint8Array([0x70]));
          controller.error(new RangeError("source failed"));
        },
      }),
    );
  } catch (error) {
    streamError = `${(error as Error).name}: ${(error as Error).message}`;
  }
  // Integer-like keys in a bulk read.
  await kv.put("7", "seven");
  const bulk = [...await kv.get(["7", "x"]) as Map<string, unknown>];
  return {
    copied: await bytes("copied"),
    streamError,
    afterStream: await kv.get("stream"),
    bulk,
  };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/fixes") {
      return Response.json({
        raw: await fixes(env.RAW as KvBinding, false),
        wrapped: await fixes(env.WRAPPED as KvBinding, true),
      });
    }
    if (url.pathname !== "/run") return new Response("not found", { status: 404 });
    const target = url.searchParams.get("target");
    let namespace = 0;
    const report = target === "workers"
      ? await runConformance((info) =>
        workersFixture(env, namespace++, info.tags.includes("clock"))
      )
      : target === "memory"
      ? await runConformance(() => clockFixture((now) => createMemoryKv({ now })))
      : undefined;
    if (report === undefined) return new Response("unknown target", { status: 400 });
    return Response.json({ userAgent: navigator.userAgent, report });
  },
};
