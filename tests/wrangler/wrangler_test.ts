// kvkit and the real wrangler CLI agree on the data: a kvkit dump is what
// `wrangler kv bulk put` takes, and kvkit's `miniflare:<dir>` store is the
// directory wrangler's `--local --persist-to <dir>` commands read and
// write (wrangler keeps KV in <dir>/v3/kv, one namespace per binding id).
//
// wrangler 4.86.0 (which runs on Node 20 and uses kvkit's Miniflare) is
// installed here by `npm ci` from the committed lockfile, on first run. It
// downloads nothing at run time: its banner's update check, metrics and
// error reports are turned off below. When it cannot be installed the
// tests skip with the reason, except under KVKIT_REQUIRE_SERVERS=1 (CI).

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { main } from "../../cli.ts";
import { openDenoKv } from "../../adapters/deno_kv.ts";

const here = new URL("./", import.meta.url).pathname;
const bin = `${here}node_modules/wrangler/bin/wrangler.js`;

async function command(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
) {
  const { code, stdout, stderr } = await new Deno.Command(cmd, {
    args,
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code, stdout, stderr: new TextDecoder().decode(stderr) };
}

/** Why wrangler cannot run here, or undefined once it is installed. */
async function install(): Promise<string | undefined> {
  const node = await command("node", ["--version"]).catch(() => undefined);
  if (node === undefined || node.code !== 0) return "node is not installed";
  const [major, minor] = new TextDecoder().decode(node.stdout).slice(1).split(
    ".",
  ).map(Number);
  if (major < 20 || (major === 20 && minor < 3)) {
    return `wrangler needs Node 20.3+, found ${major}.${minor}`;
  }
  if (await Deno.stat(bin).then(() => true, () => false)) return undefined;
  const npm = await command("npm", [
    "ci",
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
  ], { cwd: here })
    .catch((error) => ({
      code: 1,
      stdout: new Uint8Array(),
      stderr: String(error),
    }));
  return npm.code === 0
    ? undefined
    : `npm ci in tests/wrangler failed: ${npm.stderr.trim().slice(0, 500)}`;
}

const unavailable = await install();
if (unavailable !== undefined) {
  if (Deno.env.get("KVKIT_REQUIRE_SERVERS") === "1") {
    throw new Error(
      `wrangler is required here (KVKIT_REQUIRE_SERVERS=1) but ${unavailable}`,
    );
  }
  console.log(`kvkit: skipping the wrangler tests: ${unavailable}`);
}

const NAMESPACE_ID = "0f2ac74b498b48028cb68387c421e279";
const QUIET = {
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  // The banner asks npm for a newer version; without it nothing is fetched.
  WRANGLER_HIDE_BANNER: "true",
  NO_COLOR: "1",
};

/** A wrangler project with one KV binding, and wrangler run in it. */
async function project() {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-wrangler-" });
  await Deno.writeTextFile(
    `${dir}/wrangler.toml`,
    [
      'name = "kvkit-wrangler-test"',
      // Within what the pinned workerd supports, so no upgrade hint is looked up.
      'compatibility_date = "2026-04-01"',
      "",
      "[[kv_namespaces]]",
      'binding = "DATA"',
      `id = "${NAMESPACE_ID}"`,
      "",
    ].join("\n"),
  );
  const state = `${dir}/state`;
  const wrangler = async (...args: string[]) => {
    const result = await command("node", [
      bin,
      ...args,
      "--binding",
      "DATA",
      "--local",
      "--persist-to",
      state,
    ], {
      cwd: dir,
      env: { ...QUIET, HOME: dir, WRANGLER_LOG_PATH: `${dir}/logs` },
    });
    if (result.code !== 0) {
      throw new Error(`wrangler ${args.join(" ")} failed:\n${result.stderr}`);
    }
    return result.stdout;
  };
  return { dir, state, wrangler, store: `miniflare:${state}#${NAMESPACE_ID}` };
}

async function kvkit(...args: string[]): Promise<void> {
  const code = await main([...args, "--quiet"]);
  if (code !== 0) throw new Error(`kvkit ${args.join(" ")} exited ${code}`);
}

const expiration = Math.floor(Date.now() / 1000) + 86_400;
const bytes = (...values: number[]) => new Uint8Array(values);

type Project = Awaited<ReturnType<typeof project>>;

/** A test in a fresh wrangler project, removed afterwards; skipped without wrangler. */
function wranglerTest(
  name: string,
  fn: (project: Project) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: unavailable !== undefined,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const made = await project();
      try {
        await fn(made);
      } finally {
        await Deno.remove(made.dir, { recursive: true });
      }
    },
  });
}

