import { deepStrictEqual as assertEquals, rejects, throws } from "node:assert/strict";
import fc from "fast-check";
import { type DumpElement, DumpSyntaxError, DumpWriter, parseDump } from "./_cli_dump.ts";
import { fromBase64, toBase64 } from "./_cli_base64.ts";

function assertThrows(fn: () => unknown, type: ErrorConstructor = Error, label = "") {
  throws(fn, (e: Error) => {
    if (!(e instanceof type)) throw new Error(`${label}: ${e}`);
    return true;
  });
}

const encoder = new TextEncoder();

async function* chunksOf(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < bytes.byteLength; i++) {
    const size = Math.max(1, sizes.length === 0 ? bytes.byteLength : sizes[i % sizes.length]);
    yield bytes.slice(at, at + size);
    at += size;
  }
}

async function parseAll(text: string | Uint8Array, sizes: number[] = []): Promise<DumpElement[]> {
  const out: DumpElement[] = [];
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  for await (const element of parseDump(chunksOf(bytes, sizes))) out.push(element);
  return out;
}

async function written(items: Parameters<DumpWriter["write"]>[0][]): Promise<string> {
  const parts: Uint8Array[] = [];
  const writer = new DumpWriter((bytes) => {
    parts.push(bytes.slice());
    return Promise.resolve();
  });
  for (const item of items) await writer.write(item);
  await writer.end();
  return new TextDecoder("utf-8", { ignoreBOM: true }).decode(
    new Uint8Array(parts.flatMap((p) => [...p])),
  );
}

Deno.test("parseDump yields what JSON.parse reads, however the input is cut into chunks", async () => {
  // JSON's own characters often, so that escapes and quotes meet chunk ends.
  const char = fc.oneof(
    fc.constantFrom('"', "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "\u0000", "é", "😀"),
    fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
  );
  const text = fc.string({ unit: char, maxLength: 12 });
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      text,
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(text, tie("value"), { maxKeys: 3 }),
    ),
  })).value;
  const element = fc.oneof(fc.dictionary(text, json, { maxKeys: 4 }), json);
  await fc.assert(
    fc.asyncProperty(
      fc.array(element, { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 5 }),
      fc.constantFrom("", " ", "\n", "\r\n\t "),
      async (elements, sizes, space) => {
        const text = `${space}[${space}${
          elements.map((e) => JSON.stringify(e, null, space === "" ? undefined : 1)).join(
            `${space},${space}`,
          )
        }${space}]${space}`;
        const parsed = await parseAll(text, sizes);
        assertEquals(parsed.map((p) => p.value), JSON.parse(text));
        assertEquals(parsed.map((p) => p.index), elements.map((_, i) => i));
      },
    ),
    { numRuns: 2000 },
  );
});

Deno.test("parseDump counts lines and bytes of each element", async () => {
  const parsed = await parseAll('[\n{"key":"a","value":"b"},\n\n  {"key":"c\\n","value":""}\n]\n', [
    3,
  ]);
  assertEquals(parsed.map((p) => [p.index, p.line, p.bytes]), [[0, 2, 23], [1, 4, 24]]);
});

Deno.test("parseDump takes a UTF-8 byte order mark before the array", async () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...encoder.encode('[{"key":"\uFEFF"}]')]);
  assertEquals((await parseAll(bytes)).map((p) => p.value), [{ key: "\uFEFF" }]);
});

