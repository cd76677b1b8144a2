// The Workers KV methods on Cloudflare's REST API. Private: the facade in
// cloudflare_api.ts builds one per namespace.
//
// Every call first runs the engine's own validators (_validate.ts), in
// workerd's order, so bad input fails with Workers' exact error and sends
// nothing. The server then has the last word on everything else.

import { decodeBulkItem } from "../_bulk.ts";
import { decodeValue, readValueStream } from "../_codec.ts";
import {
  buildRecord,
  noKeyError,
  parseBulkArguments,
  parseDeleteArguments,
  parseListArguments,
  parsePutArguments,
  parseReadArguments,
  type PutArguments,
} from "../_validate.ts";
import { KvError } from "../errors.ts";
import { KV_LIMITS } from "../limits.ts";
import type { KvListKey, KvListResult } from "../types.ts";
import { type ApiClient, type ApiEnvelope, keySegment } from "./_cloudflare_api_client.ts";
import {
  batches,
  BULK_MAX_KEYS,
  bulkEntryJson,
  type BulkRecord,
  isFragileKey,
} from "./_cloudflare_api_bulk.ts";
import { listPage, type ServerPage } from "./_cloudflare_api_list.ts";

const encoder = new TextEncoder();

/** A key's metadata read said the key does not exist. */
const MISSING = Symbol("missing");

/** What the server holds for one key of a bulk read. */
interface BulkHit {
  /** Text the server decoded, or bytes read singly. */
  value: string | Uint8Array;
  /** The parsed metadata, for a read with metadata. */
  metadata: unknown;
}

/** An entry of `bulkPut`, as the caller gives it. */
interface BulkPutInput {
  key?: unknown;
  value?: unknown;
  expiration?: unknown;
  expirationTtl?: unknown;
  metadata?: unknown;
}

function unexpected(op: "GET" | "GET_BULK" | "PUT" | "DELETE", what: string): KvError {
  return new KvError(op, 500, "Internal Server Error", {
    cause: new TypeError(`unexpected answer from the REST API: ${what}`),
  });
}

function isStreamValue(value: PutArguments["value"]): value is ReadableStream<unknown> {
  return typeof value !== "string" && !(value instanceof Uint8Array);
}

/** The `expiration`/`expiration_ttl` query of a write: the TTL wins, as in Workers. */
function expirationQuery(args: PutArguments): [string, string][] {
  if (args.expirationTtl !== undefined) return [["expiration_ttl", String(args.expirationTtl)]];
  if (args.expiration !== undefined) return [["expiration", String(args.expiration)]];
  return [];
}

/** A REST key entry in Workers' shape: `{ name, expiration?, metadata? }`, in that order. */
function toListKey(raw: unknown): KvListKey {
  if (typeof raw !== "object" || raw === null) throw unexpected("GET", "a key is not an object");
  const { name, expiration, metadata } = raw as Record<string, unknown>;
  if (typeof name !== "string") throw unexpected("GET", "a key has no name");
  const key: KvListKey = { name };
  if (typeof expiration === "number") key.expiration = expiration;
  if (Object.hasOwn(raw, "metadata")) key.metadata = metadata;
  return key;
}

/** One namespace on the REST API, with Workers' methods. */
export class ApiNamespace {
  readonly #client: ApiClient;
  readonly #now: () => number;

  /**
   * @param client The namespace's HTTP client.
   * @param now The clock the client-side checks use (expiration).
   */
  constructor(client: ApiClient, now: () => number) {
    this.#client = client;
    this.#now = now;
  }

  /** `get`, single or bulk. */
  async get(args: unknown[]): Promise<unknown> {
    if (args.length === 0) throw noKeyError("get");
    if (Array.isArray(args[0])) return await this.#getBulk(args[0], args[1], false);
    const { key, type } = parseReadArguments(args[0], args[1]);
    const value = await this.#readValue(key);
    if (value === null) return null;
    return type === "arrayBuffer" ? value : decodeValue(new Uint8Array(value), type);
  }

