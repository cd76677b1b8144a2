// Several processes writing one file database at once: SQLite's "database
// is locked" must never reach a caller, and no acknowledged write may be
// lost.

import { countKind } from "./_deno_kv_test_spy.ts";
import { sequenceOf } from "./_deno_kv_test_values.ts";
import { createDenoKv } from "./deno_kv.ts";

const PROCESSES = 4;
const WRITES = 250;
const root = new URL("../", import.meta.url);
const child = new URL("./_deno_kv_test_contention_child.ts", import.meta.url).pathname;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

Deno.test(`openDenoKv() on one file shared by ${PROCESSES} writing processes loses no write and raises no error`, async () => {
  const dir = await Deno.makeTempDir({ prefix: "kvkit-contention-" });
  const path = `${dir}/shared.sqlite3`;
  try {
    // Create the file first, so that the children race on writes, not on
    // creating the schema.
    (await Deno.openKv(path)).close();
    const outputs = await Promise.all(
      Array.from(
        { length: PROCESSES },
        (_, id) =>
          new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              "--quiet",
              child,
              path,
              String(id),
              String(WRITES),
            ],
            cwd: root.pathname,
          }).output(),
      ),
    );
    const summaries: {
      id: string;
      own: Record<string, number>;
      locked: number;
      ms: number;
    }[] = [];
    for (const output of outputs) {
      const stderr = new TextDecoder().decode(output.stderr);
      assert(output.success, `a writer failed: ${stderr}`);
      summaries.push(JSON.parse(new TextDecoder().decode(output.stdout)));
    }
    const db = await Deno.openKv(path);
    try {
      const kv = createDenoKv(db, { namespace: "contention" });
      let checked = 0;
      for (const { own } of summaries) {
        for (const [key, seq] of Object.entries(own)) {
          const value = await kv.get(key, "arrayBuffer");
          assert(value !== null, `${key} lost`);
          assert(
            sequenceOf(new Uint8Array(value)) === seq,
            `${key} holds the last acknowledged write ${seq}`,
          );
          checked++;
        }
      }
      for (const key of ["shared-large", "shared-medium", "shared-small"]) {
        const value = await kv.get(key, "arrayBuffer");
        assert(
          value !== null && sequenceOf(new Uint8Array(value)) !== undefined,
          `${key} is whole`,
        );
      }
      const locked = summaries.reduce((sum, s) => sum + s.locked, 0);
      assert(
        locked > 0,
        "the processes contended: some commits met a locked database",
      );
      assert(
        checked === PROCESSES * 25,
        `every own key was checked (${checked})`,
      );
      assert(
        await countKind(db, "contention", "c") === 2,
        "only the live generation's chunks are left",
      );
      assert(
        await countKind(db, "contention", "o") === 2 &&
          await countKind(db, "contention", "v") === 1,
        "and the owned entries and value entry of the large and medium keys",
      );
      console.log(
        `contention test: ${
          summaries.map((s) => `${s.ms} ms, ${s.locked} locked retries`).join(
            "; ",
          )
        }`,
      );
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
