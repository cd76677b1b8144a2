// Crash safety of the Deno KV adapter on a file database: a child process
// overwriting multi-megabyte values is SIGKILLed at random points, again and
// again. After each kill every key reads as one whole value, no older than
// the last write the child saw acknowledged; at the end a sweep leaves no
// orphan chunks.

import { countKind } from "./_deno_kv_test_spy.ts";
import { crashSize, sequenceOf } from "./_deno_kv_test_values.ts";
import { CHUNK_BYTES, MAX_DENO_VALUE, SMALL_VALUE_BYTES } from "./_deno_kv_handle.ts";
import { createDenoKv } from "./deno_kv.ts";

const KILLS = 24;
const root = new URL("../", import.meta.url);
const child = new URL("./_deno_kv_test_crash_child.ts", import.meta.url).pathname;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Runs the child until it is killed; returns the acknowledged writes. */
async function runUntilKilled(
  path: string,
  firstSeq: number,
  killAfterMs: number,
) {
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", child, path, String(firstSeq)],
    cwd: root.pathname,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines: string[] = [];
  const { promise: isReady, resolve: ready } = Promise.withResolvers<void>();
  const reading = (async () => {
    let rest = "";
    for await (
      const text of process.stdout.pipeThrough(new TextDecoderStream())
    ) {
      rest += text;
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        if (line === "ready") ready();
        else lines.push(line);
      }
    }
  })();
  const stderr = new Response(process.stderr).text();
  const exited = process.status.then((status) => {
    ready();
    return status;
  });
  await isReady;
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  try {
    process.kill("SIGKILL");
  } catch {
    // It already exited, which the status check below reports.
  }
  const status = await exited;
  await reading;
  const errors = await stderr;
  assert(
    status.signal === "SIGKILL",
    `the child died of SIGKILL, not ${status.code}: ${errors}`,
  );
  return lines.map((line) => {
    const [, key, seq] = line.split(" ");
    return { key, seq: Number(seq) };
  });
}

Deno.test({
  name:
    `openDenoKv() on a file keeps whole, acknowledged values through ${KILLS} SIGKILLs, and sweep() leaves no orphans`,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "kvkit-crash-" });
    const path = `${dir}/crash.sqlite3`;
    const lastAck = new Map<string, number>();
    let acks = 0;
    try {
      for (let round = 0; round < KILLS; round++) {
        const killAfter = 20 + Math.random() * 380;
        for (
          const { key, seq } of await runUntilKilled(
            path,
            round * 1_000_000,
            killAfter,
          )
        ) {
          lastAck.set(key, Math.max(lastAck.get(key) ?? -1, seq));
          acks++;
        }
        const db = await Deno.openKv(path);
        try {
          const kv = createDenoKv(db, { namespace: "crash" });
          for (const key of ["k0", "k1", "k2"]) {
            const value = await kv.get(key, "arrayBuffer");
            const acked = lastAck.get(key);
            if (value === null) {
              assert(
                acked === undefined,
                `round ${round}: ${key} lost its acknowledged value ${acked}`,
              );
              continue;
            }
            const seq = sequenceOf(new Uint8Array(value));
            assert(
              seq !== undefined,
              `round ${round}: ${key} is torn (${value.byteLength} bytes)`,
            );
            assert(
              `k${seq % 3}` === key,
              `round ${round}: ${key} holds another key's value ${seq}`,
            );
            assert(
              value.byteLength === crashSize(seq),
              `round ${round}: ${key} has the wrong length`,
            );
            assert(
              acked === undefined || seq >= acked,
              `round ${round}: ${key} went back to ${seq} < ${acked}`,
            );
          }
        } finally {
          db.close();
        }
      }
      assert(acks >= KILLS, `the children acknowledged writes (${acks})`);

      const db = await Deno.openKv(path);
      try {
        const kv = createDenoKv(db, { namespace: "crash" });
        const before = await countKind(db, "crash", "c");
        const swept = await kv.sweep({ graceMs: 0 });
        let expected = 0, medium = 0;
        for (const key of ["k0", "k1", "k2"]) {
          const length = (await kv.get(key, "arrayBuffer"))?.byteLength ?? 0;
          // No metadata or expiration: the record header is 2 bytes.
          if (length > MAX_DENO_VALUE - 2) {
            expected += Math.ceil(length / CHUNK_BYTES);
          } else if (length > SMALL_VALUE_BYTES) medium++;
        }
        const after = await countKind(db, "crash", "c");
        assert(
          await countKind(db, "crash", "v") === medium,
          "a value entry exists exactly for each medium value",
        );
        console.log(
          `crash test: ${acks} acknowledged writes, ${KILLS} kills, ${before} chunks before the sweep, ` +
            `${swept.chunks} swept, ${after} left = ${expected} live`,
        );
        assert(
          before - after <= swept.chunks,
          "the sweep counted what it deleted",
        );
        assert(before > after, "the kills left orphan chunks for the sweep");
        assert(
          after === expected,
          `only live chunks are left: ${after} found, ${expected} live`,
        );
        for await (const entry of db.list({ prefix: ["crash", "o"] })) {
          const { gens } = JSON.parse(
            new TextDecoder().decode((entry.value as Uint8Array).subarray(1)),
          );
          assert(
            gens.every((gen: { s: string }) => gen.s === "l"),
            `${String(entry.key[2])} owns only its live generation`,
          );
        }
      } finally {
        db.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
