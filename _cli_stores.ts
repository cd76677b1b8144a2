// Stores, as the CLI names them: `<scheme>:<location>[#namespace]`, each
// scheme from a registry entry's `store` (targets/*.ts), never from a list
// kept here. Private to cli.ts.

import { UsageError } from "./_cli_args.ts";
import type { AdapterEntry, OpenedStore, StoreEntry } from "./targets/_entry.ts";

/** A store named on the command line, not yet opened. */
export interface StoreName {
  /** The name as written. */
  text: string;
  /** The scheme as written, e.g. `deno-kv`. */
  scheme: string;
  /** Everything between the first colon and the last `#`. */
  location: string;
  /** What follows the last `#`, when it is not empty. */
  namespace?: string;
  /** The registry entry that opens it. */
  entry: StoreEntry;
}

/** A store that could not be opened, or failed: exit 1. */
export class StoreError extends Error {
  /**
   * @param message What failed, naming the store.
   * @param options The native error, as `cause`.
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StoreError";
  }
}

/** Every store of `registry`, in registry order. */
export function storesOf(registry: readonly AdapterEntry[]): StoreEntry[] {
  return registry.flatMap((entry) => entry.store === undefined ? [] : [entry.store]);
}

function schemesOf(store: StoreEntry): string[] {
  return [store.scheme, ...store.schemes ?? []];
}

/** The stores' forms and summaries, one per line, for the help. */
export function formatStores(stores: readonly StoreEntry[]): string {
  const width = Math.max(...stores.map((s) => s.syntax.length));
  return stores.map((s) => `  ${s.syntax.padEnd(width)}  ${s.summary}`).join("\n");
}

/**
 * Reads a store's name. The namespace follows the last `#`, so a location
 * holding a `#` is written with an empty namespace after it
 * (`deno-kv:./a#b.db#`).
 */
export function parseStoreName(text: string, stores: readonly StoreEntry[]): StoreName {
  const colon = text.indexOf(":");
  const valid = stores.map((s) => s.syntax).join(", ");
  if (colon <= 0) {
    throw new UsageError(
      `"${text}" is not a store: name one as <scheme>:<location>, one of ${valid}`,
    );
  }
  const scheme = text.slice(0, colon);
  const entry = stores.find((s) => schemesOf(s).includes(scheme));
  if (entry === undefined) {
    throw new UsageError(`unknown store "${scheme}:" in "${text}"; stores are ${valid}`);
  }
  const rest = text.slice(colon + 1);
  const hash = rest.lastIndexOf("#");
  const location = hash < 0 ? rest : rest.slice(0, hash);
  const namespace = hash < 0 ? "" : rest.slice(hash + 1);
  return { text, scheme, location, entry, ...(namespace === "" ? {} : { namespace }) };
}

/** Whether two names are the same store and namespace, as far as the text tells. */
export function sameStore(a: StoreName, b: StoreName): boolean {
  return a.entry === b.entry && a.location === b.location && a.namespace === b.namespace;
}

/**
 * Opens a store through its registry entry. A `TypeError` or `RangeError`
 * from the entry (a malformed location or namespace) is a usage error;
 * anything else is a {@linkcode StoreError}.
 */
export async function openStore(name: StoreName, mode: "read" | "write"): Promise<OpenedStore> {
  try {
    return await name.entry.open(name.location, {
      mode,
      ...(name.namespace === undefined ? {} : { namespace: name.namespace }),
      ...(name.scheme === name.entry.scheme ? {} : { scheme: name.scheme }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof TypeError || error instanceof RangeError) {
      throw new UsageError(`cannot use "${name.text}": ${message}`);
    }
    throw new StoreError(
      `cannot open "${name.text}" for ${mode === "read" ? "reading" : "writing"}: ${message}`,
      { cause: error },
    );
  }
}
