// listPage against a page reader over a sorted key list that answers as
// the REST endpoint does (limits 10 to 1000, a cursor naming the last key),
// so the paging rules are checked apart from any server.

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import {
  decodePosition,
  encodePosition,
  listPage,
  type PageReader,
} from "./_cloudflare_api_list.ts";
import { compareKeys } from "../keys.ts";

function pages(keys: string[]) {
  const sizes: number[] = [];
  const read: PageReader = (prefix, cursor, limit) => {
    if (limit < 10 || limit > 1000) throw new Error(`limit ${limit}`);
    sizes.push(limit);
    const sorted = keys.filter((k) => k.startsWith(prefix)).sort(compareKeys);
    const start = cursor === "" ? 0 : sorted.findIndex((k) => compareKeys(k, cursor) > 0);
    const rest = start < 0 ? [] : sorted.slice(start);
    const page = rest.slice(0, limit);
    const complete = rest.length <= limit;
    return Promise.resolve({
      keys: page.map((name) => ({ name })),
      cursor: complete ? "" : page[page.length - 1],
      complete,
    });
  };
  return { read, sizes };
}

const names = (result: { keys: { name: string }[] }) => result.keys.map((k) => k.name);

Deno.test("a position round-trips through its cursor; other cursors go to the server", () => {
  const position = { cursor: "c3AgYWNl", after: "k\u{1F600}/é", used: 7 };
  const cursor = encodePosition(position);
  assert(cursor.startsWith("kvkit1.") && /^[\w.-]+$/.test(cursor), cursor);
  assertEquals(decodePosition(cursor), position);
  for (const other of ["", "azEx", "kvkit1.garbage!!", "kvkit1." + btoa("[1,2,3]")]) {
    assertEquals(decodePosition(other), { cursor: other, used: 0 });
  }
});

Deno.test("small limits read pages of 10 and continue by key, not by count", async () => {
  const keys = ["key1", "key3", "key5", "key6"];
  const { read, sizes } = pages(keys);
  const first = await listPage(read, "", 2, "");
  assertEquals(names(first), ["key1", "key3"]);
  assert(!first.list_complete && first.cursor.startsWith("kvkit1."));
  keys.push("key2", "key4"); // one behind the cursor, one ahead
  const second = await listPage(read, "", 2, first.cursor);
  assertEquals(names(second), ["key4", "key5"]);
  assert(!second.list_complete);
  const third = await listPage(read, "", 2, second.cursor);
  assertEquals(third, { keys: [{ name: "key6" }], list_complete: true, cacheStatus: null });
  assertEquals(sizes, [10, 10, 10]);
});

Deno.test("a page ending where a server page ends passes the server's cursor", async () => {
  const keys = Array.from({ length: 30 }, (_, i) => `k${String(i).padStart(2, "0")}`);
  const { read } = pages(keys);
  const page = await listPage(read, "", 10, "");
  assertEquals(page.list_complete ? "" : page.cursor, "k09");
  const next = await listPage(read, "", 5, page.list_complete ? "" : page.cursor);
  assertEquals(names(next), ["k10", "k11", "k12", "k13", "k14"]);
  const rest = await listPage(read, "", 1000, next.list_complete ? "" : next.cursor);
  assertEquals(rest.keys.length, 15);
  assertEquals(rest.list_complete, true);
});

Deno.test("a short server page is filled from the next one", async () => {
  const { read: full } = pages(
    Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(2, "0")}`),
  );
  const short: PageReader = async (prefix, cursor, limit) => {
    const page = await full(prefix, cursor, limit);
    if (page.complete || page.keys.length < 3) return page;
    // Answers only the first three keys, with a cursor after them.
    const keys = page.keys.slice(0, 3);
    return { keys, cursor: keys[2].name, complete: false };
  };
  const page = await listPage(short, "", 8, "");
  assertEquals(names(page), ["k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07"]);
  const rest = await listPage(short, "", 1000, page.list_complete ? "" : page.cursor);
  assertEquals(rest.keys.length, 32);
});
