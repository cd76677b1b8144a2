// `kvkit export <store> [file]`: a store's entries as a dump, written as
// they are read, to a file (which appears only once complete) or to
// standard output. Private to cli.ts.

import { type Command, PREFIX_FLAG, QUIET_FLAG } from "./_cli_args.ts";
import { DumpWriter } from "./_cli_dump.ts";
import { createOutput, onInterrupt } from "./_cli_io.ts";
import { formatBytes, formatCount, formatSeconds, Progress } from "./_cli_progress.ts";
import { release } from "./_cli_raw.ts";
import { readItems } from "./_cli_read.ts";
import { formatStores, openStore, parseStoreName } from "./_cli_stores.ts";

/** The `export` command. */
export const exportCommand: Command = {
  spec: {
    name: "export",
    args: "<store> [file]",
    arity: [1, 2],
    summary: "Writes every entry of a store as a dump, to a file or to standard output.",
    details:
      "The dump is wrangler's bulk JSON, one entry per line, in key order. Values that are\n" +
      "UTF-8 text are written as text, others as base64. Entries are written as they are\n" +
      "read; a file appears under its name only once complete.",
    flags: [PREFIX_FLAG, QUIET_FLAG],
    examples: [
      "export deno-kv:./data.db > dump.json",
      "export miniflare:.wrangler/state#<namespace-id> dump.json",
      "export redis://127.0.0.1:6379#cache --prefix user:",
    ],
  },
  helpExtra: ({ stores }) => `stores:\n${formatStores(stores)}`,
  async run(parsed, { io, stores }) {
    const name = parseStoreName(parsed.positionals[0], stores);
    const path = parsed.positionals[1] === "-" ? undefined : parsed.positionals[1];
    const prefix = parsed.flags.get("prefix");
    const progress = new Progress(io.stderr, { quiet: parsed.flags.has("quiet") });
    const store = await openStore(name, "read");
    try {
      const output = path === undefined ? undefined : await createOutput(path);
      const stop = output === undefined ? undefined : onInterrupt(output.abort);
      const writer = new DumpWriter(output?.sink ?? io.stdout);
      progress.phase(`export ${name.text}`);
      try {
        for await (const item of readItems(store.kv, typeof prefix === "string" ? prefix : "")) {
          await writer.write(item);
          // The bytes are this read's own: free them now, not at the next GC.
          release(item.value);
          progress.update(writer.count, writer.bytes);
        }
        await writer.end();
        await output?.commit();
      } catch (error) {
        await output?.abort();
        throw error;
      } finally {
        stop?.();
      }
      const seconds = progress.seconds;
      progress.print(
        `exported ${formatCount(writer.count)} entries (${formatBytes(writer.bytes)}) from ` +
          `${name.text}${path === undefined ? "" : ` to ${path}`} in ${formatSeconds(seconds)}`,
      );
    } finally {
      progress.clear();
      await store.kv.close();
    }
    return 0;
  },
};
