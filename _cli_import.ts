// `kvkit import <store> [file]`: a dump into a store, checked whole before
// anything is written. The input is read twice, each time as a stream: the
// first pass checks every entry with the engine's validators and writes
// nothing; only when all are valid does the second pass build the records
// again and write them in batches. Standard input, which cannot be read
// twice, is copied to a temporary file during the first pass. Private to
// cli.ts.

import { type Command, QUIET_FLAG, UsageError } from "./_cli_args.ts";
import { DumpSyntaxError, parseDump } from "./_cli_dump.ts";
import { checkEntry, EntryError } from "./_cli_entry.ts";
import { release } from "./_cli_raw.ts";
import { createSpool, fileSize, onInterrupt, readFile } from "./_cli_io.ts";
import { formatBytes, formatCount, formatSeconds, Progress } from "./_cli_progress.ts";
import { formatStores, openStore, parseStoreName } from "./_cli_stores.ts";
import { failsAfter, RecordWriter } from "./_cli_write.ts";

/** A dump that cannot be imported: nothing was written. */
export class ImportRefused extends Error {
  /** @param message What is wrong with the dump, entry by entry. */
  constructor(message: string) {
    super(message);
    this.name = "ImportRefused";
  }
}

/** Invalid entries the refusal lists, at most; the rest are counted. */
export const MAX_LISTED_ERRORS = 20;

/** What the first pass found. */
export interface CheckResult {
  /** Entries in the dump. */
  entries: number;
  /** Bytes of the dump. */
  bytes: number;
  /** Entries that are already expired (or expire within 60 s). */
  expired: number;
  /** Unknown fields, with how many entries have each. */
  unknown: Map<string, number>;
}

async function* counting(
  chunks: AsyncIterable<Uint8Array>,
  count: (bytes: number) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    count(chunk.byteLength);
    yield chunk;
  }
}

/**
 * The first pass: checks every entry at time `nowMs`, writes nothing.
 * Throws an {@linkcode ImportRefused} that lists the invalid entries (up
 * to {@linkcode MAX_LISTED_ERRORS}, then a count), or the syntax error
 * that stopped the reading.
 */
export async function checkDump(
  chunks: AsyncIterable<Uint8Array>,
  options: {
    nowMs: number;
    allowUnknown: boolean;
    progress?: (entries: number, bytes: number) => void;
  },
): Promise<CheckResult> {
  const result: CheckResult = { entries: 0, bytes: 0, expired: 0, unknown: new Map() };
  const errors: string[] = [];
  let invalid = 0;
  let read = 0;
  const refuse = (reason: string) => {
    const more = invalid - errors.length;
    return new ImportRefused(
      [reason, ...errors.map((e) => `  ${e}`), ...more > 0 ? [`  … and ${more} more`] : []]
        .join("\n"),
    );
  };
  try {
    for await (const element of parseDump(counting(chunks, (n) => read += n))) {
      result.entries++;
      result.bytes += element.bytes;
      try {
        const checked = checkEntry(
          element.value,
          element.index,
          options.nowMs,
          options.allowUnknown,
        );
        if ("expired" in checked) result.expired++;
        // This pass keeps nothing: a large value's bytes can go now.
        else if (typeof checked.record.record.value !== "string") {
          release(checked.record.record.value);
        }
        for (const field of checked.unknown) {
          result.unknown.set(field, (result.unknown.get(field) ?? 0) + 1);
        }
      } catch (error) {
        if (!(error instanceof EntryError)) throw error;
        if (++invalid <= MAX_LISTED_ERRORS) errors.push(error.message);
      }
      options.progress?.(result.entries, read);
    }
  } catch (error) {
    if (!(error instanceof DumpSyntaxError)) throw error;
    throw refuse(
      `the dump is not a well-formed JSON array, so nothing was written: ${error.message}`,
    );
  }
  if (invalid > 0) {
    throw refuse(
      `${formatCount(invalid)} of ${formatCount(result.entries)} entries ` +
        `${invalid === 1 ? "is" : "are"} invalid, so nothing was written:`,
    );
  }
  return result;
}

function unknownNote(unknown: Map<string, number>): string {
  if (unknown.size === 0) return "";
  const fields = [...unknown].map(([field, n]) =>
    `"${field}" (${formatCount(n)} entr${n === 1 ? "y" : "ies"})`
  );
  return `; ignored unknown field${unknown.size > 1 ? "s" : ""} ${fields.join(", ")}`;
}

