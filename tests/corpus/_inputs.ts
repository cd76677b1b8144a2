// The adversarial input corpus: wrong types at every argument position of
// every method, hooks with side effects, Proxies, detached and resizable
// buffers, and the boundaries of every limit. Each input is defined once
// here; the recording Worker (./_worker.ts) runs them on workerd's raw
// binding and corpus_test.ts runs them on every kvkit adapter.
//
// Time-dependent inputs assume the namespace's fake clock stands at
// FAKE_TIME (createFakeClock's default).

import { type CorpusInput, type CorpusKv, type Probe, type SetupWrite, traced } from "./_run.ts";

/** The fake clock every input runs at, epoch ms: 2025-01-01T00:00:00Z. */
export const FAKE_TIME = 1_735_689_600_000;
const NOW_S = FAKE_TIME / 1000;

type Make = (probe: Probe) => unknown;

const inputs: CorpusInput[] = [];

function add(
  id: string,
  call: (kv: CorpusKv, probe: Probe) => unknown,
  options: { setup?: SetupWrite[]; state?: boolean } = {},
): void {
  if (inputs.some((input) => input.id === id)) throw new Error(`duplicate corpus id ${id}`);
  inputs.push({ id, call, ...options });
}

function detached(): ArrayBuffer {
  const buffer = new ArrayBuffer(4);
  buffer.transfer();
  return buffer;
}

/** An object whose `toString` reports and returns `text`. */
function stringy(probe: Probe, text: string, label = "toString"): object {
  return {
    toString() {
      probe.hit(label);
      return text;
    },
  };
}

function throwing(probe: Probe, hook: "toString" | "valueOf" | "toPrimitive"): object {
  const fail = () => {
    probe.hit(hook);
    throw probe.boom;
  };
  if (hook === "toPrimitive") return { [Symbol.toPrimitive]: fail };
  return hook === "toString" ? { toString: fail } : { valueOf: fail, toString: undefined };
}

function numberish(probe: Probe, value: number, label = "valueOf"): object {
  return {
    valueOf() {
      probe.hit(label);
      return value;
    },
  };
}

/** The four Proxy kinds, each recording its traps under `label`. */
function proxies(label: string): [string, Make][] {
  return [
    ["proxy-object", (p) => traced(p, {}, label)],
    ["proxy-function", (p) => traced(p, () => {}, label)],
    ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), label)],
    ["proxy-uint8array", (p) => traced(p, new Uint8Array([1, 2]), label)],
  ];
}

// ---------------------------------------------------------------- keys

/** Every key shape, for each single-key position. */
const keys: [string, Make][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["number", () => 123],
  ["boolean", () => true],
  ["bigint", () => 10n],
  ["symbol", () => Symbol("key")],
  ["object", () => ({})],
  ["toString", (p) => stringy(p, "k")],
  ["toString-throws", (p) => throwing(p, "toString")],
  ["valueOf-only", (p) => ({ valueOf: () => (p.hit("valueOf"), "k") })],
  ["toString-returns-object", (p) => ({
    toString: () => (p.hit("toString"), {}),
    valueOf: () => (p.hit("valueOf"), "k"),
  })],
  ["toPrimitive", (p) => ({
    [Symbol.toPrimitive]: (hint: string) => (p.hit(`toPrimitive:${hint}`), "k"),
  })],
  ["toPrimitive-throws", (p) => throwing(p, "toPrimitive")],
  ["toPrimitive-symbol", () => ({ [Symbol.toPrimitive]: () => Symbol("s") })],
  [
    "function",
    (p) => Object.assign(function key() {}, { toString: () => (p.hit("toString"), "k") }),
  ],
  ["proxy-object", (p) => traced(p, { toString: () => "k" }, "key")],
  ["proxy-function", (p) => traced(p, Object.assign(() => {}, { toString: () => "k" }), "key")],
  ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), "key")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array([1, 2]), "key")],
  ["arraybuffer", () => new ArrayBuffer(2)],
  ["uint8array", () => new Uint8Array([1, 2])],
  ["detached-buffer", () => detached()],
  ["boxed-string", () => new String("k")],
  ["empty", () => ""],
  ["dot", () => "."],
  ["dotdot", () => ".."],
  ["dots3", () => "..."],
  ["bytes512-ascii", () => "a".repeat(512)],
  ["bytes513-ascii", () => "a".repeat(513)],
  ["bytes512-2byte", () => "é".repeat(256)],
  ["bytes514-2byte", () => "é".repeat(257)],
  ["bytes512-3byte", () => "€".repeat(170) + "ab"],
  ["bytes513-3byte", () => "€".repeat(171)],
  ["bytes512-4byte", () => "😀".repeat(128)],
  ["bytes516-4byte", () => "😀".repeat(129)],
  ["bytes513-mixed", () => "😀".repeat(127) + "€é"],
  ["lone-high", () => "a\uD800"],
  ["lone-low", () => "\uDC00b"],
  ["nul", () => "\u0000x"],
  ["url-chars", () => "/?#%&+ "],
  ["bom", () => "\uFEFFk"],
];

