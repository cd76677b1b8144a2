import { main } from "./cli.ts";
import { createMemoryKv } from "./adapters/memory.ts";
import { openDenoKv } from "./adapters/deno_kv.ts";
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { storesOf } from "./_cli_stores.ts";
import { registry } from "./targets/mod.ts";

const cli = new URL("./cli.ts", import.meta.url).pathname;

async function run(args: string[], stdin?: string | Uint8Array, env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", cli, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0", ...env },
  }).spawn();
  // Written while the output is read; a child that exits before reading
  // all of it closes the pipe, which is its business (BrokenPipe), not a failure here.
  const writing = stdin === undefined ? Promise.resolve() : (async () => {
    const writer = child.stdin.getWriter();
    await writer.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
    await writer.close();
  })().catch(() => {});
  const [{ code, stdout, stderr }] = await Promise.all([child.output(), writing]);
  return {
    code,
    stdout: new TextDecoder().decode(stdout),
    stderr: new TextDecoder().decode(stderr),
  };
}

async function inTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
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
  const good = await main(["conformance", "--area", "ordering,list", "--quiet"], {
    targets: [{ name: "good", factory: () => ({ kv: createMemoryKv() }) }],
  });
  assertEquals(good, 0);
  const broken = createMemoryKv();
  const bad = await main(["conformance", "--area", "list", "--quiet"], {
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

Deno.test("cli conformance skips a target whose server is not configured, or fails it when required", async () => {
  const target = {
    name: "server",
    runtimes: ["deno"],
    unavailable: "KVKIT_TEST_URL is not set",
    factory: () => ({ kv: createMemoryKv() }),
  };
  const memory = { name: "memory", factory: () => ({ kv: createMemoryKv() }) };
  const required = Deno.env.get("KVKIT_REQUIRE_SERVERS");
  try {
    Deno.env.delete("KVKIT_REQUIRE_SERVERS");
    const skipped = await main(["conformance", "--area", "ordering", "--quiet"], {
      targets: [memory, target],
    });
    assertEquals(skipped, 0);
    Deno.env.set("KVKIT_REQUIRE_SERVERS", "1");
    const failed = await main(["conformance", "--area", "ordering", "--quiet"], {
      targets: [memory, target],
    });
    assertEquals(failed, 1);
  } finally {
    if (required === undefined) Deno.env.delete("KVKIT_REQUIRE_SERVERS");
    else Deno.env.set("KVKIT_REQUIRE_SERVERS", required);
  }
  const browserOnly = await main(["conformance", "--quiet"], {
    targets: [{ ...memory, runtimes: ["node"] } as typeof memory],
  });
  assertEquals(browserOnly, 1, "nothing ran");
});

Deno.test("cli conformance refuses unknown adapters and areas, listing the valid ones", async () => {
  const adapters = await run(["conformance", "--adapter", "nope"]);
  assertEquals(adapters.code, 2);
  for (const name of ["memory", "deno-kv", "deno-kv:file", "miniflare"]) {
    assert(adapters.stderr.includes(name), adapters.stderr);
  }
  const area = await run(["conformance", "--area", "lists"]);
  assertEquals(area.code, 2);
  assert(area.stderr.includes('unknown --area "lists"; valid: get, put, metadata'), area.stderr);
});

Deno.test("cli --help prints every command and store and exits 0; bad usage exits 2", async () => {
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  for (const command of ["export", "import", "copy", "conformance"]) {
    assert(help.stdout.includes(`  ${command} `), command);
  }
  for (const store of storesOf(registry)) assert(help.stdout.includes(store.syntax), store.syntax);
  const started = performance.now();
  const conformance = await run(["conformance", "--help"]);
  assertEquals(conformance.code, 0);
  assert(conformance.stdout.startsWith("usage: kvkit conformance"), conformance.stdout);
  assert(conformance.stdout.includes("areas: get, put"), conformance.stdout);
  assert(performance.now() - started < 20_000, "--help does not run the suite");
  assertEquals((await run(["import", "-h"])).code, 0);
  assertEquals(
    (await run(["help", "copy"])).stdout.split("\n")[0],
    "usage: kvkit copy <from> <to> [flags]",
  );
  const none = await run([]);
  assertEquals(none.code, 2);
  assert(none.stderr.startsWith("usage: kvkit"), none.stderr);
  const unknown = await run(["frobnicate"]);
  assertEquals(unknown.code, 2);
  assert(unknown.stderr.includes("commands are export, import, copy, conformance"), unknown.stderr);
  const flag = await run(["export", "deno-kv:./x.db", "--verbose"]);
  assertEquals(flag.code, 2);
  assert(flag.stderr.includes("unknown flag --verbose"), flag.stderr);
  const store = await run(["export", "nowhere:x"]);
  assertEquals(store.code, 2);
  assert(store.stderr.includes('unknown store "nowhere:"'), store.stderr);
  const memory = await run(["export", "deno-kv::memory:"]);
  assertEquals(memory.code, 2);
  assert(
    memory.stderr.includes("in-memory database lives only as long as the process"),
    memory.stderr,
  );
});

Deno.test("cli export of a store that does not exist fails and creates nothing", async () => {
  await inTempDir(async (dir) => {
    const result = await run(["export", `deno-kv:${dir}/typo.db`]);
    assertEquals(result.code, 1);
    assert(result.stderr.includes("typo.db does not exist"), result.stderr);
    assertEquals(result.stdout, "");
    assert(!await exists(`${dir}/typo.db`));
    const mf = await run(["export", `miniflare:${dir}/typo`]);
    assertEquals(mf.code, 1);
    assert(!await exists(`${dir}/typo`));
  });
});

/** The file: every mistake a new user makes, after good entries. */
const BAD_DUMP = JSON.stringify([
  { key: "fine-1", value: "1" },
  { key: "fine-2", value: "2" },
  { value: "no key" },
  { key: "no value" },
  { key: 42, value: 7 },
  null,
  { key: "when", value: "x", expiration: "tomorrow" },
  { key: "flag", value: "x", base64: "false" },
  { key: "fine-3", value: "3" },
]);

Deno.test("cli import refuses a bad dump whole: exit 1, each bad entry named, nothing written", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/bad.json`, BAD_DUMP);
    for (const input of [[`${dir}/bad.json`], []]) {
      const result = await run(
        ["import", `deno-kv:${dir}/b.db`, ...input],
        input.length === 0 ? BAD_DUMP : undefined,
      );
      assertEquals(result.code, 1, result.stderr);
      assertEquals(result.stderr.split("\n").slice(0, 7), [
        "kvkit: 6 of 9 entries are invalid, so nothing was written:",
        '  entry 2: "key" is missing',
        '  entry 3 (key "no value"): "value" is missing',
        '  entry 4: "key" must be a string, got 42',
        '  entry 5: is null, not an object with "key" and "value"',
        '  entry 6 (key "when"): "expiration" must be an integer (seconds since the epoch), got "tomorrow"',
        '  entry 7 (key "flag"): "base64" must be true or false, got "false"',
      ]);
      assert(!await exists(`${dir}/b.db`), "the store is not even created");
    }
  });
});

Deno.test("cli import checks, skips expired entries, and reads standard input through a spool", async () => {
  await inTempDir(async (dir) => {
    const tmp = `${dir}/tmp`;
    await Deno.mkdir(tmp);
    const future = Math.floor(Date.now() / 1000) + 86_400;
    const dump = JSON.stringify([
      { key: "text", value: "héllo", metadata: { m: 1 } },
      { key: "bytes", value: "AP8=", base64: true, expiration: future },
      { key: "old", value: "x", expiration: 1000 },
      { key: "ttl", value: "t", expiration_ttl: 3600 },
      { key: "extra", value: "e", note: "ignored" },
    ]);
    const strict = await run(["import", `deno-kv:${dir}/a.db`], dump);
    assertEquals(strict.code, 1);
    assert(strict.stderr.includes('entry 4 (key "extra"): unknown field "note"'), strict.stderr);
    const dry = await run(
      ["import", `deno-kv:${dir}/a.db`, "--dry-run", "--allow-unknown-fields"],
      dump,
    );
    assertEquals(dry.code, 0, dry.stderr);
    assertEquals(
      dry.stderr,
      "checked 5 entries (252 B) of standard input: all valid; 1 expired would be skipped; " +
        'ignored unknown field "note" (1 entry); nothing written (--dry-run)\n',
    );
    assert(!await exists(`${dir}/a.db`));
    const real = await run(
      ["import", `deno-kv:${dir}/a.db#ns`, "-", "--allow-unknown-fields"],
      dump,
      {
        TMPDIR: tmp,
      },
    );
    assertEquals(real.code, 0, real.stderr);
    assert(
      /^imported 4 entries \(.*\) from standard input into deno-kv:.*a\.db#ns in .*; skipped 1 expired; ignored unknown field "note" \(1 entry\)\n$/
        .test(real.stderr),
      real.stderr,
    );
    assertEquals([...Deno.readDirSync(tmp)], [], "the spool is removed");
    await using kv = await openDenoKv(`${dir}/a.db`, { namespace: "ns" });
    assertEquals((await kv.list()).keys.map((k) => k.name), ["bytes", "extra", "text", "ttl"]);
    assertEquals(new Uint8Array((await kv.get("bytes", "arrayBuffer"))!), new Uint8Array([0, 255]));
    const ttl = (await kv.list({ prefix: "ttl" })).keys[0].expiration!;
    assert(Math.abs(ttl - (Date.now() / 1000 + 3600)) < 60, `${ttl}`);
  });
});

