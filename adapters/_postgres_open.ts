// Opens what openPostgresKv runs on: PGlite (in memory or in a
// directory) or, for a postgres:// URL, a pg.Pool. Both clients load on
// demand. Private; the facade is postgres.ts.

import { PGLITE_PARSERS, type PostgresQueryable } from "./_postgres_client.ts";

/** A client this module opened, and the one way to release it. */
export interface OpenedClient {
  /** The client. */
  client: PostgresQueryable;
  /** Closes the client: PGlite's `close()`, the pool's `end()`. */
  close(): Promise<void>;
}

/** The members of a `pg.Pool` used here. */
interface PoolLike extends PostgresQueryable {
  on(event: "error", listener: (error: unknown) => void): unknown;
  end(): Promise<void>;
}

type PoolConstructor = new (config: {
  connectionString: string;
  application_name?: string;
}) => PoolLike;

/** `postgres://…` and `postgresql://…`: a server, through pg. */
export function isServerUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}

/** PGlite data directories that are not on the local file system. */
const NOT_FILES = ["memory://", "idb://", "opfs-ahp://", "memfs2opfs://"];

/** PGlite's data directory for a location: in memory unless one is named. */
export function pgliteDataDir(location: string | undefined): string {
  return location === undefined || location === "" || location === ":memory:"
    ? "memory://"
    : location;
}

/**
 * Fails unless a PGlite database exists at `dataDir`, where that can be
 * told from the file system (PGlite would create one).
 */
async function checkExists(dataDir: string): Promise<void> {
  if (NOT_FILES.some((prefix) => dataDir.startsWith(prefix))) return;
  const dir = dataDir.startsWith("file://") ? dataDir.slice("file://".length) : dataDir;
  const { stat } = await import("node:fs/promises");
  try {
    await stat(`${dir}/PG_VERSION`);
  } catch (error) {
    throw new Error(`kvkit: no PGlite database in ${dir} (schema: "verify" creates nothing)`, {
      cause: error,
    });
  }
}

/**
 * Opens a server URL as a `pg.Pool`, anything else as a PGlite data
 * directory. With `mustExist`, a PGlite directory without a database is
 * an error, never a new database.
 */
export async function openClient(
  location: string | undefined,
  mustExist: boolean,
): Promise<OpenedClient> {
  if (location !== undefined && isServerUrl(location)) {
    const pg = await import("pg");
    const Pool = ((pg as { default?: unknown }).default ?? pg) as { Pool: PoolConstructor };
    // application_name in the URL wins over this default.
    const pool = new Pool.Pool({ connectionString: location, application_name: "kvkit" });
    // An idle connection the server drops is reported here; the pool
    // discards it and connects again on the next query. Unlistened, the
    // event would crash the process.
    pool.on("error", () => {});
    return { client: pool, close: () => pool.end() };
  }
  const dataDir = pgliteDataDir(location);
  if (mustExist) await checkExists(dataDir);
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create(dataDir, PGLITE_PARSERS);
  return { client: db, close: () => db.close() };
}