const SEEDED: SetupWrite[] = [["k", "v", { metadata: { m: 1 } }]];

for (const [variant, make] of keys) {
  add(`get.key.${variant}`, (kv, p) => kv.get(make(p)), { setup: SEEDED });
  add(`getWithMetadata.key.${variant}`, (kv, p) => kv.getWithMetadata(make(p)), {
    setup: SEEDED,
  });
  add(`put.key.${variant}`, (kv, p) => kv.put(make(p), "new"), { setup: SEEDED, state: true });
  add(`delete.key.${variant}`, (kv, p) => kv.delete(make(p)), { setup: SEEDED, state: true });
}

// A Proxy of an array: workerd's argument conversion does not see an array.
for (const method of ["get", "getWithMetadata", "put", "delete"] as const) {
  add(`${method}.key.proxy-array`, (kv, p) => {
    const key = traced(p, ["k"], "key");
    return method === "put" ? kv.put(key, "new") : kv[method](key);
  }, { setup: SEEDED, state: method === "put" || method === "delete" });
}
add("put.key.array", (kv) => kv.put(["a", "b"], "new"), { state: true });
add("delete.key.array", (kv) => kv.delete(["k"]), { setup: SEEDED, state: true });

// ---------------------------------------------------------------- arity

add("get.arity.none", (kv) => kv.get());
add("getWithMetadata.arity.none", (kv) => kv.getWithMetadata());
add("put.arity.none", (kv) => kv.put(), { state: true });
add("put.arity.key-only", (kv) => kv.put("k"), { setup: SEEDED, state: true });
add("put.arity.explicit-undefined", (kv) => kv.put("k", undefined), { state: true });
add("delete.arity.none", (kv) => kv.delete(), { setup: SEEDED, state: true });
add("list.arity.none", (kv) => kv.list(), { setup: SEEDED });
add("get.arity.extra", (kv) => kv.get("k", "text", "extra"), { setup: SEEDED });

// ---------------------------------------------------------------- read options

/** The second argument of single-key reads. */
const readOptions: [string, Make][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["text", () => "text"],
  ["json", () => "json"],
  ["arrayBuffer", () => "arrayBuffer"],
  ["stream", () => "stream"],
  ["uppercase", () => "TEXT"],
  ["unknown", () => "bogus"],
  ["empty-string", () => ""],
  ["number", () => 123],
  ["boolean", () => true],
  ["bigint", () => 1n],
  ["symbol", () => Symbol("type")],
  ["empty-object", () => ({})],
  ["array", () => ["json"]],
  ["boxed-string", () => new String("json")],
  ["function", () => Object.assign(() => {}, { type: "json" })],
  ["toString-object", (p) => stringy(p, "json")],
  ["type-undefined", () => ({ type: undefined })],
  ["type-null", () => ({ type: null })],
  ["type-number", () => ({ type: 1 })],
  ["type-symbol", () => ({ type: Symbol("t") })],
  ["type-toString", (p) => ({ type: stringy(p, "json") })],
  ["type-toString-throws", (p) => ({ type: throwing(p, "toString") })],
  ["getters", (p) => ({
    get type() {
      p.hit("get type");
      return stringy(p, "json", "type.toString");
    },
    get cacheTtl() {
      p.hit("get cacheTtl");
      return numberish(p, 60, "cacheTtl.valueOf");
    },
  })],
  ["getter-throws", (p) => ({
    get type() {
      p.hit("get type");
      throw p.boom;
    },
  })],
  ["proxy-object", (p) => traced(p, { type: "json", cacheTtl: 60 }, "options")],
  ["proxy-function", (p) => traced(p, Object.assign(() => {}, { type: "json" }), "options")],
  ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), "options")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array(2), "options")],
  ["arraybuffer", () => new ArrayBuffer(2)],
  ["cacheTtl-29", () => ({ cacheTtl: 29 })],
  ["cacheTtl-30", () => ({ cacheTtl: 30 })],
  ["cacheTtl-29.9", () => ({ cacheTtl: 29.9 })],
  ["cacheTtl-30.9", () => ({ cacheTtl: 30.9 })],
  ["cacheTtl-string", () => ({ cacheTtl: "45" })],
  ["cacheTtl-garbage", () => ({ cacheTtl: "abc" })],
  ["cacheTtl-NaN", () => ({ cacheTtl: NaN })],
  ["cacheTtl-null", () => ({ cacheTtl: null })],
  ["cacheTtl-Infinity", () => ({ cacheTtl: Infinity })],
  ["cacheTtl-int32-max", () => ({ cacheTtl: 2147483647 })],
  ["cacheTtl-int32-max+1", () => ({ cacheTtl: 2147483648 })],
  ["cacheTtl-int32-min", () => ({ cacheTtl: -2147483648 })],
  ["cacheTtl-int32-min-1", () => ({ cacheTtl: -2147483649 })],
  ["cacheTtl-bigint", () => ({ cacheTtl: 60n })],
  ["cacheTtl-symbol", () => ({ cacheTtl: Symbol("ttl") })],
  ["cacheTtl-valueOf", (p) => ({ cacheTtl: numberish(p, 45) })],
  ["cacheTtl-valueOf-throws", (p) => ({ cacheTtl: throwing(p, "valueOf") })],
  ["cacheTtl-with-unknown-type", () => ({ type: "bogus", cacheTtl: 10 })],
];

