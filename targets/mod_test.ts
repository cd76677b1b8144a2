// The registry, under Deno: every adapter's conformance targets pass the
// whole suite, every handle follows the one lifecycle, and the registry
// matches deno.json's exports.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { testKv, type TestRegistrar } from "../conformance/runner.ts";
import { KvError } from "../errors.ts";
import type { KvNamespace } from "../types.ts";
import { registry, type RegistryTarget, targetsOf } from "./mod.ts";
import config from "../deno.json" with { type: "json" };

const targets = await targetsOf(registry, "deno");

function registrar(target: RegistryTarget): TestRegistrar {
  // A target that keeps a server or a file open across cases outlives each
  // test, so Deno's sanitizers must be off for it.
  const sanitize = target.sharesResources !== true;
  return Object.assign(
    (name: string, fn: () => Promise<void>) =>
      Deno.test({ name, fn, sanitizeOps: sanitize, sanitizeResources: sanitize }),
    { ignore: (name: string, fn: () => Promise<void>) => Deno.test({ name, fn, ignore: true }) },
  );
}

for (const target of targets) {
  testKv(registrar(target), target.name, target.factory, target.options);
}

const METHODS: [keyof KvNamespace, unknown[], string][] = [
  ["get", ["k"], "GET"],
  ["get", [["k"]], "GET_BULK"],
  ["getWithMetadata", ["k"], "GET"],
  ["put", ["k", "v"], "PUT"],
  ["delete", ["k"], "DELETE"],
  ["list", [], "GET"],
];

for (const target of targets) {
  Deno.test({
    name: `${target.name}: after close(), every method rejects with KvError "Namespace is closed."`,
    sanitizeOps: target.sharesResources !== true,
    sanitizeResources: target.sharesResources !== true,
    async fn() {
      const fixture = await target.factory({ id: "lifecycle", area: "get", name: "", tags: [] });
      const kv = fixture.kv as KvNamespace & Partial<AsyncDisposable & { close(): Promise<void> }>;
      if (typeof kv.close !== "function") {
        await fixture.close?.();
        return; // the fixture owns the handle (a pooled namespace)
      }
      assert(kv.close === kv[Symbol.asyncDispose], "close and asyncDispose are one function");
      await kv.put("k", "v");
      await kv.close();
      await kv.close(); // idempotent
      for (const [method, args, op] of METHODS) {
        try {
          await (kv[method] as (...a: unknown[]) => Promise<unknown>)(...args);
          throw new Error(`${method} after close() resolved`);
        } catch (error) {
          assert(error instanceof KvError, `${method}: ${error}`);
          assertEquals(error.message, `KV ${op} failed: 500 Namespace is closed.`);
        }
      }
      await fixture.close?.();
    },
  });
}

for (const target of targets) {
  if (target.dispose === undefined) continue;
  Deno.test({
    name: `${target.name}: dispose() releases what the target shares`,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: () => target.dispose!(),
  });
}

Deno.test("every adapter export has one registry entry of its name, in export order", () => {
  const adapters = Object.entries(config.exports)
    .filter(([, path]) => path.startsWith("./adapters/"))
    .map(([key]) => key.slice(2));
  assertEquals(registry.map((entry) => entry.name), adapters);
});
