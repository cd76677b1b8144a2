// Meta-tests: the suite catches broken adapters. Each adapter below is a
// correct engine adapter with one deliberate defect; the suite must fail it
// in the cases that cover that defect.

import { compareKeys, createEngineKv } from "../driver.ts";
import type { KvDriver, KvRecord } from "../driver.ts";
import type { KvNamespace } from "../types.ts";
import { createMemoryKv } from "../adapters/memory.ts";
import {
  cases,
  clockFixture,
  createFakeClock,
  type KvFixture,
  runConformance,
  testKv,
} from "./mod.ts";

/** A plain Map driver; `sort` decides the key order. */
function mapDriver(
  sort: (a: string, b: string) => number = compareKeys,
): KvDriver {
  const records = new Map<string, KvRecord>();
  return {
    get: (key) => Promise.resolve(records.get(key)),
    getMany: (keys) => Promise.resolve(keys.map((key) => records.get(key))),
    put: (key, record) => Promise.resolve(void records.set(key, record)),
    delete: (key) => Promise.resolve(void records.delete(key)),
    list(prefix, after, limit) {
      const names = [...records.keys()].filter((k) => k.startsWith(prefix))
        .sort(sort);
      const start = after === undefined ? 0 : names.findIndex((k) => sort(k, after) > 0);
      return Promise.resolve(
        (start < 0 ? [] : names.slice(start, start + limit)).map((name) => {
          const { metadata, expiration } = records.get(name)!;
          return { name, metadata, expiration };
        }),
      );
    },
  };
}

function fixture(kv: (now: () => number) => KvNamespace): KvFixture {
  const clock = createFakeClock();
  return { kv: kv(clock.now), now: clock.now, advanceTime: clock.advance };
}