const JSON_SEEDED: SetupWrite[] = [["k", '{"a":1}', { metadata: { m: 1 } }]];

for (const [variant, make] of readOptions) {
  add(`get.options.${variant}`, (kv, p) => kv.get("k", make(p)), { setup: JSON_SEEDED });
  add(`getWithMetadata.options.${variant}`, (kv, p) => kv.getWithMetadata("k", make(p)), {
    setup: JSON_SEEDED,
  });
}
// An unknown type only fails on a hit.
add("get.options.unknown-missing-key", (kv) => kv.get("missing", "bogus"));
add("getWithMetadata.options.unknown-missing-key", (kv) => kv.getWithMetadata("missing", "bogus"));
add("get.options.cacheTtl-29-missing-key", (kv) => kv.get("missing", { cacheTtl: 29 }));
// Key errors against option conversion errors: which comes first.
add("get.order.empty-key-symbol-type", (kv) => kv.get("", Symbol("t")));
add("get.order.empty-key-cacheTtl-29", (kv) => kv.get("", { cacheTtl: 29 }));
add("get.order.long-key-cacheTtl-range", (kv) => kv.get("a".repeat(513), { cacheTtl: 2 ** 31 }));
add(
  "getWithMetadata.order.empty-key-cacheTtl-29",
  (kv) => kv.getWithMetadata("", { cacheTtl: 29 }),
);
add("get.order.key-hook-then-options-hook", (kv, p) =>
  kv.get(stringy(p, "k", "key.toString"), {
    get type() {
      p.hit("get type");
      return "text";
    },
  }), { setup: SEEDED });

// Stored values that are not JSON, read as JSON.
add("get.json.invalid", (kv) => kv.get("k", "json"), { setup: [["k", "not json"]] });
add("get.json.empty", (kv) => kv.get("k", "json"), { setup: [["k", ""]] });
add("get.json.null", (kv) => kv.get("k", "json"), { setup: [["k", "null"]] });
add("get.json.negative-zero", (kv) => kv.get("k", "json"), { setup: [["k", "-0"]] });
add("get.json.proto-key", (kv) => kv.get("k", "json"), { setup: [["k", '{"__proto__":1}']] });
add("get.text.bom", (kv) => kv.get("k"), { setup: [["k", "\uFEFFv"]] });
add("getWithMetadata.json.invalid", (kv) => kv.getWithMetadata("k", "json"), {
  setup: [["k", "{", { metadata: 1 }]],
});

// ---------------------------------------------------------------- bulk reads

const BULK_SEEDED: SetupWrite[] = [
  ["a", "1", { metadata: { m: "a" } }],
  ["b", "not json"],
  ["1", "one"],
  ["__proto__", '"p"'],
  ["z", "0"],
];

const hundred = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? "a" : `key${i}`));

const bulkKeys: [string, Make][] = [
  ["empty", () => []],
  ["one", () => ["a"]],
  ["missing", () => ["nope"]],
  ["100", () => hundred(100)],
  ["101", () => hundred(101)],
  ["duplicates", () => ["a", "nope", "a"]],
  ["integer-like", () => ["1", "a"]],
  ["proto", () => ["__proto__", "a"]],
  ["falsy-value", () => ["z"]],
  ["null-undefined", () => [null, undefined]],
  ["numbers", () => [1, 2]],
  ["bigint", () => [1n]],
  ["symbol", () => ["a", Symbol("k")]],
  ["sparse", () => {
    const sparse: unknown[] = [];
    sparse[1] = "a";
    return sparse;
  }],
  ["toString", (p) => [stringy(p, "a")]],
  ["toString-throws", (p) => ["a", throwing(p, "toString")]],
  ["index-getter", (p) => {
    const array: unknown[] = ["x"];
    Object.defineProperty(array, 0, {
      get() {
        p.hit("get 0");
        return "a";
      },
      enumerable: true,
    });
    return array;
  }],
  ["proxy-element", (p) => [traced(p, { toString: () => "a" }, "element")]],
  ...proxies("element").map(([name, make]): [string, Make] => [
    `element-${name}`,
    (p) => ["a", make(p)],
  ]),
  ["subclass", () => {
    class Keys extends Array {}
    return Keys.from(["a"]);
  }],
  ["empty-key", () => ["a", ""]],
  ["dot", () => ["a", "."]],
  ["dotdot-first", () => ["..", "a"]],
  ["bytes512", () => ["a", "é".repeat(256)]],
  ["bytes513", () => ["a", "😀".repeat(127) + "€é"]],
  ["lone-surrogate", () => ["a", "b\uD800"]],
  ["invalid-then-nonjson", () => ["", "b"]],
];

