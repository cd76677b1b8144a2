// Registry entry: the Postgres adapter, on PGlite in memory (embedded, no
// server) and on the PostgreSQL server at KVKIT_POSTGRES_URL through a
// pg.Pool. Each target opens one database for the whole run, on its first
// case, and gives every case a namespace of its own, deleted when the case
// closes.

import { clockFixture } from "../conformance/clock.ts";
import { type AdapterEntry, env, type RegistryTarget, type Runtime } from "./_entry.ts";
import type { OpenedClient } from "../adapters/_postgres_open.ts";

const RUNTIMES: readonly Runtime[] = ["deno", "node", "bun"];

/** A run id, so that runs sharing a server never meet each other's rows. */
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
/** Scratch stores made so far, for their namespaces' names. */
let scratches = 0;

function target(
  name: string,
  location: string | undefined,
  opening?: Promise<OpenedClient>,
): RegistryTarget {
  let opened = opening;
  let cases = 0;
  return {
    name,
    runtimes: RUNTIMES,
    sharesResources: true,
    factory: async () => {
      const { openClient } = await import("../adapters/_postgres_open.ts");
      const { createPostgresKv } = await import("../adapters/postgres.ts");
      opened ??= openClient(location, false);
      const { client } = await opened;
      const namespace = `conformance-${RUN}-${++cases}`;
      const fixture = await clockFixture((now) => createPostgresKv(client, { namespace, now }));
      return {
        ...fixture,
        close: async () => {
          await fixture.close?.();
          await client.query(`DELETE FROM "kvkit" WHERE namespace = $1`, [namespace]);
        },
      };
    },
    dispose: async () => {
      const started = opened;
      opened = undefined;
      await (await started?.catch(() => undefined))?.close();
    },
  };
}

/**
 * A store location: `//user@host/db` (the URL after `postgres:`) is a
 * server, anything else a PGlite directory; a `#fragment` names the
 * namespace.
 */
export function parseStoreLocation(
  location: string,
): { location: string; namespace?: string } {
  const hash = location.indexOf("#");
  const where = hash < 0 ? location : location.slice(0, hash);
  const namespace = hash < 0 ? undefined : decodeURIComponent(location.slice(hash + 1));
  if (where === "") {
    throw new TypeError(
      "postgres needs a server URL or a PGlite directory: postgres://user@host/db or postgres:<dir>",
    );
  }
  return {
    location: where.startsWith("//") ? `postgres:${where}` : where,
    ...(namespace === undefined || namespace === "" ? {} : { namespace }),
  };
}

const entry: AdapterEntry = {
  name: "postgres",
  summary: "Postgres: a server through pg (or postgres.js), or PGlite embedded",
  async targets() {
    const url = env("KVKIT_POSTGRES_URL");
    const server = target("postgres:server", url);
    if (url === undefined) server.unavailable = "KVKIT_POSTGRES_URL is not set";
    // Bun's runner gives each test 5 s, fixture included, and PGlite's
    // initdb alone takes 3–7 s on a busy machine: under Bun the in-memory
    // database opens while the targets are listed, before any test runs
    // (in the background it would stall other targets' tests instead).
    let opening: Promise<OpenedClient> | undefined;
    if ((globalThis as { Bun?: unknown }).Bun !== undefined) {
      const { openClient } = await import("../adapters/_postgres_open.ts");
      opening = openClient(undefined, false);
      await opening.catch(() => {}); // a failure is the first case's to report
    }
    return [target("postgres:pglite", undefined, opening), server];
  },
  store: {
    scheme: "postgres",
    schemes: ["postgresql"],
    syntax: "postgres://user@host/db[#ns]",
    summary: "a PostgreSQL server; postgres:<dir>[#ns] is a PGlite directory",
    async open(spec, { namespace, mode }) {
      const parsed = parseStoreLocation(spec);
      const { isServerUrl, openClient, pgliteDataDir } = await import(
        "../adapters/_postgres_open.ts"
      );
      if (!isServerUrl(parsed.location) && pgliteDataDir(parsed.location) === "memory://") {
        throw new TypeError(
          "an in-memory PGlite database lives only as long as the process that opens it: " +
            "name a directory, e.g. postgres:./pgdata, or a server, postgres://user@host/db",
        );
      }
      const { buildPostgresKv, checkOptions } = await import("../adapters/_postgres_namespace.ts");
      // `read` creates nothing: neither a PGlite directory nor the table.
      const checked = checkOptions({
        namespace: namespace ?? parsed.namespace,
        schema: mode === "read" ? "verify" : "create",
      });
      const opened = await openClient(parsed.location, mode === "read");
      try {
        const built = await buildPostgresKv(opened.client, checked, opened.close);
        return { kv: built.kv, writeMany: (records) => built.putMany(records) };
      } catch (error) {
        await opened.close().catch(() => {});
        throw error;
      }
    },
    scratch() {
      const url = env("KVKIT_POSTGRES_URL");
      if (url === undefined) {
        return Promise.resolve({ unavailable: "KVKIT_POSTGRES_URL is not set" });
      }
      const namespace = `cli-${RUN}-${++scratches}`;
      return Promise.resolve({
        spec: `${url}#${namespace}`,
        dispose: async () => {
          const { openClient } = await import("../adapters/_postgres_open.ts");
          const { client, close } = await openClient(url, false);
          try {
            // The table is absent when nothing was ever written to the server.
            await Promise.resolve(
              client.query(`DELETE FROM "kvkit" WHERE namespace = $1`, [namespace]),
            )
              .catch(() => {});
          } finally {
            await close();
          }
        },
      });
    },
  },
};

export default entry;
