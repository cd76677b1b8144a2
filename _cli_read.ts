// Reads a whole namespace as a stream of entries, in key order: pages of
// keys from `list` (the next page is asked for while this one is read),
// and each value with `getWithMetadata`, several at a time. How many are
// in flight depends on the values seen so far: one to start with, more as
// small values come back, and fewer once a large one does, so that memory
// stays bounded whatever the values' sizes. Private to the CLI.

import type { DumpItem } from "./_cli_dump.ts";
import type { KvListKey, KvNamespace } from "./types.ts";

/** Values read at once, at most. */
export const MAX_READS = 8;
/** Value bytes the reads in flight may add up to, judging by the largest value so far. */
export const READ_BYTES = 16 * 1024 * 1024;

/** Every key of a namespace under `prefix`, page by page. */
async function* listAll(kv: KvNamespace, prefix: string): AsyncGenerator<KvListKey<unknown>> {
  let page = kv.list({ prefix });
  while (true) {
    const current = await page;
    if (!current.list_complete) {
      page = kv.list({ prefix, cursor: current.cursor });
      // Awaited on the next turn; a reader that stops first must not crash on it.
      page.catch(() => {});
    }
    yield* current.keys;
    if (current.list_complete) return;
  }
}

/**
 * Every live entry under `prefix`, in key order. A key deleted or expired
 * between the listing and the read is left out. The first value is read
 * alone; each value read lets one more be in flight, up to `MAX_READS`,
 * and once a value of `n` bytes is seen, at most `READ_BYTES / n` (and at
 * least one) are. The most held at once is thus `MAX_READS` values, and
 * that many large ones only when they follow many small ones.
 */
export async function* readItems(kv: KvNamespace, prefix = ""): AsyncGenerator<DumpItem> {
  const keys = listAll(kv, prefix);
  const inFlight: Promise<DumpItem | undefined>[] = [];
  let largest = 1;
  let read = 0;
  let more = true;
  const fetch = async (info: KvListKey<unknown>): Promise<DumpItem | undefined> => {
    const { value, metadata } = await kv.getWithMetadata(info.name, "arrayBuffer");
    read++;
    if (value === null) return undefined;
    const bytes = new Uint8Array(value);
    largest = Math.max(largest, bytes.byteLength);
    const item: DumpItem = { key: info.name, value: bytes };
    if (info.expiration !== undefined) item.expiration = info.expiration;
    if (metadata !== null && metadata !== undefined) item.metadata = metadata;
    return item;
  };
  try {
    while (true) {
      const window = Math.max(1, Math.min(MAX_READS, read + 1, Math.floor(READ_BYTES / largest)));
      while (more && inFlight.length < window) {
        const next = await keys.next();
        if (next.done) more = false;
        else inFlight.push(fetch(next.value));
      }
      const first = inFlight.shift();
      if (first === undefined) return;
      const item = await first;
      if (item !== undefined) yield item;
    }
  } finally {
    // Settle what is still in flight, so that nothing rejects unobserved.
    await Promise.allSettled(inFlight);
    await keys.return(undefined);
  }
}
