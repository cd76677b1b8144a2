import { main } from "./cli.ts";
import { createMemoryKv } from "./adapters/memory.ts";
import { openDenoKv } from "./adapters/deno_kv.ts";
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";

const cli = new URL("./cli.ts", import.meta.url).pathname;

async function run(args: string[], stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const { code, stdout, stderr } = await child.output();
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

Deno.test("cli conformance --json reports every case of the chosen adapter", async () => {
  const { code, stdout } = await run(["conformance", "--adapter", "memory", "--json"]);
  assertEquals(code, 0);
  const report = JSON.parse(stdout) as Record<string, { status: string }[]>;
  assertEquals(Object.keys(report), ["memory"]);
  assert(report.memory.length >= 80, "every case is reported");
  assert(report.memory.every((r) => r.status === "pass"), "memory passes");
});

Deno.test("cli conformance prints the area matrix and fails on a failing adapter", async () => {
  const good = await main(["conformance", "--area", "ordering,list"], {
    targets: [{ name: "good", factory: () => ({ kv: createMemoryKv() }) }],
  });
  assertEquals(good, 0);
  const broken = createMemoryKv();
  const bad = await main(["conformance", "--area", "list"], {
    targets: [{
      name: "bad",
      factory: () => ({
        kv: new Proxy(broken, {
          get: (target, property) =>
            property === "list"
              ? () => Promise.resolve({ keys: [], list_complete: true, cacheStatus: null })
              : Reflect.get(target, property).bind(target),
        }),
      }),
    }],
  });
  assertEquals(bad, 1);
});

Deno.test("cli copy, export and import move a Deno KV namespace exactly", async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-cli-" });
  try {
    const expiration = Math.floor(Date.now() / 1000) + 86_400;
    {
      await using source = await openDenoKv(`${dir}/a.db`);
      await source.put("text", "héllo", { metadata: { m: 1 } });
      await source.put("binary", new Uint8Array([0xff, 0x00, 0xfe]));
      await source.put("expiring", "soon", { expiration });
      await source.put("large", "x".repeat(3 * 1024 * 1024));
    }
    const copied = await run(["copy", `deno-kv:${dir}/a.db`, `deno-kv:${dir}/b.db`]);
    assertEquals(copied.code, 0, copied.stderr);
    const exported = await run(["export", `deno-kv:${dir}/b.db`]);
    assertEquals(exported.code, 0, exported.stderr);
    const entries = JSON.parse(exported.stdout) as Record<string, unknown>[];
    assertEquals(entries.map((e) => e.key), ["binary", "expiring", "large", "text"]);
    assertEquals(entries[0], { key: "binary", value: "/wD+", base64: true });
    assertEquals(entries[1], { key: "expiring", value: "soon", expiration });
    assertEquals(entries[3], { key: "text", value: "héllo", metadata: { m: 1 } });
    const imported = await run(
      ["import", `deno-kv:${dir}/c.db`, "--namespace", "copy"],
      exported.stdout,
    );
    assertEquals(imported.code, 0, imported.stderr);
    await using target = await openDenoKv(`${dir}/c.db`, { namespace: "copy" });
    assertEquals(await target.getWithMetadata("text"), {
      value: "héllo",
      metadata: { m: 1 },
      cacheStatus: null,
    });
    assertEquals(
      new Uint8Array((await target.get("binary", "arrayBuffer"))!),
      new Uint8Array([0xff, 0, 0xfe]),
    );
    assertEquals((await target.get("large"))?.length, 3 * 1024 * 1024);
    assertEquals((await target.list({ prefix: "exp" })).keys, [{ name: "expiring", expiration }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cli rejects unknown commands and stores with a usage error", async () => {
  assertEquals((await run(["frobnicate"])).code, 2);
  const result = await run(["export", "nowhere:x"]);
  assert(result.code !== 0 && result.stderr.includes("unknown store"), result.stderr);
});

Deno.test({
  name: "cli copy moves a namespace into a persisted Miniflare directory and back out",
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kvkit-cli-mf-" });
    try {
      {
        await using source = await openDenoKv(`${dir}/a.db`);
        await source.put("greeting", "hello", { metadata: { lang: "en" } });
        await source.put("bytes", new Uint8Array([0, 255]));
      }
      const copied = await run(["copy", `deno-kv:${dir}/a.db`, `miniflare:${dir}/mf`]);
      assertEquals(copied.code, 0, copied.stderr);
      const exported = await run(["export", `miniflare:${dir}/mf`]);
      assertEquals(exported.code, 0, exported.stderr);
      assertEquals(JSON.parse(exported.stdout), [
        { key: "bytes", value: "AP8=", base64: true },
        { key: "greeting", value: "hello", metadata: { lang: "en" } },
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