for (const [variant, make] of bulkKeys) {
  add(`getBulk.keys.${variant}`, (kv, p) => kv.get(make(p)), { setup: BULK_SEEDED });
  add(`getWithMetadataBulk.keys.${variant}`, (kv, p) => kv.getWithMetadata(make(p)), {
    setup: BULK_SEEDED,
  });
}

const bulkOptions: [string, Make][] = [
  ["text", () => "text"],
  ["json", () => "json"],
  ["json-object", () => ({ type: "json" })],
  ["arrayBuffer", () => "arrayBuffer"],
  ["stream", () => ({ type: "stream" })],
  ["unknown", () => "bogus"],
  ["empty-string", () => ""],
  ["number", () => 5],
  ["symbol", () => Symbol("type")],
  ["type-null", () => ({ type: null })],
  ["cacheTtl-29", () => ({ cacheTtl: 29 })],
  ["cacheTtl-30", () => ({ cacheTtl: 30 })],
  ["cacheTtl-int32-max+1", () => ({ cacheTtl: 2147483648 })],
  ["cacheTtl-NaN", () => ({ cacheTtl: NaN })],
  ["getters", (p) => ({
    get type() {
      p.hit("get type");
      return "text";
    },
    get cacheTtl() {
      p.hit("get cacheTtl");
      return numberish(p, 30, "cacheTtl.valueOf");
    },
  })],
  ["proxy-object", (p) => traced(p, { type: "text" }, "options")],
  ["proxy-function", (p) => traced(p, Object.assign(() => {}, { type: "json" }), "options")],
  ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), "options")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array(2), "options")],
  ["type-toString-throws", (p) => ({ type: throwing(p, "toString") })],
];

for (const [variant, make] of bulkOptions) {
  add(`getBulk.options.${variant}`, (kv, p) => kv.get(["a", "nope"], make(p)), {
    setup: BULK_SEEDED,
  });
  add(
    `getWithMetadataBulk.options.${variant}`,
    (kv, p) => kv.getWithMetadata(["a", "nope"], make(p)),
    { setup: BULK_SEEDED },
  );
}
add("getBulk.json.non-json-value", (kv) => kv.get(["a", "b"], "json"), { setup: BULK_SEEDED });
add("getBulk.json.non-json-before-invalid-key", (kv) => kv.get(["b", ""], "json"), {
  setup: BULK_SEEDED,
});
add("getBulk.json.invalid-key-before-non-json", (kv) => kv.get(["", "b"], "json"), {
  setup: BULK_SEEDED,
});
add("getBulk.order.type-before-count", (kv) => kv.get([], "arrayBuffer"));
add("getBulk.order.count-before-keys", (kv) => kv.get(Array(101).fill(""), "text"));
add("getBulk.order.cacheTtl-after-key", (kv) => kv.get(["", "a"], { cacheTtl: 29 }));

// ---------------------------------------------------------------- put values

function resizable(bytes: number[], max: number): ArrayBuffer {
  const buffer = new ArrayBuffer(bytes.length, { maxByteLength: max });
  new Uint8Array(buffer).set(bytes);
  return buffer;
}

const putValues: [string, Make][] = [
  ["empty-string", () => ""],
  ["number", () => 123],
  ["boolean", () => false],
  ["null", () => null],
  ["bigint", () => 123n],
  ["symbol", () => Symbol("value")],
  ["lone-surrogate", () => "a\uD800b"],
  ["object", () => ({})],
  ["array", () => [1, 2]],
  ["boxed-string", () => new String("x")],
  ["date", () => new Date(0)],
  ["blob", () => new Blob(["x"])],
  ["function", () => () => "x"],
  ["toString-object", (p) => stringy(p, "x")],
  ["toString-throws", (p) => throwing(p, "toString")],
  ["toPrimitive-object", (p) => ({
    [Symbol.toPrimitive]: (hint: string) => (p.hit(`toPrimitive:${hint}`), "x"),
  })],
  ["arraybuffer", () => new Uint8Array([1, 2, 3]).buffer],
  ["uint8array-subarray", () => new Uint8Array([1, 2, 3, 4]).subarray(1, 3)],
  ["dataview", () => new DataView(new Uint8Array([1, 2, 3, 4]).buffer, 1, 2)],
  ["float64array", () => new Float64Array([1.5])],
  ["uint16array", () => new Uint16Array([0x0102])],
  ["shared-buffer", () => new SharedArrayBuffer(2)],
  ["uint8array-on-shared", () => new Uint8Array(new SharedArrayBuffer(2))],
  ["detached-buffer", () => detached()],
  ["view-on-detached", () => {
    const buffer = new ArrayBuffer(4);
    const view = new Uint8Array(buffer);
    buffer.transfer();
    return view;
  }],
  ["resizable-buffer", () => resizable([1, 2, 3], 16)],
  ["length-tracking-view", () => new Uint8Array(resizable([1, 2, 3], 16))],
  ["proxy-arraybuffer", (p) => traced(p, new Uint8Array([1]).buffer, "value")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array([1]), "value")],
  ["proxy-object", (p) => traced(p, {}, "value")],
  ["proxy-function", (p) => traced(p, () => {}, "value")],
  ["fake-arraybuffer", () => Object.create(ArrayBuffer.prototype)],
  ["fake-stream", () => ({ getReader: () => ({}) })],
  ["stream-bytes", () =>
    new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array([0x61, 0x62]));
        controller.close();
      },
    })],
  ["stream-of-strings", () =>
    new ReadableStream({
      start(controller) {
        controller.enqueue("ab");
        controller.close();
      },
    })],
  ["stream-that-errors", (p) =>
    new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array([0x61]));
        controller.error(p.boom);
      },
    })],
  ["value-1024-bytes", () => "x".repeat(1024)],
];

