// Crash recovery for the Deno KV driver: the sweep behind
// DenoKvNamespace.sweep. A crash can leave only chunks that a key's owned
// entry still names (see _deno_kv_chunks.ts), so walking the owned entries
// finds every orphan. Private; the storage layout is in deno_kv.ts.

import {
  DEFAULT_SWEEP_GRACE_MS,
  type DenoKvSweepOptions,
  type DenoKvSweepResult,
} from "./_deno_kv_handle.ts";
import { decodeEnvelope, decodeOwned, type Generation } from "./_deno_kv_envelope.ts";
import { cleanup } from "./_deno_kv_chunks.ts";
import { type DriverState, writeOwned } from "./_deno_kv_state.ts";

/**
 * Marks abandoned and stale generations of every key dead, then removes
 * their chunks. A generation is stale when it is listed live but the
 * record no longer points to it (Deno's expiry removed the record). An
 * owned entry that still claims a value entry the record no longer has
 * is corrected too.
 */
export async function sweep(
  state: DriverState,
  options: DenoKvSweepOptions = {},
): Promise<DenoKvSweepResult> {
  const { kv, keys } = state;
  const grace = options.graceMs ?? DEFAULT_SWEEP_GRACE_MS;
  if (!(grace >= 0)) {
    throw new RangeError(`graceMs must be >= 0, got ${grace}`);
  }
  const result: DenoKvSweepResult = { keys: 0, generations: 0, chunks: 0 };
  const entries = await state.listAll({ prefix: keys.owners }, undefined, 500);
  for (const { key: ownedKey } of entries) {
    let key = ownedKey[2] as string;
    for (;;) {
      const [record, owned] = await state.getMany([keys.record(key), keys.owned(key)]);
      if (owned.versionstamp === null) {
        // npm @deno/kv drops a leading U+FEFF from listed key parts (see
        // _deno_kv_envelope.ts); the owned entry is under the key with it.
        if (
          key.length < 512 && (await state.get(keys.owned(`\uFEFF${key}`))).versionstamp !== null
        ) {
          key = `\uFEFF${key}`;
          continue;
        }
        break;
      }
      const envelope = record.versionstamp === null ? undefined : decodeEnvelope(record.value);
      const live = envelope?.chunks?.gen;
      const cutoff = Date.now() - grace;
      const current = decodeOwned(owned.value);
      let swept = 0;
      const gens = current.gens.map((gen): Generation => {
        if (gen.id === live || gen.s === "d") return gen;
        if (gen.s === "l" || gen.t <= cutoff) {
          swept++;
          return { ...gen, s: "d" };
        }
        return gen;
      });
      const v = current.v && envelope?.medium === true;
      const dead = gens.filter((gen) => gen.s === "d").length;
      if (swept > 0 || v !== current.v) {
        const { ok } = await state.commit(() => {
          const op = kv.atomic()
            .check({ key: keys.record(key), versionstamp: record.versionstamp })
            .check({ key: keys.owned(key), versionstamp: owned.versionstamp });
          return writeOwned(op, keys.owned(key), { v, gens });
        });
        if (!ok) continue;
      }
      if (dead > 0) {
        result.keys++;
        result.generations += dead;
        result.chunks += await cleanup(state, key);
      }
      break;
    }
  }
  return result;
}
