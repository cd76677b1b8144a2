// The adversarial corpus (./_inputs.ts) against every kvkit namespace:
// each Deno registry target (except those not compared with Miniflare)
// and openMiniflareKv must answer every input as workerd's raw binding did
// (./workerd.json, recorded by ./record.ts): the same result, or the same
// error class and text, the same hook calls, and the same stored state,
// except the deliberate differences of ./_differences.ts.

import { openMiniflareKv } from "../../adapters/miniflare.ts";
import type { CaseInfo } from "../../conformance/case.ts";
import { createMemoryKv } from "../../adapters/memory.ts";
import { registry, targetsOf } from "../../targets/mod.ts";
import { compare, differences, type Subject } from "./_differences.ts";
import { corpus, FAKE_TIME } from "./_inputs.ts";
import { clear, type CorpusKv, type Outcome, runInput } from "./_run.ts";

const fixture = JSON.parse(
  await Deno.readTextFile(new URL("./workerd.json", import.meta.url)),
) as { fakeTime: number; outcomes: Record<string, Outcome> };

const all = Deno.env.get("KVKIT_CORPUS_ALL") === "1";
const targets = (await targetsOf(registry, "deno")).filter((target) => {
  if (target.differential === false) return false;
  if (target.slow && !all) {
    console.log(`corpus: ${target.name} is slow; KVKIT_CORPUS_ALL=1 runs it too`);
    return false;
  }
  return true;
});

function info(id: string): CaseInfo {
  return { id: `corpus.${id}`, area: "validation", name: id, tags: ["clock"] };
}

/** Compares a run with the fixture; prints the counts; throws on any other mismatch. */
function check(name: string, subject: Subject, outcomes: Map<string, Outcome>): void {
  let exact = 0;
  let known = 0;
  const uses = new Map<string, number>();
  const failures: string[] = [];
  for (const input of corpus) {
    const workerd = fixture.outcomes[input.id];
    const kvkit = JSON.parse(JSON.stringify(outcomes.get(input.id))) as Outcome;
    const result = compare(input.id, workerd, kvkit, subject);
    // The always-rejects rule allows workerd's synchronous throws, never kvkit's.
    if (kvkit.sync) failures.push(`${input.id}: kvkit threw synchronously`);
    else if (result.exact) exact++;
    else if (result.equal) {
      known++;
      for (const used of new Set(result.used)) uses.set(used, (uses.get(used) ?? 0) + 1);
    } else {
      failures.push(
        `${input.id}\n    workerd: ${JSON.stringify(workerd)}\n    kvkit:   ${
          JSON.stringify(kvkit)
        }`,
      );
    }
  }
  const counts = [...uses].map(([used, n]) => `${used} ${n}`).join(", ");
  console.log(
    `${name}: ${corpus.length} inputs, ${exact} match exactly, ${known} match with a listed ` +
      `difference (${counts}), ${failures.length} mismatch`,
  );
  if (failures.length > 0) {
    throw new Error(`${failures.length} inputs answered otherwise:\n${failures.join("\n")}`);
  }
}

Deno.test("the fixture records every corpus input, recorded on the fake clock", () => {
  const ids = corpus.map((input) => input.id);
  const missing = ids.filter((id) => !(id in fixture.outcomes));
  const stale = Object.keys(fixture.outcomes).filter((id) => !ids.includes(id));
  if (missing.length > 0 || stale.length > 0) {
    throw new Error(
      `re-record with deno run -A tests/corpus/record.ts: missing ${missing}, stale ${stale}`,
    );
  }
  if (fixture.fakeTime !== FAKE_TIME) throw new Error(`recorded at ${fixture.fakeTime}`);
});

Deno.test("every listed difference has a reason of one line", () => {
  for (const { name, reason } of differences) {
    if (reason.includes("\n") || reason.length < 20) throw new Error(`${name}: ${reason}`);
  }
});

for (const target of targets) {
  Deno.test({
    name: `${target.name} answers every corpus input as workerd does, but for listed differences`,
    sanitizeOps: !target.sharesResources,
    sanitizeResources: !target.sharesResources,
    async fn() {
      const outcomes = new Map<string, Outcome>();
      try {
        for (const input of corpus) {
          // A failure of the target's own fixture is recorded as the
          // input's outcome, which then mismatches with its text.
          try {
            const fixture = await target.factory(info(input.id));
            try {
              const now = fixture.now?.();
              if (now !== undefined && now !== FAKE_TIME) {
                throw new Error(`the fake clock starts at ${now}, not ${FAKE_TIME}`);
              }
              const kv = fixture.kv as unknown as CorpusKv;
              outcomes.set(input.id, await runInput(kv, input));
              // Emptied through kvkit: a pool that recycles namespaces
              // must not meet the corpus's data with its own tools.
              await clear(kv);
            } finally {
              await fixture.close?.();
            }
          } catch (error) {
            outcomes.set(input.id, { error: { name: "fixture", message: String(error) } });
          }
        }
      } finally {
        await target.dispose?.();
      }
      check(target.name, "engine", outcomes);
    },
  });
}