/** The `import` command. */
export const importCommand: Command = {
  spec: {
    name: "import",
    args: "<store> [file]",
    arity: [1, 2],
    summary: "Writes a dump (a file, or standard input) into a store, once every entry is valid.",
    details: "The dump is wrangler's bulk JSON: an array of {key, value, base64?, expiration?,\n" +
      "expiration_ttl?, metadata?}. Every entry is checked first, with Workers KV's rules and\n" +
      "limits; if any is invalid, nothing is written and each invalid entry is named. Entries\n" +
      "that have expired, or expire within 60 s, are skipped and counted. Standard input is\n" +
      "copied to a temporary file while it is checked, then read again from there. Existing\n" +
      "keys are overwritten; other keys in the store are left alone.",
    flags: [
      { name: "dry-run", summary: "check the dump and write nothing" },
      {
        name: "allow-unknown-fields",
        summary: "ignore fields an entry should not have (an error by default), with a warning",
      },
      QUIET_FLAG,
    ],
    examples: [
      "import deno-kv:./data.db dump.json",
      "import miniflare:.wrangler/state#<namespace-id> < dump.json",
      "import postgres://kvkit@127.0.0.1:5432/app#users dump.json --dry-run",
    ],
  },
  helpExtra: ({ stores }) => `stores:\n${formatStores(stores)}`,
  async run(parsed, { io, stores }) {
    const name = parseStoreName(parsed.positionals[0], stores);
    const path = parsed.positionals[1] === "-" ? undefined : parsed.positionals[1];
    const dryRun = parsed.flags.has("dry-run");
    const allowUnknown = parsed.flags.has("allow-unknown-fields");
    if (path === undefined && io.stdinIsTerminal()) {
      throw new UsageError(
        "import reads a dump from a file or from standard input, and nothing is piped in: " +
          "kvkit import <store> dump.json",
        "import",
      );
    }
    const progress = new Progress(io.stderr, { quiet: parsed.flags.has("quiet") });
    const size = path === undefined ? undefined : await fileSize(path);
    const source = path ?? "standard input";
    const spool = path === undefined && !dryRun ? await createSpool() : undefined;
    const stop = spool === undefined ? undefined : onInterrupt(spool.remove);
    try {
      progress.phase(`check ${source}`, { bytes: size, unit: "entries" });
      const input = path === undefined ? io.stdin() : readFile(path);
      const checked = await checkDump(spool?.tee(input) ?? input, {
        nowMs: Date.now(),
        allowUnknown,
        progress: (entries, bytes) => progress.update(entries, bytes),
      }).finally(() => progress.clear());
      const expired = checked.expired > 0
        ? `; ${formatCount(checked.expired)} expired would be skipped`
        : "";
      if (dryRun) {
        progress.print(
          `checked ${formatCount(checked.entries)} entries (${formatBytes(checked.bytes)}) ` +
            `of ${source}: all valid${expired}${unknownNote(checked.unknown)}; ` +
            `nothing written (--dry-run)`,
        );
        return 0;
      }
      const store = await openStore(name, "write");
      try {
        progress.phase(`import ${name.text}`, {
          keys: checked.entries - checked.expired,
          bytes: checked.bytes,
        });
        const writer = new RecordWriter(
          store,
          (counts) => progress.update(counts.written, counts.bytes),
        );
        let skipped = 0;
        await failsAfter(name.text, writer, async () => {
          for await (const element of parseDump(readFile(path ?? spool!.path))) {
            let entry;
            try {
              entry = checkEntry(element.value, element.index, Date.now(), allowUnknown);
            } catch (error) {
              throw new Error(
                `${source} changed after it was checked: ${(error as Error).message}`,
                {
                  cause: error,
                },
              );
            }
            if ("expired" in entry) skipped++;
            else await writer.add({ ...entry.record, ttl: entry.ttl, bytes: element.bytes });
          }
          await writer.end();
        });
        skipped += writer.counts.expired;
        progress.print(
          `imported ${formatCount(writer.counts.written)} entries ` +
            `(${formatBytes(writer.counts.bytes)}) from ${source} into ${name.text} in ` +
            `${formatSeconds(progress.seconds)}` +
            (skipped > 0 ? `; skipped ${formatCount(skipped)} expired` : "") +
            unknownNote(checked.unknown),
        );
      } finally {
        progress.clear();
        await store.kv.close();
      }
      return 0;
    } finally {
      stop?.();
      await spool?.remove();
    }
  },
};