Deno.test("parseDump refuses input that is not one well-formed array, naming where", async () => {
  const cases: [string, RegExp][] = [
    ["", /input is empty/],
    ["   ", /ends before the array's closing/],
    ['{"key":"a"}', /starts with "\{"/],
    ['[{"key":"a"} {"key":"b"}]', /expected "," or "]" after entry 0, found "\{" \(line 1\)/],
    ['[{"key":"a"},]', /comma after entry 0 ends the array/],
    ['[{"key":"a"}] x', /unexpected "x" after the array/],
    ['[{"key":"a"},\n{"key":"b"', /ends inside entry 1 \(line 2\): is it cut short/],
    ['[{"key":"a"}', /ends before the array's closing "\]"/],
    ['[\n\n{"key": tru}]', /entry 0 \(line 3\) is not valid JSON/],
    ['[{"key":"a"},\n{"key":"b",}]', /entry 1 \(line 2\) is not valid JSON/],
  ];
  for (const [text, pattern] of cases) {
    await rejects(parseAll(text, [2]), (error: Error) => {
      if (!(error instanceof DumpSyntaxError) || !pattern.test(error.message)) {
        throw new Error(`${JSON.stringify(text)}: ${error.message}`);
      }
      return true;
    });
  }
  await rejects(
    parseAll(new Uint8Array([...encoder.encode('[{"key":"'), 0xff, ...encoder.encode('"}]')])),
    /entry 0 \(line 1\) is not valid UTF-8/,
  );
});

Deno.test("parseDump yields each element before it reads the next chunk", async () => {
  let reads = 0;
  async function* slow() {
    for (const part of ['[{"key":"a"}', ',{"key":"b"}', "]"]) {
      reads++;
      yield encoder.encode(part);
    }
  }
  const seen: number[] = [];
  for await (const _ of parseDump(slow())) seen.push(reads);
  assertEquals(seen, [1, 2]);
});

Deno.test("DumpWriter writes one entry per line: text as text, other bytes as base64", async () => {
  const text = await written([
    { key: "a", value: encoder.encode('héllo "x"\n') },
    { key: "\uFEFFb", value: new Uint8Array([0xff, 0, 0xfe]), expiration: 2000000000 },
    { key: "c", value: encoder.encode("\uFEFFbom"), metadata: { m: [1, "2"] } },
    { key: "d", value: new Uint8Array(0), metadata: "plain" },
  ]);
  assertEquals(
    text,
    '[\n{"key":"a","value":"héllo \\"x\\"\\n"},\n' +
      '{"key":"\uFEFFb","value":"/wD+","base64":true,"expiration":2000000000},\n' +
      '{"key":"c","value":"\uFEFFbom","metadata":{"m":[1,"2"]}},\n' +
      '{"key":"d","value":"","metadata":"plain"}\n]\n',
  );
  assertEquals(await written([]), "[]\n");
});

Deno.test("DumpWriter slices large values without splitting characters", async () => {
  // 2 MiB of 3- and 4-byte characters, so slices fall inside characters.
  const value = "€😀".repeat(300_000);
  const binary = new Uint8Array(2 * 1024 * 1024 + 7).map((_, i) => (i * 7919) % 256);
  const parsed = JSON.parse(
    await written([
      { key: "text", value: encoder.encode(value) },
      { key: "binary", value: binary },
    ]),
  );
  assertEquals(parsed[0].value === value, true);
  assertEquals(parsed[1].base64, true);
  assertEquals(
    Uint8Array.from(atob(parsed[1].value), (c) => c.charCodeAt(0)).every((b, i) => b === binary[i]),
    true,
  );
});

Deno.test("parseDump reads back what DumpWriter writes", async () => {
  const items = [
    { key: 'k\\"', value: encoder.encode('\\"\\'), metadata: { "}": "{" } },
    { key: "😀", value: new Uint8Array([0xc3]), expiration: 1 },
  ];
  const parsed = await parseAll(await written(items), [1]);
  assertEquals(parsed.map((p) => p.value), [
    { key: 'k\\"', value: '\\"\\', metadata: { "}": "{" } },
    { key: "😀", value: "ww==", base64: true, expiration: 1 },
  ]);
});

Deno.test("fromBase64 and toBase64 agree with Uint8Array's own, and refuse what it refuses", () => {
  const native = Uint8Array as unknown as { fromBase64(t: string): Uint8Array };
  const saved = Object.getOwnPropertyDescriptor(Uint8Array, "fromBase64");
  const savedTo = Object.getOwnPropertyDescriptor(Uint8Array.prototype, "toBase64");
  const cases = ["", "AA==", "AAE", "AP8B/g==", "AP 8B\n/g==", "////"];
  const bad = ["A", "AA=A", "AP8!", "AAA==", "-_8="];
  const want = cases.map((c) => native.fromBase64(c));
  for (const b of bad) assertThrows(() => native.fromBase64(b));
  // As on Node 20, which has neither.
  delete (Uint8Array as unknown as Record<string, unknown>).fromBase64;
  delete (Uint8Array.prototype as unknown as Record<string, unknown>).toBase64;
  try {
    assertEquals(cases.map(fromBase64), want);
    for (const b of bad) assertThrows(() => fromBase64(b), SyntaxError, b);
    assertEquals(toBase64(new Uint8Array([0, 255, 1, 254]).subarray(1)), "/wH+");
  } finally {
    Object.defineProperty(Uint8Array, "fromBase64", saved!);
    Object.defineProperty(Uint8Array.prototype, "toBase64", savedTo!);
  }
  assertEquals(toBase64(new Uint8Array([0, 255, 1, 254]).subarray(1)), "/wH+");
});
