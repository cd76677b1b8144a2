// Writes records into a store in batches: through the store's `writeMany`
// when it has one (a Deno KV, SQL or REST batch), else with a few
// concurrent puts. One batch is written while the next one fills (but a
// large value is written alone, before anything else is read), and
// batches land in order, so when a key comes twice the last one wins, as
// with one put after another. Private to the CLI.

import { KV_LIMITS } from "./limits.ts";
import type { KvNamespace } from "./types.ts";
import type { OpenedStore, StoreRecord } from "./targets/_entry.ts";

/** A record to write, with what the progress counts for it. */
export interface PendingRecord extends StoreRecord {
  /**
   * The entry's `expiration_ttl`, when it gave one: the expiration is then
   * counted from the moment the batch is written, not when it was built.
   */
  ttl?: number;
  /** Bytes the progress counts for it (its size in the input). */
  bytes: number;
}

/** Most records in one batch. */
export const BATCH_RECORDS = 1000;
/** Most value bytes in one batch, unless one record alone is larger. */
export const BATCH_BYTES = 8 * 1024 * 1024;
/** Values larger than this are written alone, with no other record read meanwhile. */
export const LARGE_BYTES = 1024 * 1024;
/** Concurrent puts for a store without `writeMany`. */
const PUT_CONCURRENCY = 16;

function valueLength(value: string | Uint8Array): number {
  // A string's UTF-16 length is close enough to size a batch.
  return typeof value === "string" ? value.length : value.byteLength;
}

/** Counts of what a {@linkcode RecordWriter} did. */
export interface WriteCounts {
  /** Records written. */
  written: number;
  /** Their bytes, as {@linkcode PendingRecord.bytes} counts them. */
  bytes: number;
  /** Records dropped because they expire in less than 60 s by the time they are written. */
  expired: number;
}

/** Fills batches and writes them, one at a time, while the next one fills. */
export class RecordWriter {
  readonly #store: OpenedStore;
  readonly #onWritten: (counts: WriteCounts) => void;
  readonly #now: () => number;
  #batch: PendingRecord[] = [];
  #batchBytes = 0;
  #writing: Promise<void> = Promise.resolve();
  /** What has landed so far. */
  readonly counts: WriteCounts = { written: 0, bytes: 0, expired: 0 };

  /**
   * @param store The store to write to.
   * @param onWritten Called after each batch lands, with the counts so far.
   * @param now The clock, epoch ms.
   */
  constructor(
    store: OpenedStore,
    onWritten: (counts: WriteCounts) => void = () => {},
    now: () => number = Date.now,
  ) {
    this.#store = store;
    this.#onWritten = onWritten;
    this.#now = now;
  }

  /** Adds a record; resolves once it is in a batch (which may wait for the one before). */
  async add(record: PendingRecord): Promise<void> {
    const length = valueLength(record.record.value);
    if (
      this.#batch.length >= BATCH_RECORDS ||
      (this.#batch.length > 0 && this.#batchBytes + length > BATCH_BYTES)
    ) {
      await this.#flush();
    }
    this.#batch.push(record);
    this.#batchBytes += length;
    if (length > LARGE_BYTES) {
      // A large value is written before the next record is even read, so
      // that only one is held at a time.
      await this.#flush();
      await this.#writing;
    }
  }

  /** Writes what is left, and resolves once everything has landed. */
  async end(): Promise<void> {
    await this.#flush();
    await this.#writing;
  }

  /** Waits for the batch being written, whether it lands or fails. */
  async settle(): Promise<void> {
    await this.#writing.catch(() => {});
  }

  async #flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    await this.#writing;
    if (batch.length > 0) this.#writing = this.#write(batch);
  }

  async #write(batch: PendingRecord[]): Promise<void> {
    const nowSeconds = Math.floor(this.#now() / 1000);
    // The last record of a key wins; the batch keeps the order of the rest.
    const last = new Map<string, PendingRecord>();
    for (const pending of batch) {
      last.delete(pending.key);
      last.set(pending.key, pending);
    }
    const records: StoreRecord[] = [];
    let bytes = 0;
    for (const pending of last.values()) {
      const { key, record, ttl } = pending;
      if (ttl !== undefined) {
        record.expiration = nowSeconds + ttl;
      } else if (
        record.expiration !== undefined &&
        record.expiration < nowSeconds + KV_LIMITS.minExpirationTtl
      ) {
        this.counts.expired++;
        continue;
      }
      records.push({ key, record });
      bytes += pending.bytes;
    }
    if (records.length > 0) {
      if (this.#store.writeMany !== undefined) await this.#store.writeMany(records);
      else await putAll(this.#store.kv, records, this.#now);
    }
    this.counts.written += records.length;
    this.counts.bytes += bytes;
    this.#onWritten(this.counts);
  }
}

/**
 * Runs `write`, and turns a failure into one that says how many records
 * had landed in `store` before it: a failed import or copy leaves those.
 */
export async function failsAfter(
  store: string,
  writer: RecordWriter,
  write: () => Promise<void>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof Error && error.cause instanceof Error
      ? ` (${error.cause.message})`
      : "";
    await writer.settle();
    const { written } = writer.counts;
    throw new Error(
      `${message}${cause}; ${written} entr${written === 1 ? "y" : "ies"} had been written ` +
        `to ${store} before`,
      { cause: error },
    );
  }
}

/**
 * Puts records through a namespace, a few at a time. A record holds its
 * metadata as JSON text; `put` stores `null` as none, so JSON null goes in
 * as `NaN`, which serializes to it. Workers refuses an expiration less
 * than 60 s past its own current second, which may be a second ahead of
 * ours: an expiration that close (one built moments ago from a 60 s TTL)
 * is put 61 s from now.
 */
async function putAll(kv: KvNamespace, records: readonly StoreRecord[], now: () => number) {
  let next = 0;
  const worker = async () => {
    while (next < records.length) {
      const { key, record } = records[next++];
      const metadata = record.metadata === undefined ? undefined : JSON.parse(record.metadata);
      const soonest = Math.floor(now() / 1000) + KV_LIMITS.minExpirationTtl + 1;
      await kv.put(key, record.value, {
        expiration: record.expiration === undefined
          ? undefined
          : Math.max(record.expiration, soonest),
        metadata: metadata === null ? NaN : metadata,
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, records.length) }, worker));
}