for (const [variant, make] of putValues) {
  add(`put.value.${variant}`, (kv, p) => kv.put("k", make(p)), { setup: SEEDED, state: true });
}

// Buffers changed right after the call returns.
add("put.value.mutated-after-call", (kv) => {
  const bytes = new Uint8Array([1, 2, 3]);
  const pending = kv.put("k", bytes);
  bytes.fill(9);
  return pending;
}, { setup: SEEDED, state: true });
add("put.value.transferred-after-call", (kv) => {
  const buffer = new Uint8Array([1, 2, 3]).buffer;
  const pending = kv.put("k", buffer);
  buffer.transfer();
  return pending;
}, { setup: SEEDED, state: true });
add("put.value.resizable-grown-after-call", (kv) => {
  const buffer = resizable([1, 2, 3], 16);
  const pending = kv.put("k", buffer);
  buffer.resize(6);
  new Uint8Array(buffer).fill(7, 3);
  return pending;
}, { setup: SEEDED, state: true });
add("put.value.resizable-shrunk-after-call", (kv) => {
  const buffer = resizable([1, 2, 3], 16);
  const pending = kv.put("k", buffer);
  buffer.resize(1);
  return pending;
}, { setup: SEEDED, state: true });
add("put.value.tracking-view-shrunk-after-call", (kv) => {
  const buffer = resizable([1, 2, 3, 4], 16);
  const pending = kv.put("k", new Uint8Array(buffer, 1));
  buffer.resize(2);
  return pending;
}, { setup: SEEDED, state: true });
add("put.value.fixed-view-out-of-bounds-after-call", (kv) => {
  const buffer = resizable([1, 2, 3, 4], 16);
  const pending = kv.put("k", new Uint8Array(buffer, 1, 2));
  buffer.resize(1);
  return pending;
}, { setup: SEEDED, state: true });
add("put.value.view-out-of-bounds", (kv) => {
  const buffer = resizable([1, 2, 3, 4], 16);
  const view = new Uint8Array(buffer, 1, 2);
  buffer.resize(1);
  return kv.put("k", view);
}, { setup: SEEDED, state: true });

// ---------------------------------------------------------------- put options

const putOptions: [string, Make][] = [
  ["null", () => null],
  ["empty-object", () => ({})],
  ["string", () => "options"],
  ["number", () => 60],
  ["boolean", () => true],
  ["bigint", () => 1n],
  ["symbol", () => Symbol("options")],
  ["function", () => Object.assign(() => {}, { expirationTtl: 120 })],
  ["array", () => []],
  ["arraybuffer", () => new ArrayBuffer(2)],
  [
    "proxy-object",
    (p) =>
      traced(p, { expiration: NOW_S + 120, expirationTtl: 120, metadata: { m: 2 } }, "options"),
  ],
  ["proxy-function", (p) => traced(p, Object.assign(() => {}, { metadata: 1 }), "options")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array(2), "options")],
  ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), "options")],
  ["getters", (p) => ({
    get expiration() {
      p.hit("get expiration");
      return numberish(p, NOW_S + 120, "expiration.valueOf");
    },
    get expirationTtl() {
      p.hit("get expirationTtl");
      return undefined;
    },
    get metadata() {
      p.hit("get metadata");
      return {
        get m() {
          p.hit("get metadata.m");
          return 1;
        },
      };
    },
  })],
  ["getter-throws", (p) => ({
    get expiration() {
      p.hit("get expiration");
      throw p.boom;
    },
    get metadata() {
      p.hit("get metadata");
      return 1;
    },
  })],
  ["unknown-keys", () => ({ ttl: 5, meta: 1 })],
];