Deno.test({
  name: "openMiniflareKv() answers every corpus input as workerd does, but for listed differences",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using kv = await openMiniflareKv({ fakeTime: FAKE_TIME });
    const outcomes = new Map<string, Outcome>();
    for (const input of corpus) {
      await clear(kv as unknown as CorpusKv);
      outcomes.set(input.id, await runInput(kv as unknown as CorpusKv, input));
    }
    check("openMiniflareKv", "openMiniflareKv", outcomes);
  },
});

// The fixes the corpus brought to kvkit's validators, each checked on its
// own, so that a regression names itself.

/** The hooks one call runs, in order. */
async function hooks(call: (kv: CorpusKv, hit: (name: string) => void) => unknown) {
  const hits: string[] = [];
  const kv = createMemoryKv() as unknown as CorpusKv;
  await kv.put("k", "v");
  await Promise.resolve(call(kv, (name) => void hits.push(name))).catch(() => {});
  return hits;
}

function assertHits(actual: string[], expected: string[]): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

function getter(hit: (name: string) => void, name: string, value: unknown) {
  return {
    get() {
      hit(`get ${name}`);
      return value;
    },
    enumerable: true,
  };
}

function hook(hit: (name: string) => void, name: string, value: unknown) {
  return { toString: () => (hit(name), value), valueOf: () => (hit(name), value) };
}

Deno.test("read options are read and converted field by field, each once", async () => {
  assertHits(
    await hooks((kv, hit) =>
      kv.get(
        "k",
        Object.defineProperties({}, {
          type: getter(hit, "type", hook(hit, "type", "text")),
          cacheTtl: getter(hit, "cacheTtl", hook(hit, "cacheTtl", 60)),
        }),
      )
    ),
    ["get type", "type", "get cacheTtl", "cacheTtl"],
  );
});

Deno.test("put options are read once each, and functions count as options", async () => {
  assertHits(
    await hooks((kv, hit) =>
      kv.put(
        "k",
        "v",
        Object.defineProperties(() => {}, {
          expiration: getter(hit, "expiration", hook(hit, "expiration", 2_000_000_000)),
          expirationTtl: getter(hit, "expirationTtl", undefined),
          metadata: getter(hit, "metadata", 1),
        }),
      )
    ),
    ["get expiration", "expiration", "get expirationTtl", "get metadata"],
  );
});

Deno.test("list options are read and converted field by field, and functions count", async () => {
  const kv = createMemoryKv();
  const hits: string[] = [];
  const hit = (name: string) => void hits.push(name);
  const result = await kv.list(
    Object.defineProperties(() => {}, {
      limit: getter(hit, "limit", hook(hit, "limit", 1)),
      prefix: getter(hit, "prefix", hook(hit, "prefix", "")),
      cursor: getter(hit, "cursor", hook(hit, "cursor", "")),
    }) as unknown as Parameters<typeof kv.list>[0],
  );
  assertHits(hits, ["get limit", "limit", "get prefix", "prefix", "get cursor", "cursor"]);
  if (!result.list_complete) throw new Error("expected an empty, complete page");
});

Deno.test("a refused put value is first converted to a string, whose error wins", async () => {
  const kv = createMemoryKv();
  const boom = new Error("boom");
  const thrown = await kv.put("k", {
    toString: () => {
      throw boom;
    },
  } as unknown as string)
    .catch((error) => error);
  if (thrown !== boom) throw new Error(`expected the caller's error, got ${thrown}`);
  const refused = await kv.put("k", { getReader: () => ({}) } as unknown as string)
    .catch((error) => error);
  if (!(refused instanceof TypeError) || !/accepts only strings/.test(refused.message)) {
    throw new Error(`a fake stream must be refused, got ${refused}`);
  }
});

Deno.test("a function put value is checked after the options and the key", async () => {
  const kv = createMemoryKv();
  const fn = (() => {}) as unknown as string;
  for (
    const [args, message] of [
      [["k", fn, "x"], "parameter 3 is not of type 'PutOptions'"],
      [["", fn], "Key name cannot be empty."],
    ] as const
  ) {
    const error = await kv.put(...(args as unknown as [string, string])).catch((e) => e);
    if (!(error instanceof TypeError) || !error.message.includes(message)) {
      throw new Error(`expected ${message}, got ${error}`);
    }
  }
});

Deno.test("detached and shared buffers are put as workerd puts them", async () => {
  const kv = createMemoryKv();
  const detached = new ArrayBuffer(4);
  const view = new Uint8Array(detached);
  detached.transfer();
  await kv.put("a", detached);
  await kv.put("b", view);
  const shared = new SharedArrayBuffer(2);
  new Uint8Array(shared).set([7, 8]);
  await kv.put("c", shared as unknown as ArrayBuffer);
  const bytes = async (key: string) => [
    ...new Uint8Array((await kv.get(key, "arrayBuffer"))!),
  ];
  assertHits(
    [
      JSON.stringify(await bytes("a")),
      JSON.stringify(await bytes("b")),
      JSON.stringify(await bytes("c")),
    ],
    ["[]", "[]", "[7,8]"],
  );
});
