// `kvkit copy <from> <to>`: every entry of one store into another, read
// and written as a stream, with no dump in between. Private to cli.ts.

import { type Command, PREFIX_FLAG, QUIET_FLAG, UsageError } from "./_cli_args.ts";
import { entryLabel, toRecord } from "./_cli_entry.ts";
import { formatBytes, formatCount, formatSeconds, Progress } from "./_cli_progress.ts";
import { release } from "./_cli_raw.ts";
import { readItems } from "./_cli_read.ts";
import { formatStores, openStore, parseStoreName, sameStore } from "./_cli_stores.ts";
import { failsAfter, RecordWriter } from "./_cli_write.ts";

/** The `copy` command. */
export const copyCommand: Command = {
  spec: {
    name: "copy",
    args: "<from> <to>",
    arity: [2, 2],
    summary: "Copies every entry of one store into another.",
    details: "Entries are read in key order and written in batches as they are read, values,\n" +
      "metadata and expirations included; entries that expire within 60 s are skipped.\n" +
      "Existing keys in <to> are overwritten; its other keys are left alone.",
    flags: [PREFIX_FLAG, QUIET_FLAG],
    examples: [
      "copy miniflare:.wrangler/state#<namespace-id> deno-kv:./data.db",
      "copy deno-kv:./data.db#users postgres://kvkit@127.0.0.1:5432/app#users",
    ],
  },
  helpExtra: ({ stores }) => `stores:\n${formatStores(stores)}`,
  async run(parsed, { io, stores }) {
    const from = parseStoreName(parsed.positionals[0], stores);
    const to = parseStoreName(parsed.positionals[1], stores);
    if (sameStore(from, to)) {
      throw new UsageError(`"${from.text}" and "${to.text}" are the same store`, "copy");
    }
    const prefix = parsed.flags.get("prefix");
    const progress = new Progress(io.stderr, { quiet: parsed.flags.has("quiet") });
    const source = await openStore(from, "read");
    try {
      const target = await openStore(to, "write");
      try {
        progress.phase(`copy ${from.text} to ${to.text}`);
        const writer = new RecordWriter(target, (c) => progress.update(c.written, c.bytes));
        let skipped = 0;
        let index = 0;
        await failsAfter(to.text, writer, async () => {
          const items = readItems(source.kv, typeof prefix === "string" ? prefix : "");
          for await (const item of items) {
            let record;
            const { expiration, metadata } = item;
            try {
              record = toRecord(item.key, item.value, { expiration, metadata }, Date.now());
            } catch (error) {
              const message = error instanceof Error ? error.message : String(error);
              throw new Error(`${entryLabel(index, item.key)}: ${message}`, { cause: error });
            }
            // The record holds a copy: the bytes read can go now.
            release(item.value);
            index++;
            if (record === "expired") skipped++;
            else await writer.add({ ...record, bytes: item.value.byteLength });
          }
          await writer.end();
        });
        skipped += writer.counts.expired;
        progress.print(
          `copied ${formatCount(writer.counts.written)} entries ` +
            `(${formatBytes(writer.counts.bytes)}) from ${from.text} to ${to.text} in ` +
            `${formatSeconds(progress.seconds)}` +
            (skipped > 0 ? `; skipped ${formatCount(skipped)} expired` : ""),
        );
      } finally {
        progress.clear();
        await target.kv.close();
      }
    } finally {
      await source.kv.close();
    }
    return 0;
  },
};