/** expiration and expirationTtl values, tried in each position. */
const expirations: [string, Make][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["zero", () => 0],
  ["negative", () => -1],
  ["NaN", () => NaN],
  ["garbage", () => "abc"],
  ["numeric-string", () => "120"],
  ["Infinity", () => Infinity],
  ["int32-max", () => 2147483647],
  ["int32-max+1", () => 2147483648],
  ["int32-min", () => -2147483648],
  ["int32-min-1", () => -2147483649],
  ["bigint", () => 120n],
  ["symbol", () => Symbol("exp")],
  ["valueOf", (p) => numberish(p, 120)],
  ["valueOf-throws", (p) => throwing(p, "valueOf")],
  ["toString-only", (p) => ({ valueOf: undefined, toString: () => (p.hit("toString"), "120") })],
  ["object", () => ({})],
  ["array-one", () => [120]],
  ["boolean", () => true],
  ...proxies("number"),
];

for (const [variant, make] of putOptions) {
  add(`put.options.${variant}`, (kv, p) => kv.put("k", "new", make(p)), {
    setup: SEEDED,
    state: true,
  });
}
for (const [variant, make] of expirations) {
  add(`put.expirationTtl.${variant}`, (kv, p) => kv.put("k", "new", { expirationTtl: make(p) }), {
    setup: SEEDED,
    state: true,
  });
  add(`put.expiration.${variant}`, (kv, p) => kv.put("k", "new", { expiration: make(p) }), {
    setup: SEEDED,
    state: true,
  });
}
const timing: [string, Record<string, unknown>][] = [
  ["expirationTtl-59", { expirationTtl: 59 }],
  ["expirationTtl-60", { expirationTtl: 60 }],
  ["expirationTtl-59.9", { expirationTtl: 59.9 }],
  ["expirationTtl-60.9", { expirationTtl: 60.9 }],
  ["expiration-now", { expiration: NOW_S }],
  ["expiration-now-1", { expiration: NOW_S - 1 }],
  ["expiration-now+59", { expiration: NOW_S + 59 }],
  ["expiration-now+60", { expiration: NOW_S + 60 }],
  ["expiration-now+60.9", { expiration: NOW_S + 60.9 }],
  ["expiration-ms", { expiration: FAKE_TIME }],
  ["both-ttl-wins", { expiration: NOW_S + 3600, expirationTtl: 120 }],
  ["both-invalid-expiration-ignored", { expiration: 1, expirationTtl: 120 }],
  ["both-invalid-ttl", { expiration: NOW_S + 3600, expirationTtl: 30 }],
  ["both-range-error-expiration", { expiration: 2 ** 31, expirationTtl: 120 }],
  ["ttl-and-bad-metadata", { expirationTtl: 30, metadata: 1n }],
  ["bad-ttl-and-big-metadata", { expirationTtl: 30, metadata: "x".repeat(2000) }],
  ["expiration-and-big-metadata", { expiration: NOW_S + 60, metadata: "x".repeat(2000) }],
];
for (const [variant, options] of timing) {
  add(`put.timing.${variant}`, (kv) => kv.put("k", "new", options), {
    setup: SEEDED,
    state: true,
  });
}

// ---------------------------------------------------------------- metadata

function deep(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const metadata: [string, Make][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["zero", () => 0],
  ["false", () => false],
  ["empty-string", () => ""],
  ["NaN", () => NaN],
  ["Infinity", () => Infinity],
  ["negative-zero", () => -0],
  ["bigint", () => 1n],
  ["nested-bigint", () => ({ n: 1n })],
  ["symbol", () => Symbol("m")],
  ["nested-symbol", () => ({ s: Symbol("m"), k: 1 })],
  ["function", () => () => {}],
  ["nested-function", () => ({ f() {}, k: 1 })],
  ["circular", () => {
    const self: Record<string, unknown> = { k: 1 };
    self.self = self;
    return self;
  }],
  ["toJSON-throws", (p) => ({
    toJSON() {
      p.hit("toJSON");
      throw p.boom;
    },
  })],
  ["toJSON-undefined", () => ({ toJSON: () => undefined })],
  ["toJSON-counted", (p) => ({ toJSON: () => (p.hit("toJSON"), { v: 1 }) })],
  ["getter-counted", (p) => ({
    get v() {
      p.hit("get v");
      return 1;
    },
  })],
  ["proxy-object", (p) => traced(p, { b: 1, a: [1] }, "metadata")],
  ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), "metadata")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array([1, 2]), "metadata")],
  ["proxy-function", (p) => traced(p, () => {}, "metadata")],
  ["proxy-array", (p) => traced(p, [1, "a"], "metadata")],
  ["arraybuffer", () => new ArrayBuffer(2)],
  ["uint8array", () => new Uint8Array([1, 2])],
  ["date", () => new Date(0)],
  ["map", () => new Map([["a", 1]])],
  ["proto-key", () => JSON.parse('{"__proto__":1,"b":2}')],
  ["lone-surrogate", () => "\uD800"],
  ["lone-surrogate-key", () => ({ "\uDC00": 1 })],
  ["deep-2000", () => deep(2000)],
  ["bytes1024-ascii", () => ({ s: "x".repeat(1016) })],
  ["bytes1025-ascii", () => ({ s: "x".repeat(1017) })],
  ["bytes1024-2byte", () => ({ s: "é".repeat(508) })],
  ["bytes1025-2byte", () => ({ s: "é".repeat(508) + "x" })],
  ["bytes1024-3byte", () => ({ s: "€".repeat(338) + "xx" })],
  ["bytes1025-3byte", () => ({ s: "€".repeat(338) + "xxx" })],
  ["bytes1024-4byte", () => ({ s: "😀".repeat(254) })],
  ["bytes1025-4byte", () => ({ s: "😀".repeat(254) + "x" })],
  ["bytes1024-escapes", () => ({ s: "\u0001".repeat(169) + "xx" })],
  ["bytes1025-escapes", () => ({ s: "\u0001".repeat(169) + "xxx" })],
  ["bytes1024-quotes", () => ({ s: '"'.repeat(508) })],
  ["bytes1026-quotes", () => ({ s: '"'.repeat(509) })],
  ["bytes1024-lone-surrogates", () => ({ s: "\uD800".repeat(169) + "xx" })],
  ["bytes1025-lone-surrogates", () => ({ s: "\uD800".repeat(169) + "xxx" })],
  ["bytes1024-string", () => "x".repeat(1022)],
  ["bytes1025-string", () => "x".repeat(1023)],
];

