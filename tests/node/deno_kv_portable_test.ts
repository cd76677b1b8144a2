// Deno KV files are portable: what Deno writes, Node reads with @deno/kv,
// and back. Text, binary, JSON, metadata, expirations and large values all
// survive, because kvkit stores only its own Uint8Array envelopes.
import { test } from "node:test";
import { spawnSync } from "node:child_process";
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFakeClock } from "../../conformance/clock.ts";
import { openDenoKv } from "../../adapters/deno_kv.ts";
import {
  NAMESPACE,
  PORTABLE_NOW,
  verifyPortable,
  writePortable,
} from "../../adapters/_deno_kv_test_portable.ts";

function deno(command: "write" | "verify", path: string): void {
  // tools/node.ts passes the Deno running it, which need not be on PATH.
  const result = spawnSync(process.env.KVKIT_DENO ?? "deno", [
    "run",
    "-A",
    "--quiet",
    "adapters/_deno_kv_test_portable_cli.ts",
    command,
    path,
  ], {
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(
      `deno ${command} failed (${result.status}): ${result.stderr}`,
    );
  }
}

function withDir(fn: (path: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "kvkit-portable-"));
    try {
      await fn(join(dir, "kv.sqlite3"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "a Deno KV file written by Deno reads back whole on Node with @deno/kv",
  withDir(async (path) => {
    deno("write", path);
    const clock = createFakeClock(PORTABLE_NOW);
    const kv = await openDenoKv(path, { namespace: NAMESPACE, now: clock.now });
    try {
      await verifyPortable(kv, clock.advance);
    } finally {
      await kv.close();
    }
  }),
);

test(
  "a Deno KV file written on Node with @deno/kv reads back whole in Deno",
  withDir(async (path) => {
    const clock = createFakeClock(PORTABLE_NOW);
    const kv = await openDenoKv(path, { namespace: NAMESPACE, now: clock.now });
    try {
      await writePortable(kv);
    } finally {
      await kv.close();
    }
    deno("verify", path);
  }),
);
