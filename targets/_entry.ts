// The shape of a registry entry: what kvkit knows about one adapter beyond
// its code. Private: targets/ is kvkit's own registry, read by the CLI, the
// test runs of every runtime and the differential tests.

import type { ConformanceTarget } from "../conformance/runner.ts";
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
}

/** How the CLI opens a store. */
export interface StoreOptions {
  /** The namespace inside the store, when the store has namespaces. */
  namespace?: string;
}

/** An adapter the CLI can open as a store, from `<scheme>:<location>`. */
export interface StoreEntry {
  /** The part before the colon, e.g. `deno-kv`. */
  scheme: string;
  /** The whole form, for the usage text, e.g. `deno-kv:<path>`. */
  syntax: string;
  /** One line on what the store is. */
  summary: string;
  /** Opens the store at `location` (the part after the colon). */
  open(location: string, options: StoreOptions): Promise<KvNamespaceHandle>;
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
