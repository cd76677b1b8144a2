// The soak test: a long mixed workload on memory and on a Deno KV file,
// every read checked against a model, with memory (or the file) flat once
// the live set is stable. CI runs a short version; KVKIT_SOAK_OPS runs more:
//
//   KVKIT_SOAK_OPS=1000000 deno test -A tests/soak/

const ops = Number(Deno.env.get("KVKIT_SOAK_OPS") ?? 20_000);
const MiB = 1024 * 1024;

async function soak(target: string): Promise<{ first: number; last: number; max: number }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      new URL("./_soak.ts", import.meta.url).pathname,
      target,
      String(ops),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(new TextDecoder().decode(stderr));
  const figures = JSON.parse(new TextDecoder().decode(stdout));
  console.log(JSON.stringify(figures));
  return figures;
}

for (const [target, what] of [["memory", "the heap"], ["deno-kv", "the database file"]]) {
  Deno.test(`soak: ${ops} mixed operations on ${target} match a model, and ${what} stays flat`, async () => {
    const { first, max } = await soak(target);
    // Flat: within a quarter of the first sample after warm-up, plus 1 MiB.
    if (max > first * 1.25 + MiB) {
      throw new Error(
        `${what} grew from ${(first / MiB).toFixed(1)} to ${(max / MiB).toFixed(1)} MiB`,
      );
    }
  });
}
