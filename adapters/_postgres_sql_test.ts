// The SQL builder: which table names it takes, and the parameter numbers
// of the statements whose shape varies.

import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { postgresSql, quoteTable } from "./_postgres_sql.ts";

Deno.test("quoteTable takes name or schema.name of identifier characters, and nothing else", () => {
  assertEquals(quoteTable("kvkit"), { name: "kvkit" });
  assertEquals(quoteTable("App.KV_2"), { schema: "App", name: "KV_2" });
  for (const bad of ["", "1kv", "a-b", 'a"b', "a.b.c", "a.", ".a", "kv; DROP TABLE x", "ké"]) {
    assertThrows(() => quoteTable(bad), TypeError, bad);
  }
  assertThrows(() => quoteTable("t".repeat(53)), RangeError);
  assertEquals(quoteTable("t".repeat(52)).name.length, 52);
});

Deno.test("postgresSql quotes every name, so case is kept and the index sits beside the table", () => {
  const sql = postgresSql("App.Kv");
  assertEquals(sql.table, '"App"."Kv"');
  assertEquals(sql.indexName, '"App"."Kv_expiration"');
  assertEquals(
    sql.ddl[1].startsWith('CREATE INDEX IF NOT EXISTS "Kv_expiration" ON "App"."Kv"'),
    true,
  );
});

Deno.test("list statements number their parameters by the bounds they have", () => {
  const sql = postgresSql();
  const where = (text: string) => text.slice(text.indexOf("WHERE"));
  assertEquals(where(sql.list("any", false)), "WHERE namespace = $1 ORDER BY key LIMIT $2");
  assertEquals(
    where(sql.list("from", true)),
    "WHERE namespace = $1 AND key >= $2 AND key < $3 ORDER BY key LIMIT $4",
  );
  assertEquals(
    where(sql.list("after", true)),
    "WHERE namespace = $1 AND key > $2 AND key < $3 ORDER BY key LIMIT $4",
  );
  assertEquals(
    where(sql.list("after", false)),
    "WHERE namespace = $1 AND key > $2 ORDER BY key LIMIT $3",
  );
});

Deno.test("putMany numbers four parameters per row after the namespace", () => {
  const text = postgresSql().putMany(2);
  assertEquals(
    text.slice(text.indexOf("VALUES"), text.indexOf(" ON CONFLICT")),
    "VALUES ($1, $2, $3, $4, $5), ($1, $6, $7, $8, $9)",
  );
});