wranglerTest(
  "wrangler kv bulk put takes a kvkit export, and kvkit exports what it stored",
  async ({ dir, wrangler, store }) => {
    {
      await using kv = await openDenoKv(`${dir}/source.db`);
      await kv.put("text", "héllo wörld", {
        metadata: { lang: "de", tags: ["a", 1] },
      });
      await kv.put("\uFEFFbom", "\uFEFFvalue", { expiration });
      await kv.put("emoji 😀", "🎉", {
        metadata: { nested: { deep: true } },
      });
      await kv.put("empty", "");
      await kv.put("json", JSON.stringify({ a: '"quoted"\n' }));
      await kv.put("large", "x".repeat(2 * 1024 * 1024));
      await kv.put("binary", bytes(0, 255, 1, 254), {
        metadata: { kind: "bytes" },
      });
    }
    await kvkit("export", `deno-kv:${dir}/source.db`, `${dir}/dump.json`);
    const dump = JSON.parse(
      await Deno.readTextFile(`${dir}/dump.json`),
    ) as Record<string, unknown>[];
    await wrangler("kv", "bulk", "put", `${dir}/dump.json`);
    await kvkit("export", store, `${dir}/back.json`);
    const back = JSON.parse(
      await Deno.readTextFile(`${dir}/back.json`),
    ) as Record<string, unknown>[];
    // wrangler's local bulk put turns a base64 value into a string with
    // Buffer#toString() before it puts it, so bytes that are not UTF-8
    // arrive as U+FFFD (its remote bulk put sends base64 to the API).
    // Everything else comes back exactly.
    const binary = dump.find((e) => e.key === "binary")!;
    assertEquals(binary, {
      key: "binary",
      value: "AP8B/g==",
      base64: true,
      metadata: { kind: "bytes" },
    });
    const mangled = new TextDecoder().decode(bytes(0, 255, 1, 254));
    assertEquals(
      back,
      dump.map((e) =>
        e.key === "binary" ? { key: "binary", value: mangled, metadata: e.metadata } : e
      ),
    );
    assertEquals(back.map((e) => e.key), [
      "binary",
      "emoji 😀",
      "empty",
      "json",
      "large",
      "text",
      "\uFEFFbom",
    ]);
  },
);

wranglerTest(
  "wrangler kv key get and list read exactly what kvkit imported into a Miniflare directory",
  async ({ dir, state, wrangler, store }) => {
    // wrangler's own default layout: <persist-to>/v3/kv.
    await Deno.mkdir(`${state}/v3`, { recursive: true });
    const dump = [
      {
        key: "binary",
        value: "AP8B/g==",
        base64: true,
        metadata: { kind: "bytes" },
      },
      { key: "text", value: "héllo", expiration },
      { key: "\uFEFFbom", value: "\uFEFF" },
      { key: "emoji 😀", value: "🎉", expiration_ttl: 3600 },
    ];
    await Deno.writeTextFile(`${dir}/dump.json`, JSON.stringify(dump));
    await kvkit("import", store, `${dir}/dump.json`);
    assert(
      await Deno.stat(`${state}/v3/kv/${NAMESPACE_ID}`).then(() => true),
      "in wrangler's layout",
    );
    assertEquals(
      await wrangler("kv", "key", "get", "binary"),
      bytes(0, 255, 1, 254),
    );
    const text = (key: string) =>
      wrangler("kv", "key", "get", key).then((b) =>
        new TextDecoder("utf-8", { ignoreBOM: true }).decode(b)
      );
    assertEquals(await text("text"), "héllo");
    assertEquals(await text("\uFEFFbom"), "\uFEFF");
    assertEquals(await text("emoji 😀"), "🎉");
    const listed = JSON.parse(
      new TextDecoder().decode(await wrangler("kv", "key", "list")),
    ) as {
      name: string;
      expiration?: number;
      metadata?: unknown;
    }[];
    assertEquals(listed.map((k) => k.name), [
      "binary",
      "emoji 😀",
      "text",
      "\uFEFFbom",
    ]);
    assertEquals(listed[0].metadata, { kind: "bytes" });
    assertEquals(listed[2].expiration, expiration);
    assert(
      Math.abs(listed[1].expiration! - (Date.now() / 1000 + 3600)) < 120,
      `${listed[1].expiration}`,
    );
  },
);

wranglerTest(
  "kvkit exports the bytes, metadata and expiration that wrangler kv key put wrote",
  async ({ dir, wrangler, store }) => {
    const value = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
    await Deno.writeFile(`${dir}/value.bin`, value);
    await wrangler(
      "kv",
      "key",
      "put",
      "file",
      "--path",
      `${dir}/value.bin`,
      "--metadata",
      '{"from":"wrangler"}',
      "--expiration",
      String(expiration),
    );
    await wrangler("kv", "key", "put", "plain", "just text");
    await kvkit("export", store, `${dir}/dump.json`);
    const dump = JSON.parse(await Deno.readTextFile(`${dir}/dump.json`));
    assertEquals(dump, [
      {
        key: "file",
        value: (value as Uint8Array & { toBase64(): string }).toBase64(),
        base64: true,
        expiration,
        metadata: { from: "wrangler" },
      },
      { key: "plain", value: "just text" },
    ]);
  },
);