for (const [variant, make] of metadata) {
  add(`put.metadata.${variant}`, (kv, p) => kv.put("k", "new", { metadata: make(p) }), {
    setup: SEEDED,
    state: true,
  });
}
// Metadata against the key checks: a bad key is refused before the
// metadata is serialized.
add("put.order.empty-key-then-metadata-getter", (kv, p) =>
  kv.put("", "new", {
    metadata: {
      get v() {
        p.hit("get v");
        return 1;
      },
    },
  }), { setup: SEEDED, state: true });
add("put.order.empty-key-bigint-metadata", (kv) => kv.put("", "new", { metadata: 1n }));
add("put.order.bad-value-bigint-metadata", (kv) => kv.put("k", {}, { metadata: 1n }), {
  setup: SEEDED,
  state: true,
});
add("put.order.bad-value-range-ttl", (kv) => kv.put("k", {}, { expirationTtl: 2 ** 31 }), {
  setup: SEEDED,
  state: true,
});
add("put.order.symbol-value-string-options", (kv) => kv.put("k", Symbol("v"), "options"), {
  setup: SEEDED,
  state: true,
});
add("put.order.function-value-string-options", (kv) => kv.put("k", () => {}, "options"), {
  setup: SEEDED,
  state: true,
});
add("put.order.function-value-empty-key", (kv) => kv.put("", () => {}), { state: true });
add("put.order.object-value-empty-key", (kv) => kv.put("", {}), { state: true });
add("put.order.object-value-long-key", (kv) => kv.put("a".repeat(513), {}), { state: true });
add("put.order.lone-surrogate-key-bad-value", (kv) => kv.put("a\uD800", {}), { state: true });
add(
  "put.order.lone-surrogate-key-big-metadata",
  (kv) => kv.put("a\uD800", "v", { metadata: "x".repeat(2000) }),
  { state: true },
);
add(
  "put.order.key-hook-value-hook-options-hook",
  (kv, p) =>
    kv.put(stringy(p, "k", "key.toString"), stringy(p, "v", "value.toString"), {
      get expirationTtl() {
        p.hit("get expirationTtl");
        return undefined;
      },
    }),
  { state: true },
);
add(
  "put.order.value-hook-with-symbol-key",
  (kv, p) => kv.put(Symbol("k"), stringy(p, "v", "value.toString")),
  { state: true },
);

// ---------------------------------------------------------------- list

const LIST_SEEDED: SetupWrite[] = [
  ["a", "1", { metadata: { m: 1 } }],
  ["b", "2", { expiration: NOW_S + 3600 }],
  ["c", "3", { metadata: 0 }],
  ["p1", "4"],
  ["p2", "5", { metadata: "" }],
  ["é".repeat(256), "6"],
];