/** Wraps a namespace, replacing some of its methods. */
function patched(
  kv: KvNamespace,
  methods: Partial<Record<keyof KvNamespace, unknown>>,
) {
  return new Proxy(kv, {
    get(target, property, receiver) {
      if (Object.hasOwn(methods, property)) {
        return methods[property as keyof KvNamespace];
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as KvNamespace;
}

const broken: Record<string, { make: () => KvFixture; mustFail: string[] }> = {
  "sorts by UTF-16 code units": {
    make: () =>
      fixture((now) =>
        createEngineKv(mapDriver((a, b) => (a < b ? -1 : a > b ? 1 : 0)), {
          now,
        })
      ),
    mustFail: [
      "ordering.utf8",
      "ordering.bmp-before-astral",
      "ordering.astral-prefix",
    ],
  },
  "ignores expiry on read": {
    make: () =>
      fixture((now) => {
        const driver = mapDriver();
        const get = driver.get;
        driver.get = async (key) => {
          const record = await get(key);
          return record && { value: record.value, metadata: record.metadata };
        };
        return createEngineKv(driver, { now });
      }),
    mustFail: [
      "expiration.ttl-expires",
      "expiration.absolute-expires",
      "expiration.invisible",
    ],
  },
  "returns a cursor on complete pages": {
    make: () =>
      fixture((now) => {
        const kv = createMemoryKv({ now });
        return patched(kv, {
          list: async (options?: object) => {
            const page = await kv.list(options);
            return page.list_complete ? { ...page, cursor: "" } : page;
          },
        });
      }),
    mustFail: ["list.empty", "list.pages", "list.exact-limit"],
  },
  "accepts 1025-byte metadata": {
    make: () =>
      fixture((now) => {
        const driver = mapDriver();
        const kv = createEngineKv(driver, { now });
        return patched(kv, {
          put: async (
            key: string,
            value: string,
            options?: { metadata?: unknown },
          ) => {
            const json = JSON.stringify(options?.metadata);
            if (
              json !== undefined && json.length > 1024 && json.length < 4096
            ) {
              await driver.put(key, {
                value: new TextEncoder().encode(value),
                metadata: json,
              });
              return;
            }
            return kv.put(key, value, options);
          },
        });
      }),
    mustFail: ["metadata.limit-1025", "metadata.failed-write-keeps-old"],
  },
  "stores a value whose write failed": {
    make: () =>
      fixture((now) => {
        const kv = createMemoryKv({ now });
        return patched(kv, {
          put: async (key: string, value: string, options?: object) => {
            if (typeof value === "string") {
              await kv.put(key, value).catch(() => {});
            }
            return kv.put(key, value, options);
          },
        });
      }),
    mustFail: [
      "metadata.failed-write-keeps-old",
      "expiration.failed-put-keeps-expiration",
      "validation.failed-writes-keep-old",
    ],
  },
};

for (const [defect, { make, mustFail }] of Object.entries(broken)) {
  Deno.test(`the suite fails an adapter that ${defect}`, async () => {
    const report = await runConformance(make, {
      filter: (c) => mustFail.includes(c.id) || c.area === "get",
    });
    for (const id of mustFail) {
      const result = report.find((r) => r.id === id);
      if (result?.status !== "fail") {
        throw new Error(
          `${id} should fail for an adapter that ${defect}, got ${result?.status}`,
        );
      }
    }
  });
}

Deno.test("the suite has at least 80 cases, unique ids, and every area covered", () => {
  const ids = new Set(cases.map((c) => c.id));
  if (ids.size !== cases.length) throw new Error("duplicate case ids");
  if (cases.length < 80) throw new Error(`only ${cases.length} cases`);
  for (
    const area of [
      "get",
      "put",
      "metadata",
      "expiration",
      "list",
      "bulk",
      "validation",
      "ordering",
      "large",
      "concurrency",
    ]
  ) {
    if (!cases.some((c) => c.area === area)) {
      throw new Error(`no case in ${area}`);
    }
  }
});

Deno.test("runConformance reports declared skips with their reasons", async () => {
  const report = await runConformance(
    () => clockFixture((now) => createMemoryKv({ now })),
    {
      skip: { clock: "no clock here", "list.pages": "just because" },
      filter: (c) => c.area !== "large",
    },
  );
  const skipped = report.filter((r) => r.status === "skip");
  const clockCases = cases.filter((c) => c.tags?.includes("clock")).length;
  if (skipped.length !== clockCases + 1) {
    throw new Error(`expected ${clockCases + 1} skips`);
  }
  if (
    !skipped.every((r) => r.reason === "no clock here" || r.reason === "just because")
  ) {
    throw new Error("a skip lost its reason");
  }
  if (report.some((r) => r.status === "fail")) {
    throw new Error("memory should pass");
  }
});

Deno.test("runConformance rejects a skip key that names nothing", async () => {
  let threw = false;
  try {
    await runConformance(() => ({ kv: createMemoryKv() }), {
      skip: { "no.such-case": "typo" },
    });
  } catch (error) {
    threw = error instanceof TypeError;
  }
  if (!threw) throw new Error("expected a TypeError for an unknown skip key");
});

Deno.test("a case fails, and does not hang, when the adapter never answers", async () => {
  const hanging = patched(createMemoryKv(), {
    get: () => new Promise(() => {}),
  });
  const report = await runConformance(() => ({ kv: hanging }), {
    filter: (c) => c.id === "get.missing",
    timeoutMs: 50,
  });
  if (
    report[0].status !== "fail" || !report[0].error?.includes("did not settle")
  ) {
    throw new Error(
      `expected a timeout failure, got ${JSON.stringify(report[0])}`,
    );
  }
});

Deno.test("a clock case fails clearly when the fixture has no clock", async () => {
  const report = await runConformance(() => ({ kv: createMemoryKv() }), {
    filter: (c) => c.id === "expiration.ttl-expires",
  });
  if (
    report[0].status !== "fail" || !report[0].error?.includes("advanceTime")
  ) {
    throw new Error(
      `expected a clear failure, got ${JSON.stringify(report[0])}`,
    );
  }
});

// testKv registers with any (name, fn) function, including describe/it
// shapes; skips go through the runner's skip form.
Deno.test("testKv registers every case and routes skips to test.skip", () => {
  const registered: string[] = [];
  const skippedNames: string[] = [];
  const it = Object.assign(
    (name: string, _fn: () => Promise<void>) => void registered.push(name),
    {
      skip: (name: string) => void skippedNames.push(name),
    },
  );
  testKv(it, "x", () => ({ kv: createMemoryKv() }), {
    skip: { large: "slow" },
  });
  const large = cases.filter((c) => c.area === "large" || c.tags?.includes("large")).length;
  if (skippedNames.length !== large) {
    throw new Error(`expected ${large} skips, got ${skippedNames.length}`);
  }
  if (registered.length + skippedNames.length !== cases.length) {
    throw new Error("cases went missing");
  }
  if (!skippedNames.every((n) => n.includes("(skipped: slow)"))) {
    throw new Error("skip reason missing");
  }
});
