// The Postgres client shapes kvkit accepts, typed structurally (only the
// members it calls), and the one internal form the driver talks to. The
// facade (postgres.ts) re-exports the handle types.

/** A result row, as every client returns it: column name to value. */
export type PostgresRow = Record<string, unknown>;

/**
 * A client with node-postgres's `query(text, values)`: a `pg.Pool` (the
 * one to use with a server: it reconnects), a `pg.Client` or pooled
 * client, and PGlite. Neon's `@neondatabase/serverless` `Pool` has the
 * same shape.
 */
export interface PostgresQueryable {
  /** Runs one statement with `$1…` parameters and resolves its rows. */
  query(text: string, values?: unknown[]): PromiseLike<{ rows: PostgresRow[] }>;
}

/**
 * The tagged-template client of the `postgres` package (postgres.js,
 * porsager): `postgres(url)`. Its type fetching must stay on (the
 * default), which bytea array parameters need.
 */
export interface PostgresJsLike {
  /** Runs one statement with `$1…` parameters and resolves its rows. */
  unsafe(
    text: string,
    parameters?: unknown[],
    options?: { prepare?: boolean },
  ): PromiseLike<readonly PostgresRow[]>;
  /** Marks an array parameter with its element type's OID. */
  array(values: unknown[], type?: number): unknown;
}

/** Any client kvkit runs on. */
export type PostgresClient = PostgresQueryable | PostgresJsLike;

/** What the driver needs from a client. */
export interface SqlRunner {
  /** Runs one statement and resolves its rows. */
  rows(text: string, params: unknown[]): Promise<readonly PostgresRow[]>;
  /** A `bytea[]` parameter. */
  byteaArray(values: Uint8Array[]): unknown;
}

const BYTEA = 17;

/** Whether `client` is postgres.js rather than a `query(text, values)` client. */
function isPostgresJs(client: PostgresClient): client is PostgresJsLike {
  return typeof (client as Partial<PostgresJsLike>).unsafe === "function";
}

/** PGlite's `query`, which takes per-query type serializers. */
interface PGliteLike {
  query(
    text: string,
    values: unknown[],
    options: { serializers: Record<number, unknown> },
  ): PromiseLike<{ rows: PostgresRow[] }>;
}

/** PGlite and PGliteWorker, told apart from pg by members pg lacks. */
function isPGlite(client: PostgresQueryable): boolean {
  const members = client as { describeQuery?: unknown; execProtocol?: unknown };
  return typeof members.describeQuery === "function" && typeof members.execProtocol === "function";
}

const HEX = new TextEncoder().encode("0123456789abcdef");

/** The value of each hex digit by its character code (Postgres writes lowercase). */
const NIBBLES = new Uint8Array(128);
for (let i = 0; i < 16; i++) NIBBLES[HEX[i]] = i;

/** Bytes of bytea's `\x…` hex output. */
function parseBytea(text: string): Uint8Array {
  const out = new Uint8Array((text.length - 2) >> 1);
  for (let i = 0, j = 2; i < out.length; i++, j += 2) {
    out[i] = (NIBBLES[text.charCodeAt(j)] << 4) | NIBBLES[text.charCodeAt(j + 1)];
  }
  return out;
}

/**
 * PGlite's own bytea codec turns bytes into hex text through an array of
 * one string per byte, and back the same way. Returned as they are, bytes
 * go as a binary parameter instead (PGlite's Bind message writes any
 * `Uint8Array` so): a 12 MiB put takes 0.4–0.7 s, against 1.1–1.4 s with a
 * fast hex encoder and about 9 s with PGlite's. This goes with each query
 * and costs nothing; parsers cannot (PGlite then copies its whole parser
 * table per query: +40% on a small get), so the PGlite that openPostgresKv
 * opens gets {@linkcode parseBytea} at creation (a 25 MiB get in 1.0 s
 * against 6.5 s), and one you open yourself keeps its own parser.
 */
export const PGLITE_SERIALIZERS = {
  // PGlite types a serializer as returning text; its Bind takes bytes too.
  serializers: { [BYTEA]: ((bytes: Uint8Array) => bytes) as unknown as (b: Uint8Array) => string },
};

/** The options that give a new PGlite kvkit's fast bytea parser. */
export const PGLITE_PARSERS = { parsers: { [BYTEA]: parseBytea } };

/** The one internal form of any accepted client. */
export function sqlRunner(client: PostgresClient): SqlRunner {
  if (client === null || typeof client !== "object" && typeof client !== "function") {
    throw new TypeError(`client must be a Postgres client, got ${client}`);
  }
  if (isPostgresJs(client)) {
    if (typeof client.array !== "function") {
      throw new TypeError("client has unsafe() but no array(): not a postgres.js client");
    }
    return {
      // Prepared: postgres.js then keeps one named statement per text.
      rows: (text, params) => Promise.resolve(client.unsafe(text, params, { prepare: true })),
      byteaArray: (values) => client.array(values, BYTEA),
    };
  }
  if (typeof client.query !== "function") {
    throw new TypeError(
      "client must have query(text, values) (pg, PGlite) or unsafe(text, parameters) (postgres.js)",
    );
  }
  if (isPGlite(client)) {
    const pglite = client as unknown as PGliteLike;
    return {
      rows: (text, params) =>
        Promise.resolve(pglite.query(text, params, PGLITE_SERIALIZERS)).then((r) => r.rows),
      byteaArray: (values) => values,
    };
  }
  return {
    rows: (text, params) => Promise.resolve(client.query(text, params)).then((r) => r.rows),
    byteaArray: (values) => values,
  };
}