const listOptions: [string, Make][] = [
  ["undefined", () => undefined],
  ["null", () => null],
  ["empty-object", () => ({})],
  ["string", () => "options"],
  ["number", () => 1],
  ["boolean", () => false],
  ["bigint", () => 1n],
  ["symbol", () => Symbol("options")],
  ["function", () => Object.assign(() => {}, { limit: 1 })],
  ["array", () => []],
  ["proxy-object", (p) => traced(p, { limit: 2, prefix: "p", cursor: "" }, "options")],
  ["proxy-function", (p) => traced(p, Object.assign(() => {}, { limit: 1 }), "options")],
  ["proxy-arraybuffer", (p) => traced(p, new ArrayBuffer(2), "options")],
  ["proxy-uint8array", (p) => traced(p, new Uint8Array(2), "options")],
  ...proxies("limit").map(([name, make]): [string, Make] => [
    `limit-${name}`,
    (p) => ({ limit: make(p) }),
  ]),
  ...proxies("prefix").map(([name, make]): [string, Make] => [
    `prefix-${name}`,
    (p) => ({ prefix: make(p) }),
  ]),
  ...proxies("cursor").map(([name, make]): [string, Make] => [
    `cursor-${name}`,
    (p) => ({ cursor: make(p) }),
  ]),
  ["getters", (p) => ({
    get limit() {
      p.hit("get limit");
      return numberish(p, 2, "limit.valueOf");
    },
    get prefix() {
      p.hit("get prefix");
      return stringy(p, "p", "prefix.toString");
    },
    get cursor() {
      p.hit("get cursor");
      return stringy(p, "", "cursor.toString");
    },
  })],
  ["getter-throws", (p) => ({
    get limit() {
      p.hit("get limit");
      throw p.boom;
    },
    get prefix() {
      p.hit("get prefix");
      return "p";
    },
  })],
  ["limit-valueOf-throws-prefix-getter", (p) => ({
    limit: throwing(p, "valueOf"),
    get prefix() {
      p.hit("get prefix");
      return "p";
    },
  })],
  ["prefix-toString-throws-cursor-getter", (p) => ({
    prefix: throwing(p, "toString"),
    get cursor() {
      p.hit("get cursor");
      return "";
    },
  })],
  ["limit-0", () => ({ limit: 0 })],
  ["limit-negative", () => ({ limit: -1 })],
  ["limit-1", () => ({ limit: 1 })],
  ["limit-2.9", () => ({ limit: 2.9 })],
  ["limit-string", () => ({ limit: "3" })],
  ["limit-garbage", () => ({ limit: "abc" })],
  ["limit-NaN", () => ({ limit: NaN })],
  ["limit-null", () => ({ limit: null })],
  ["limit-Infinity", () => ({ limit: Infinity })],
  ["limit-1000", () => ({ limit: 1000 })],
  ["limit-1001", () => ({ limit: 1001 })],
  ["limit-int32-max", () => ({ limit: 2147483647 })],
  ["limit-int32-max+1", () => ({ limit: 2147483648 })],
  ["limit-int32-min", () => ({ limit: -2147483648 })],
  ["limit-int32-min-1", () => ({ limit: -2147483649 })],
  ["limit-bigint", () => ({ limit: 1n })],
  ["limit-symbol", () => ({ limit: Symbol("l") })],
  ["limit-valueOf", (p) => ({ limit: numberish(p, 2) })],
  ["prefix-empty", () => ({ prefix: "" })],
  ["prefix-null", () => ({ prefix: null })],
  ["prefix-p", () => ({ prefix: "p" })],
  ["prefix-number", () => ({ prefix: 1 })],
  ["prefix-symbol", () => ({ prefix: Symbol("p") })],
  ["prefix-bigint", () => ({ prefix: 1n })],
  ["prefix-toString", (p) => ({ prefix: stringy(p, "p") })],
  ["prefix-lone-surrogate", () => ({ prefix: "\uD800" })],
  ["prefix-bytes512-ascii", () => ({ prefix: "a".repeat(512) })],
  ["prefix-bytes512-2byte", () => ({ prefix: "é".repeat(256) })],
  ["prefix-bytes513-ascii", () => ({ prefix: "a".repeat(513) })],
  ["prefix-bytes514-2byte", () => ({ prefix: "é".repeat(257) })],
  ["prefix-bytes512-3byte", () => ({ prefix: "€".repeat(170) + "ab" })],
  ["prefix-bytes513-3byte", () => ({ prefix: "€".repeat(171) })],
  ["prefix-bytes512-4byte", () => ({ prefix: "😀".repeat(128) })],
  ["prefix-bytes516-4byte", () => ({ prefix: "😀".repeat(129) })],
  ["cursor-empty", () => ({ cursor: "" })],
  ["cursor-null", () => ({ cursor: null })],
  ["cursor-garbage", () => ({ cursor: "!!not a cursor!!" })],
  ["cursor-number", () => ({ cursor: 7 })],
  ["cursor-symbol", () => ({ cursor: Symbol("c") })],
  ["cursor-bigint", () => ({ cursor: 1n })],
  ["cursor-toString-throws", (p) => ({ cursor: throwing(p, "toString") })],
  ["cursor-long", () => ({ cursor: "A".repeat(5000) })],
  ["limit-1001-long-prefix", () => ({ limit: 1001, prefix: "a".repeat(513) })],
  ["limit-range-long-prefix", () => ({ limit: 2 ** 31, prefix: "a".repeat(513) })],
];

for (const [variant, make] of listOptions) {
  add(`list.options.${variant}`, (kv, p) => kv.list(make(p)), { setup: LIST_SEEDED });
}

/** The whole corpus, in a stable order. */
export const corpus: readonly CorpusInput[] = inputs;
