// What the Postgres adapter's tests share: the backends they run on (one
// PGlite for the whole file, and the server at KVKIT_POSTGRES_URL when it
// is set), unique names, a pass-through client that records what it
// sends, and EXPLAIN. Not published.

import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { PostgresQueryable, PostgresRow } from "./_postgres_client.ts";

/** The server the tests may use, when configured. */
export const SERVER_URL: string | undefined = Deno.env.get("KVKIT_POSTGRES_URL");

/** A database a test runs on. */
export interface Backend {
  /** `pglite` or `server`. */
  name: "pglite" | "server";
  /** A client on it: PGlite itself, or a `pg.Pool`. */
  client: PostgresQueryable;
}

let pglite: Promise<PGlite> | undefined;
let pool: pg.Pool | undefined;

async function open(name: Backend["name"]): Promise<Backend> {
  if (name === "pglite") return { name, client: await (pglite ??= PGlite.create()) };
  if (pool === undefined) {
    pool = new pg.Pool({ connectionString: SERVER_URL });
    pool.on("error", () => {});
  }
  return { name, client: pool as unknown as PostgresQueryable };
}

let count = 0;
const RUN = Math.random().toString(36).slice(2, 8);
/** What the names handed out are, so that a failed test's leftovers go too. */
const made: { name: string; kind: "TABLE" | "SCHEMA" | "DATABASE" }[] = [];

/** A name no other test or run uses, valid as a table name; dropped at the end. */
export function unique(prefix: string, kind: "TABLE" | "SCHEMA" | "DATABASE" = "TABLE"): string {
  const name = `${prefix}_${RUN}_${++count}`;
  made.push({ name, kind });
  return name;
}

/**
 * Registers `fn` once per backend: on PGlite always, on the server when
 * KVKIT_POSTGRES_URL is set (printed as skipped otherwise, an error
 * under KVKIT_REQUIRE_SERVERS=1).
 */
export function test(
  name: string,
  fn: (backend: Backend) => Promise<void>,
  only?: Backend["name"],
): void {
  for (const backend of ["pglite", "server"] as const) {
    if (only !== undefined && backend !== only) continue;
    const missing = backend === "server" && SERVER_URL === undefined;
    if (missing && Deno.env.get("KVKIT_REQUIRE_SERVERS") === "1") {
      throw new Error("KVKIT_POSTGRES_URL is required here but not set");
    }
    if (missing) console.log(`skipping "${name}" on the server: KVKIT_POSTGRES_URL is not set`);
    Deno.test({
      name: `${name} (${backend})`,
      ignore: missing,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => fn(await open(backend)),
    });
  }
}

/** Closes what the tests of this file share. */
export function closeBackends(): void {
  Deno.test({
    name: "(closes the shared PGlite and pool)",
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      for (const client of [await pglite, pool as PostgresQueryable | undefined]) {
        if (client === undefined) continue;
        for (const { name, kind } of made) {
          if (kind === "DATABASE" && client !== pool) continue;
          const tail = kind === "TABLE" ? "" : kind === "SCHEMA" ? " CASCADE" : " WITH (FORCE)";
          await client.query(`DROP ${kind} IF EXISTS "${name}"${tail}`);
        }
      }
      await (await pglite)?.close();
      await pool?.end();
    },
  });
}

/** One statement a client was sent. */
export interface Sent {
  /** Its text. */
  text: string;
  /** Its parameters. */
  values: unknown[];
}

/** A client that passes everything to `client` and records what it sent. */
export function recording(client: PostgresQueryable): { client: PostgresQueryable; sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    client: {
      query(text: string, values: unknown[] = []) {
        sent.push({ text, values });
        return client.query(text, values);
      },
    },
  };
}

/** The rows of one statement. */
export async function rows(
  client: PostgresQueryable,
  text: string,
  values: unknown[] = [],
): Promise<PostgresRow[]> {
  return (await client.query(text, values)).rows;
}

/** The plan of a statement with its parameters, as EXPLAIN (VERBOSE) prints it. */
export async function explain(client: PostgresQueryable, sent: Sent): Promise<string> {
  const plan = await rows(client, `EXPLAIN (VERBOSE) ${sent.text}`, sent.values);
  return plan.map((row) => row["QUERY PLAN"]).join("\n");
}
