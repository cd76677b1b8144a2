// The CLI's command line: each command declares its flags and arguments
// (a CommandSpec), one parser reads them, and the same spec prints the
// command's help. Anything the parser does not know is a UsageError, which
// names what is valid. Private to cli.ts.

import type { CliIo } from "./_cli_io.ts";
import type { StoreEntry } from "./targets/_entry.ts";

/** A flag a command takes. */
export interface FlagSpec {
  /** The flag without dashes, e.g. `dry-run`. */
  name: string;
  /** The value's placeholder when the flag takes one, e.g. `a,b`. */
  value?: string;
  /** One line for the help. */
  summary: string;
}

/** A command: what it takes, and what its help says. */
export interface CommandSpec {
  /** The command's name, e.g. `import`. */
  name: string;
  /** The positional arguments, as the usage line shows them, e.g. `<store> [file]`. */
  args: string;
  /** How many positional arguments it takes, at least and at most. */
  arity: readonly [number, number];
  /** One line on what it does. */
  summary: string;
  /** What the help says after the usage line. */
  details: string;
  /** Its flags; `--help` is added to every command. */
  flags: readonly FlagSpec[];
  /** Example command lines, without the program name. */
  examples: readonly string[];
}

/** What a command runs with. */
export interface CommandContext {
  /** The standard streams. */
  io: CliIo;
  /** The stores the registry knows. */
  stores: readonly StoreEntry[];
}

/** A command: its spec, and what runs it. */
export interface Command {
  /** What it takes. */
  spec: CommandSpec;
  /** What its help adds after the flags (the store syntax, say). */
  helpExtra?(context: CommandContext): string;
  /** Runs it; resolves to the exit code. */
  run(parsed: ParsedArgs, context: CommandContext): Promise<number>;
}

/** A command line read against a {@linkcode CommandSpec}. */
export interface ParsedArgs {
  /** The positional arguments, in order. */
  positionals: string[];
  /** Each flag given, with its value, or `true` for a flag without one. */
  flags: Map<string, string | true>;
}

/** Bad usage: the CLI prints the message and exits 2. */
export class UsageError extends Error {
  /** The command whose help the message points to, when there is one. */
  readonly command: string | undefined;

  /**
   * @param message What is wrong, and what would be right.
   * @param command The command, for the "--help" hint.
   */
  constructor(message: string, command?: string) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

const HELP: FlagSpec = { name: "help", summary: "print this help" };

/** `--prefix`, of the commands that read a store. */
export const PREFIX_FLAG: FlagSpec = {
  name: "prefix",
  value: "prefix",
  summary: "only the keys that start with it",
};

/** `--quiet`, of the commands that move data. */
export const QUIET_FLAG: FlagSpec = { name: "quiet", summary: "print no progress and no summary" };

/** Flags kvkit once took, with what replaced them. */
const REPLACED: Record<string, string> = {
  namespace: "name the namespace in the store itself, e.g. deno-kv:./data.db#users",
};

/** The flags of `spec`, `--help` included. */
export function flagsOf(spec: CommandSpec): FlagSpec[] {
  return [...spec.flags, HELP];
}

function flagList(spec: CommandSpec): string {
  return flagsOf(spec).map((f) => `--${f.name}${f.value === undefined ? "" : ` <${f.value}>`}`)
    .join(", ");
}

/**
 * Reads `args` (the words after the command's name) against `spec`:
 * `--flag`, `--flag value`, `--flag=value`, `-h` for `--help`, and `--`
 * before arguments that start with a dash. A lone `-` is an argument
 * (standard input or output).
 */
export function parseArgs(spec: CommandSpec, args: readonly string[]): ParsedArgs {
  const known = new Map(flagsOf(spec).map((f) => [f.name, f]));
  const positionals: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === "-h") {
      flags.set("help", true);
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf("=");
    const name = arg.slice(arg.startsWith("--") ? 2 : 1, equals < 0 ? undefined : equals);
    const flag = known.get(name);
    if (flag === undefined) {
      const hint = REPLACED[name] === undefined ? "" : ` (it is gone: ${REPLACED[name]})`;
      throw new UsageError(
        `unknown flag ${
          arg.slice(0, equals < 0 ? undefined : equals)
        } for "kvkit ${spec.name}"${hint}; ` +
          `its flags are ${flagList(spec)}`,
        spec.name,
      );
    }
    if (flags.has(name)) {
      throw new UsageError(`--${name} is given twice`, spec.name);
    }
    if (flag.value === undefined) {
      if (equals >= 0) throw new UsageError(`--${name} takes no value`, spec.name);
      flags.set(name, true);
      continue;
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++i];
    if (value === undefined || value === "") {
      throw new UsageError(`--${name} needs a value: --${name} <${flag.value}>`, spec.name);
    }
    flags.set(name, value);
  }
  if (flags.has("help")) return { positionals, flags };
  const [min, max] = spec.arity;
  if (positionals.length < min || positionals.length > max) {
    const wanted = min === max ? `${min}` : `${min} to ${max}`;
    throw new UsageError(
      `"kvkit ${spec.name}" takes ${wanted} argument${max === 1 ? "" : "s"} (${spec.args}), ` +
        `got ${positionals.length}${positionals.length > 0 ? `: ${positionals.join(" ")}` : ""}`,
      spec.name,
    );
  }
  return { positionals, flags };
}

/**
 * The comma-separated values of a flag, each checked against `valid`;
 * `undefined` when the flag is absent.
 */
export function listFlag(
  parsed: ParsedArgs,
  name: string,
  valid: readonly string[],
  command: string,
): string[] | undefined {
  const raw = parsed.flags.get(name);
  if (raw === undefined || raw === true) return undefined;
  const values = raw.split(",").map((v) => v.trim()).filter((v) => v !== "");
  const unknown = values.filter((v) => !valid.includes(v));
  if (unknown.length > 0 || values.length === 0) {
    throw new UsageError(
      `unknown --${name} ${unknown.map((v) => `"${v}"`).join(", ") || "(empty)"}; ` +
        `valid: ${valid.join(", ")}`,
      command,
    );
  }
  return values;
}

/** The help of one command: usage, what it does, its flags and examples. */
export function formatHelp(spec: CommandSpec, extra = ""): string {
  const flags = flagsOf(spec);
  const width = Math.max(
    ...flags.map((f) => f.name.length + (f.value === undefined ? 0 : f.value.length + 3)),
  );
  const lines = [
    `usage: kvkit ${spec.name}${spec.args === "" ? "" : ` ${spec.args}`} [flags]`,
    "",
    spec.summary,
    ...(spec.details === "" ? [] : ["", spec.details]),
    "",
    "flags:",
    ...flags.map((f) => {
      const form = `${f.name}${f.value === undefined ? "" : ` <${f.value}>`}`;
      return `  --${form.padEnd(width)}  ${f.summary}`;
    }),
  ];
  if (extra !== "") lines.push("", extra);
  if (spec.examples.length > 0) {
    lines.push("", "examples:", ...spec.examples.map((e) => `  kvkit ${e}`));
  }
  return lines.join("\n");
}
