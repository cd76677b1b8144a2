// The shape of a registry entry: what kvkit knows about one adapter beyond
// its code. Private: targets/ is kvkit's own registry, read by the CLI, the
// test runs of every runtime and the differential tests.

import type { ConformanceTarget } from "../conformance/runner.ts";
import type { KvRecord } from "../kv_driver.ts";
import type { KvNamespaceHandle } from "../types.ts";

/** A runtime whose test run reads the registry. */
export type Runtime = "deno" | "node" | "bun";

/** A conformance target of one of kvkit's adapters. */
export interface RegistryTarget extends ConformanceTarget {
  /** The runtimes whose test runs run this target. */
  runtimes: readonly Runtime[];
  /**
   * The target keeps a server, a file or sockets open across cases, so
   * Deno's per-test op and resource sanitizers must be off.
   */
  sharesResources?: boolean;
  /**
   * Whether the differential tests compare this target with Miniflare, the
   * oracle. Defaults to true; false for the oracle itself.
   */
  differential?: boolean;
  /**
   * Each call is a network round trip through several processes (seconds
   * for hundreds of calls): whole-corpus runs that repeat many calls per
   * target (tests/corpus) take it only when asked (`KVKIT_CORPUS_ALL=1`).
   */
  slow?: boolean;
  /**
   * Why the target cannot run here, when it cannot: a server it needs is
   * not configured. Test runs print the reason and skip the target, except
   * under `KVKIT_REQUIRE_SERVERS=1` (as in CI), where it fails.
   */
  unavailable?: string;
}

/** An environment variable, on Deno, Node and Bun. */
export function env(name: string): string | undefined {
  const global = globalThis as {
    Deno?: { env: { get(name: string): string | undefined } };
    process?: { env: Record<string, string | undefined> };
  };
  return global.Deno?.env.get(name) ?? global.process?.env[name];
}

/** The runtime this code runs on: Bun and Deno tell themselves apart; anything else is Node. */
export function currentRuntime(): Runtime {
  const global = globalThis as { Bun?: unknown; Deno?: { version?: { deno?: string } } };
  if (global.Bun !== undefined) return "bun";
  // Deno.version, not Deno: a shim of a few Deno members on Node is still Node.
  return typeof global.Deno?.version?.deno === "string" ? "deno" : "node";
}

/**
 * The targets a test run on `runtime` runs: those declaring it, minus the
 * unavailable ones, each skipped with its reason printed. Under
 * `KVKIT_REQUIRE_SERVERS=1` an unavailable target is an error instead.
 */
export function runnable(targets: readonly RegistryTarget[], runtime: Runtime): RegistryTarget[] {
  const out: RegistryTarget[] = [];
  for (const target of targets) {
    if (!target.runtimes.includes(runtime)) continue;
    if (target.unavailable === undefined) {
      out.push(target);
      continue;
    }
    if (env("KVKIT_REQUIRE_SERVERS") === "1") {
      throw new Error(`${target.name} is required here but unavailable: ${target.unavailable}`);
    }
    console.log(`kvkit: skipping ${target.name}: ${target.unavailable}`);
  }
  return out;
}

/** How the CLI opens a store. */
export interface StoreOptions {
  /**
   * The namespace inside the store, when the store has namespaces: the
   * CLI takes it from a `#namespace` suffix of the store's name.
   */
  namespace?: string;
  /**
   * `read`: the store must exist already (opening a missing one is an
   * error, never a new empty store). `write`: it may be created.
   */
  mode: "read" | "write";
  /**
   * The scheme the store was named with: {@linkcode StoreEntry.scheme} or
   * one of its {@linkcode StoreEntry.schemes}. Absent means `scheme`.
   */
  scheme?: string;
}

/** One record to write, built and checked by the engine's validators. */
export interface StoreRecord {
  /** The key. */
  key: string;
  /** The record, as the engine would hand it to the driver. */
  record: KvRecord;
}

/** A store the CLI opened. */
export interface OpenedStore {
  /** The namespace, through the adapter's public API. */
  kv: KvNamespaceHandle;
  /**
   * Writes records in batches the backend commits at once (a Deno KV
   * atomic commit, a SQL transaction, a bulk request), when it can. Each
   * record replaces the whole entry, as `put` does. Absent: the CLI puts
   * one at a time.
   */
  writeMany?(records: readonly StoreRecord[]): Promise<void>;
}

/** A store made for a test: empty, and removed by `dispose`. */
export interface ScratchStore {
  /** The store as the CLI names it: `<scheme>:<location>[#namespace]`. */
  spec: string;
  /** Environment variables the CLI needs to open it (a token, a base URL). */
  env?: Record<string, string>;
  /** Removes the store's data and stops whatever `scratch` started. */
  dispose(): Promise<void>;
}

/**
 * A scratch store in a new temporary directory (`kvkit-store-<name>-…`),
 * named by `spec` from that directory; `dispose` removes the directory.
 */
export async function scratchDirectory(
  name: string,
  spec: (dir: string) => string,
): Promise<ScratchStore> {
  const { mkdtemp, rm } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), `kvkit-store-${name}-`));
  return { spec: spec(dir), dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** An adapter the CLI can open as a store, from `<scheme>:<location>[#namespace]`. */
export interface StoreEntry {
  /** The part before the first colon, e.g. `deno-kv` or `postgres`. */
  scheme: string;
  /**
   * More schemes this entry opens, e.g. `postgresql` or `pglite` beside
   * `postgres`; `open` learns which one was written from
   * {@linkcode StoreOptions.scheme}.
   */
  schemes?: readonly string[];
  /** The whole form, for the usage text, e.g. `deno-kv:<path>`. */
  syntax: string;
  /** One line on what the store is. */
  summary: string;
  /**
   * Opens the store at `location` (everything after the first colon,
   * before the last `#`; for a URL store named `redis://host`, the
   * location is `//host`).
   *
   * Throw a `TypeError` (or `RangeError`) when the location or namespace
   * is malformed, which the CLI reports as a usage error (exit 2), and any
   * other error when the store cannot be opened (exit 1). In `read` mode a
   * store that does not exist is an error; a store whose data would vanish
   * when the process exits (an in-memory database) is refused in both
   * modes, with a message saying so.
   */
  open(location: string, options: StoreOptions): Promise<OpenedStore>;
  /**
   * Makes an empty store for the CLI's round-trip tests, or says why it
   * cannot here (a server that is not configured). Absent: the tests
   * cannot test this store, and say so.
   */
  scratch?(): Promise<ScratchStore | { unavailable: string }>;
}

/** One adapter in the registry. */
export interface AdapterEntry {
  /** The adapter's name: its `deno.json` export key without `./`. */
  name: string;
  /** One line on where the adapter stores data. */
  summary: string;
  /** Its conformance targets, each on a fake clock; loaded on demand. */
  targets(): Promise<RegistryTarget[]>;
  /** How the CLI opens it as a store, when it can. */
  store?: StoreEntry;
}

/** Every runnable target of `entries` for a test run on `runtime`, in order. */
export async function targetsOf(
  entries: readonly AdapterEntry[],
  runtime: Runtime,
): Promise<RegistryTarget[]> {
  const all: RegistryTarget[] = [];
  for (const entry of entries) all.push(...await entry.targets());
  return runnable(all, runtime);
}