Deno.test("cli import refuses a dump cut short, and a terminal with nothing piped in", async () => {
  await inTempDir(async (dir) => {
    const result = await run(
      ["import", `deno-kv:${dir}/a.db`],
      '[{"key":"a","value":"1"},{"key":"b"',
    );
    assertEquals(result.code, 1);
    assert(
      result.stderr.includes("the input ends inside entry 1 (line 1): is it cut short?"),
      result.stderr,
    );
    assert(!await exists(`${dir}/a.db`));
    const missing = await run(["import", `deno-kv:${dir}/a.db`, `${dir}/none.json`]);
    assertEquals(missing.code, 1);
    assert(missing.stderr.includes("none.json"), missing.stderr);
  });
});

Deno.test("cli copy, export and import move a Deno KV namespace exactly", async () => {
  await inTempDir(async (dir) => {
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
    const imported = await run(["import", `deno-kv:${dir}/c.db#copy`], exported.stdout);
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
  });
});

Deno.test("cli copy takes a namespace on each side, and refuses a store onto itself", async () => {
  await inTempDir(async (dir) => {
    {
      await using users = await openDenoKv(`${dir}/a.db`, { namespace: "users" });
      await users.put("ada", "Ada");
    }
    const copied = await run(["copy", `deno-kv:${dir}/a.db#users`, `deno-kv:${dir}/a.db#backup`]);
    assertEquals(copied.code, 0, copied.stderr);
    {
      await using backup = await openDenoKv(`${dir}/a.db`, { namespace: "backup" });
      assertEquals(await backup.get("ada"), "Ada");
      await using fallback = await openDenoKv(`${dir}/a.db`);
      assertEquals((await fallback.list()).keys, [], "the default namespace is another one");
    }
    const self = await run(["copy", `deno-kv:${dir}/a.db#users`, `deno-kv:${dir}/a.db#users`]);
    assertEquals(self.code, 2);
    assert(self.stderr.includes("are the same store"), self.stderr);
  });
});