  /**
   * `getWithMetadata`, single or bulk. A single read asks for the value
   * and the metadata in two parallel requests (the REST API has no
   * endpoint for both); when either says the key is gone, it is gone.
   */
  async getWithMetadata(args: unknown[]): Promise<unknown> {
    if (args.length === 0) throw noKeyError("getWithMetadata");
    if (Array.isArray(args[0])) return await this.#getBulk(args[0], args[1], true);
    const { key, type } = parseReadArguments(args[0], args[1]);
    const [value, metadata] = await Promise.all([this.#readValue(key), this.#readMetadata(key)]);
    if (value === null || metadata === MISSING) {
      return { value: null, metadata: null, cacheStatus: null };
    }
    return {
      value: type === "arrayBuffer" ? value : decodeValue(new Uint8Array(value), type),
      metadata,
      cacheStatus: null,
    };
  }

  /** `put`: a raw body, or a multipart `value` + `metadata` form when there is metadata. */
  async put(args: unknown[]): Promise<void> {
    const parsed = parsePutArguments(args.length, args[0], args[1], args[2]);
    const record = buildRecord(parsed, this.#now);
    const value = isStreamValue(parsed.value) ? await readValueStream(parsed.value) : record.value;
    const bytes = typeof value === "string" ? encoder.encode(value) : value;
    let body: Uint8Array | FormData = bytes;
    let contentType: string | undefined = "application/octet-stream";
    if (record.metadata !== undefined) {
      body = new FormData();
      body.set("value", new Blob([bytes as Uint8Array<ArrayBuffer>]));
      body.set("metadata", record.metadata);
      contentType = undefined;
    }
    await this.#client.discard({
      op: "PUT",
      method: "PUT",
      path: `values/${keySegment(parsed.key)}`,
      query: expirationQuery(parsed),
      body,
      contentType,
    });
  }

  /** `delete`; deleting a missing key succeeds. */
  async delete(args: unknown[]): Promise<void> {
    const key = parseDeleteArguments(args.length, args[0]);
    await this.#client.discard({
      op: "DELETE",
      method: "DELETE",
      path: `values/${keySegment(key)}`,
      missingOk: true,
    });
  }

  /** `list`, in Workers' shape (see _cloudflare_api_list.ts for small limits). */
  async list(args: unknown[]): Promise<KvListResult> {
    const { prefix, limit, cursor } = parseListArguments(args[0]);
    return await listPage((p, c, l) => this.#readPage(p, c, l), prefix, limit, cursor);
  }

  /**
   * Writes many entries with the bulk write endpoint, each checked as a
   * `put` of it would be, all before the first request.
   */
  async bulkPut(entries: unknown): Promise<void> {
    if (typeof (entries as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new TypeError("bulkPut() takes an iterable of { key, value, ...options } entries");
    }
    const records: BulkRecord[] = [];
    for (const entry of entries as Iterable<unknown>) {
      if (typeof entry !== "object" || entry === null) {
        throw new TypeError("bulkPut() takes entries of the form { key, value, ...options }");
      }
      const { key, value, expiration, expirationTtl, metadata } = entry as BulkPutInput;
      const parsed = parsePutArguments(3, key, value, { expiration, expirationTtl, metadata });
      const record = buildRecord(parsed, this.#now);
      records.push({
        key: parsed.key,
        value: isStreamValue(parsed.value) ? await readValueStream(parsed.value) : record.value,
        expiration: parsed.expiration,
        expirationTtl: parsed.expirationTtl,
        metadata: record.metadata,
      });
    }
    await this.writeRecords(records);
  }

  /**
   * Sends checked records in batches of at most 10,000 keys and 100 MB,
   * sending again the keys a batch reports unwritten.
   */
  async writeRecords(records: readonly BulkRecord[]): Promise<void> {
    const elements = records.map((record) => ({ key: record.key, json: bulkEntryJson(record) }));
    for (const batch of batches(elements)) {
      let pending = batch;
      for (let round = 0; pending.length > 0; round++) {
        const body = await this.#client.json({
          op: "PUT",
          method: "PUT",
          path: "bulk",
          body: `[${pending.map((element) => element.json).join(",")}]`,
          contentType: "application/json",
        });
        const unwritten = (body?.result as { unsuccessful_keys?: unknown } | null | undefined)
          ?.unsuccessful_keys;
        if (!Array.isArray(unwritten) || unwritten.length === 0) break;
        if (round === 2) {
          throw new KvError("PUT", 500, "Internal Server Error", {
            cause: new Error(`the bulk write left ${unwritten.length} keys unwritten`),
          });
        }
        const again = new Set(unwritten);
        pending = pending.filter((element) => again.has(element.key));
      }
    }
  }

  /** Deletes many keys with the bulk delete endpoint, each checked as a `delete` would be. */
  async bulkDelete(keys: unknown): Promise<void> {
    if (typeof (keys as Iterable<unknown>)?.[Symbol.iterator] !== "function") {
      throw new TypeError("bulkDelete() takes an iterable of keys");
    }
    const names = Array.from(keys as Iterable<unknown>, (key) => parseDeleteArguments(1, key));
    for (let i = 0; i < names.length; i += BULK_MAX_KEYS) {
      await this.#client.json({
        op: "DELETE",
        method: "POST",
        path: "bulk/delete",
        body: JSON.stringify(names.slice(i, i + BULK_MAX_KEYS)),
        contentType: "application/json",
      });
    }
  }

  /** A value's bytes, `null` when the key is missing. */
  async #readValue(key: string): Promise<ArrayBuffer | null> {
    const response = await this.#client.send({
      op: "GET",
      method: "GET",
      path: `values/${keySegment(key)}`,
      missingOk: true,
    });
    return response === null ? null : await response.arrayBuffer();
  }

  /** A key's parsed metadata (`null` for none), or {@linkcode MISSING}. */
  async #readMetadata(key: string): Promise<unknown> {
    const body = await this.#client.json({
      op: "GET",
      method: "GET",
      path: `metadata/${keySegment(key)}`,
      missingOk: true,
    });
    return body === null ? MISSING : body.result ?? null;
  }

  async #readPage(prefix: string, cursor: string, limit: number): Promise<ServerPage> {
    const query: [string, string][] = [["limit", String(limit)]];
    if (prefix !== "") query.push(["prefix", prefix]);
    // A caller's garbage cursor may hold a lone surrogate, which cannot be
    // URL-encoded; it is garbage either way.
    if (cursor !== "") query.push(["cursor", cursor.toWellFormed()]);
    const body = await this.#client.json({ op: "GET", method: "GET", path: "keys", query });
    if (!Array.isArray(body?.result)) throw unexpected("GET", "a list without keys");
    const info: NonNullable<ApiEnvelope["result_info"]> = body.result_info ?? {};
    const next = typeof info.cursor === "string" ? info.cursor : "";
    return {
      keys: body.result.map(toListKey),
      cursor: next,
      complete: info.list_complete === true || next === "",
    };
  }

  /**
   * Bulk `get` and `getWithMetadata`: Workers' checks, one bulk request
   * for the distinct valid keys (as text: JSON is parsed here, by Workers'
   * rules), single reads for the keys the answer may have lost, and the
   * Map in request order.
   */
  async #getBulk(
    rawKeys: unknown[],
    options: unknown,
    withMetadata: boolean,
  ): Promise<Map<string, unknown>> {
    const { keys, json, valid, invalid } = parseBulkArguments(rawKeys, options);
    const wanted = [...new Set(keys.slice(0, valid))];
    const hits = wanted.length === 0 ? new Map() : await this.#readBulk(wanted, withMetadata);
    const results = new Map<string, unknown>();
    // A repeated key counts toward the total again, as in Workers.
    const sizes = new Map<string, number>();
    let size = 0;
    for (let i = 0; i < valid; i++) {
      const key = keys[i];
      if (!results.has(key)) {
        const hit = hits.get(key);
        let item: unknown = null;
        if (hit !== undefined && hit !== null) {
          const decoded = decodeBulkItem({
            // The server decoded the text and dropped a leading BOM, as
            // Workers' bulk read does; decodeBulkItem drops one more, so
            // it gets one to drop. Bytes read singly are decoded there.
            value: typeof hit.value === "string" ? `\uFEFF${hit.value}` : hit.value,
            json,
            withMetadata,
            metadata: hit.metadata,
          });
          sizes.set(key, decoded.size);
          item = decoded.item;
        }
        results.set(key, item);
      }
      size += sizes.get(key) ?? 0;
    }
    if (invalid !== undefined) throw invalid;
    if (size > KV_LIMITS.maxBulkSize) {
      throw new KvError(
        "GET_BULK",
        413,
        `Total size of request exceeds the limit of ${KV_LIMITS.maxBulkSize / 1024 / 1024}MB`,
      );
    }
    return results;
  }

  /** The server's answer for distinct keys; `null` for a missing key. */
  async #readBulk(keys: string[], withMetadata: boolean): Promise<Map<string, BulkHit | null>> {
    const body = await this.#client.json({
      op: "GET_BULK",
      method: "POST",
      path: "bulk/get",
      body: JSON.stringify(withMetadata ? { keys, withMetadata: true } : { keys }),
      contentType: "application/json",
    });
    const values = (body?.result as { values?: unknown } | null | undefined)?.values;
    if (typeof values !== "object" || values === null) {
      throw unexpected("GET_BULK", "a bulk read without values");
    }
    const hits = new Map<string, BulkHit | null>();
    const lost: string[] = [];
    for (const key of keys) {
      const item = Object.hasOwn(values, key)
        ? (values as Record<string, unknown>)[key]
        : undefined;
      if (item === undefined || (item === null && isFragileKey(key))) lost.push(key);
      else if (item === null) hits.set(key, null);
      else if (!withMetadata && typeof item === "string") {
        hits.set(key, { value: item, metadata: null });
      } else if (withMetadata && typeof (item as { value?: unknown }).value === "string") {
        const { value, metadata } = item as { value: string; metadata?: unknown };
        hits.set(key, { value, metadata: metadata ?? null });
      } else throw unexpected("GET_BULK", `a bulk value that is not text`);
    }
    await Promise.all(lost.map(async (key) => {
      const [value, metadata] = await Promise.all([
        this.#readValue(key),
        withMetadata ? this.#readMetadata(key) : null,
      ]);
      const gone = value === null || metadata === MISSING;
      hits.set(key, gone ? null : { value: new Uint8Array(value), metadata });
    })).catch((error) => {
      // A single read names GET; this is part of a bulk read.
      if (error instanceof KvError && error.operation === "GET") {
        throw new KvError(
          "GET_BULK",
          error.status,
          error.message.replace(/^KV GET failed: \d+ /, ""),
          {
            cause: error.cause,
          },
        );
      }
      throw error;
    });
    return hits;
  }
}
