/**
 * The kvkit command line: move Workers KV data between stores, and run the
 * conformance suite.
 *
 * - `export <store> [file]` writes a store's entries as a dump: the JSON
 *   of `wrangler kv bulk put`, `[{ key, value, base64?, expiration?,
 *   metadata? }]`, one entry per line, as they are read.
 * - `import <store> [file]` reads a dump (a file, or standard input) and
 *   checks every entry with Workers KV's rules and limits before it
 *   writes any: an invalid dump is refused whole, naming each bad entry.
 * - `copy <from> <to>` copies one store into another.
 * - `conformance` runs the conformance suite against every adapter that
 *   runs here and prints an area × adapter matrix.
 *
 * Stores are named `<scheme>:<location>[#namespace]`, with one scheme per
 * store kvkit knows: `deno-kv:./data.db#users`, `miniflare:.wrangler/state#<id>`,
 * and those of the server adapters (`postgres://…`, `redis://…`,
 * `cloudflare:<accountId>/<namespaceId>`). `kvkit --help` lists them all.
 *
 * Exit codes: 0 on success, 1 on a data or backend error (or a failing
 * conformance case), 2 on bad usage.
 *
 * ```sh
 * deno run -A --unstable-kv jsr:@kvkit/kvkit/cli export deno-kv:./data.db > dump.json
 * deno run -A --unstable-kv jsr:@kvkit/kvkit/cli import miniflare:./.wrangler/state#<id> dump.json
 * deno run -A --unstable-kv jsr:@kvkit/kvkit/cli copy deno-kv:./a.db deno-kv:./b.db#copy
 * deno run -A jsr:@kvkit/kvkit/cli conformance
 * ```
 *
 * @module
 */

import { type Command, formatHelp, parseArgs, UsageError } from "./_cli_args.ts";
import { conformanceCommand } from "./_cli_conformance.ts";
import { copyCommand } from "./_cli_copy.ts";
import { exportCommand } from "./_cli_export.ts";
import { importCommand } from "./_cli_import.ts";
import { processIo } from "./_cli_io.ts";
import { formatStores, storesOf } from "./_cli_stores.ts";
import type { ConformanceTarget } from "./conformance/runner.ts";
import process from "node:process";
import { env, registry } from "./targets/mod.ts";

/** Options for {@linkcode main}. */
export interface MainOptions {
  /**
   * The targets the `conformance` command runs, instead of kvkit's own
   * adapters: a way to get the matrix for your own adapters.
   */
  targets?: ConformanceTarget[];
}

function overview(commands: readonly Command[], stores: string): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length + c.spec.args.length + 1));
  return [
    "usage: kvkit <command> [arguments] [flags]",
    "",
    "Moves Workers KV data between stores, in wrangler's bulk JSON, and runs the",
    "conformance suite.",
    "",
    "commands:",
    ...commands.map((c) => `  ${`${c.spec.name} ${c.spec.args}`.padEnd(width)}  ${c.spec.summary}`),
    "",
    "stores, each with an optional #namespace (e.g. deno-kv:./data.db#users):",
    stores,
    "",
    'Run "kvkit <command> --help" for a command\'s flags and examples.',
    "Exit codes: 0 success, 1 data or backend error, 2 usage error.",
  ].join("\n");
}

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (env("KVKIT_DEBUG") === "1" && error.stack !== undefined) return error.stack;
  const cause = error.cause instanceof Error && !error.message.includes(error.cause.message)
    ? ` (${error.cause.message})`
    : "";
  return `${error.message}${cause}`;
}

/**
 * Runs the CLI with the given arguments and returns the exit code.
 *
 * @param args The command line, without the program name.
 * @param options Targets to run the conformance command on.
 * @returns 0 on success, 1 on a data or backend error or a conformance
 * failure, 2 on bad usage.
 *
 * @example The matrix for your own adapter
 * ```ts
 * import { main } from "@kvkit/kvkit/cli";
 * import { createMemoryKv } from "@kvkit/kvkit/memory";
 *
 * const code = await main(["conformance", "--area", "ordering"], {
 *   targets: [{ name: "mine", factory: () => ({ kv: createMemoryKv() }) }],
 * });
 * if (code !== 0) throw new Error("my adapter does not conform");
 * ```
 */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const io = processIo();
  const stores = storesOf(registry);
  const context = { io, stores };
  const commands: Command[] = [
    exportCommand,
    importCommand,
    copyCommand,
    conformanceCommand(registry, options.targets),
  ];
  const encoder = new TextEncoder();
  const print = (text: string) => io.stdout(encoder.encode(`${text}\n`));
  const [name, ...rest] = args;
  let command: Command | undefined;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      const topic = name === "help" ? rest[0] : undefined;
      command = commands.find((c) => c.spec.name === topic);
      if (topic !== undefined && command === undefined) {
        throw new UsageError(`no command "${topic}" to help with`);
      }
      const text = command === undefined
        ? overview(commands, formatStores(stores))
        : formatHelp(command.spec, command.helpExtra?.(context));
      if (name !== undefined) {
        await print(text);
        return 0;
      }
      io.stderr.write(`${text}\n`);
      return 2;
    }
    command = commands.find((c) => c.spec.name === name);
    if (command === undefined) {
      throw new UsageError(
        `unknown command "${name}"; commands are ${commands.map((c) => c.spec.name).join(", ")}`,
      );
    }
    const parsed = parseArgs(command.spec, rest);
    if (parsed.flags.has("help")) {
      await print(formatHelp(command.spec, command.helpExtra?.(context)));
      return 0;
    }
    return await command.run(parsed, context);
  } catch (error) {
    if (error instanceof UsageError) {
      const about = error.command ?? command?.spec.name;
      io.stderr.write(
        `kvkit: ${error.message}\n(run "kvkit ${about === undefined ? "" : `${about} `}--help")\n`,
      );
      return 2;
    }
    io.stderr.write(`kvkit: ${messageOf(error)}\n`);
    return 1;
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