Deno.test("cli export writes to a file, which appears only once complete", async () => {
  await inTempDir(async (dir) => {
    {
      await using kv = await openDenoKv(`${dir}/a.db`);
      await kv.put("k", "v");
    }
    const result = await run(["export", `deno-kv:${dir}/a.db`, `${dir}/dump.json`, "--quiet"]);
    assertEquals([result.code, result.stdout, result.stderr], [0, "", ""]);
    assertEquals(await Deno.readTextFile(`${dir}/dump.json`), '[\n{"key":"k","value":"v"}\n]\n');
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["a.db", "dump.json"]);
  });
});

Deno.test("cli export writes entries as it reads them: the first arrives long before the end", async () => {
  await inTempDir(async (dir) => {
    {
      await using kv = await openDenoKv(`${dir}/a.db`);
      const store = registry.find((e) => e.name === "deno-kv")!.store!;
      const opened = await store.open(`${dir}/a.db`, { mode: "write" });
      await opened.writeMany!(
        Array.from({ length: 20_000 }, (_, i) => ({ key: `k${i}`, record: { value: `v${i}` } })),
      );
      await opened.kv.close();
      assertEquals((await kv.list({ limit: 1 })).keys.length, 1);
    }
    const started = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", cli, "export", `deno-kv:${dir}/a.db`],
      stdout: "piped",
      stderr: "null",
    }).spawn();
    let first: number | undefined;
    let bytes = 0;
    for await (const chunk of child.stdout) {
      first ??= performance.now() - started;
      bytes += chunk.byteLength;
    }
    const total = performance.now() - started;
    assertEquals((await child.status).code, 0);
    assert(bytes > 20_000 * 20, `${bytes} bytes`);
    assert(first! < total / 2, `first byte at ${first} ms of ${total} ms`);
  });
});

Deno.test({
  name: "cli copy moves a namespace into a persisted Miniflare directory and back out",
  fn: async () => {
    await inTempDir(async (dir) => {
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
    });
  },
});
