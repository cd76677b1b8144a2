/**
 * Production Workers KV from outside Workers: {@linkcode createCloudflareApiKv}
 * gives a namespace with the Workers binding's API on Cloudflare's REST
 * API, for code on Deno, Node and Bun (a script, a server, a CI job).
 *
 * It is a pass-through, like `createWorkersKv`: the data and its rules
 * are Cloudflare's. Each call is one or two documented requests below
 * the namespace's URL, `https://api.cloudflare.com/client/v4/accounts/`
 * `{account_id}/storage/kv/namespaces/{namespace_id}/`. A write with
 * metadata is a multipart form of `value` and `metadata`, else raw bytes:
 *
 * | method | request |
 * |---|---|
 * | `get(key)` | `GET values/{key}` (404 is `null`) |
 * | `getWithMetadata(key)` | `GET values/{key}` and `GET metadata/{key}`, in parallel |
 * | `get(keys)`, `getWithMetadata(keys)` | `POST bulk/get` `{ keys, withMetadata? }` |
 * | `put` | `PUT values/{key}` (`?expiration_ttl=` or `?expiration=`): bytes, or a form |
 * | `delete` | `DELETE values/{key}` |
 * | `list` | `GET keys?limit&prefix&cursor` |
 * | `bulkPut` | `PUT bulk`, 10,000 keys and 100 MB per request |
 * | `bulkDelete` | `POST bulk/delete`, 10,000 keys per request |
 *
 * Keys are percent-encoded as one path segment. Where the REST API
 * differs from the binding, the binding's behaviour is kept:
 * - bad input fails before any request, with workerd's exact
 *   `TypeError` or `KvError` (the engine's own validators run first);
 * - `get` decodes `text`, `json`, `arrayBuffer` and `stream` as Workers
 *   does; `getWithMetadata` is `{ value, metadata, cacheStatus: null }`;
 * - bulk reads ask for text and parse JSON here, by Workers' rules, and
 *   return the Map in request order with `null` for missing keys; keys the
 *   binding is known to lose (`"0"`, `"42"`, `"__proto__"`) are read singly
 *   when the bulk answer has no value for them;
 * - `list` is `{ keys, list_complete, cursor?, cacheStatus: null }`, and
 *   takes limits of 1 to 9, which the REST API refuses (kvkit then makes
 *   its own cursor, `kvkit1.…`, that points inside a server page);
 * - a failure answer `{ success: false, errors: [{ code, message }] }`
 *   becomes a `KvError` with the binding's `KV <OP> failed: <status> <text>`,
 *   whose `cause` is the answer (a `Response`, its body unread);
 * - stream values are read before the request, and binary values are
 *   copied when `put` is called.
 *
 * Requests are retried on 429 and 5xx (not 501) and on network failures,
 * honouring `Retry-After`, up to 4 times within 30 s by default: every
 * request the adapter sends is idempotent (see `retry`).
 *
 * Differences that remain: `getWithMetadata` of one key is two requests,
 * so a write between them can pair a value with the metadata of another
 * version; `cacheTtl` is checked, then not sent; Cloudflare's REST reads
 * are eventually consistent across locations, as the binding's are.
 *
 * @example Read and write a production namespace
 * ```ts ignore
 * import { createCloudflareApiKv } from "@kvkit/kvkit/cloudflare-api";
 *
 * await using kv = createCloudflareApiKv({
 *   accountId: "023e105f4ecef8ad9ca31a8372d0c353",
 *   namespaceId: "0f2ac74b498b48028cb68387c421e279",
 *   apiToken: Deno.env.get("CLOUDFLARE_API_TOKEN")!,
 * });
 * await kv.put("greeting", "hello", { expirationTtl: 3600, metadata: { lang: "en" } });
 * console.log(await kv.getWithMetadata("greeting"));
 * ```
 *
 * @module
 */

import { Lifecycle, operationOf } from "../_lifecycle.ts";
import type { KvNamespaceHandle, KvPutOptions, KvPutValue } from "../types.ts";
import { ApiClient, type FetchLike } from "./_cloudflare_api_client.ts";
import { ApiNamespace } from "./_cloudflare_api_namespace.ts";
import { DEFAULT_RETRY, type RetryPolicy } from "./_cloudflare_api_retry.ts";

export type { FetchLike } from "./_cloudflare_api_client.ts";

/** How {@linkcode createCloudflareApiKv} retries; `false` turns retries off. */
export interface CloudflareApiRetryOptions {
  /** Retries after the first attempt, at most. Defaults to 4. */
  retries?: number;
  /**
   * The longest a call may take with all its attempts and waits, in ms.
   * A wait that would end later is not started. Defaults to 30 000.
   */
  totalMs?: number;
}

/** Options for {@linkcode createCloudflareApiKv}. */
export interface CloudflareApiKvOptions {
  /**
   * The Cloudflare account id. Required unless `baseUrl` is given, which
   * then names the account (or stands in for it).
   */
  accountId?: string;
  /** The KV namespace id. */
  namespaceId: string;
  /**
   * An API token with the "Workers KV Storage" permission (Read, or
   * Write for writes), sent as `Authorization: Bearer …` and nowhere else.
   */
  apiToken: string;
  /**
   * The account's API URL, replacing
   * `https://api.cloudflare.com/client/v4/accounts/{accountId}`; requests go
   * to `{baseUrl}/storage/kv/namespaces/{namespaceId}/…`. For a proxy, or
   * for Miniflare's local explorer (`<miniflare url>/cdn-cgi/explorer/api`).
   */
  baseUrl?: string | URL;
  /** The `fetch` to send requests with. Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /**
   * Retries of requests that failed with 429, a 5xx other than 501, or a
   * network error, waiting as `Retry-After` says, else backing off
   * exponentially from 250 ms (with jitter, at most 8 s a step). Every
   * request the adapter sends is idempotent, so every one is retried.
   * `false` sends each request once.
   */
  retry?: CloudflareApiRetryOptions | false;
  /**
   * The clock for the checks made before sending (an `expiration` must be
   * at least 60 s ahead), epoch ms. Cloudflare checks again on its clock.
   * Defaults to `Date.now`.
   */
  now?: () => number;
}

/** One entry of {@linkcode CloudflareApiKv.bulkPut}: a `put`'s arguments. */
export interface CloudflareBulkEntry extends KvPutOptions {
  /** The key. */
  key: string;
  /** The value, as `put` takes it. */
  value: KvPutValue;
}

/** A Workers KV namespace on Cloudflare's REST API. */
export interface CloudflareApiKv extends KvNamespaceHandle {
  /**
   * Writes many entries with the bulk write endpoint (`PUT bulk`), at
   * most 10,000 keys and 100 MB per request. Every entry is checked as
   * its `put` would be before anything is sent; a failure can leave the
   * batches sent before it written.
   */
  bulkPut(entries: Iterable<CloudflareBulkEntry>): Promise<void>;
  /**
   * Deletes many keys with the bulk delete endpoint (`POST bulk/delete`),
   * at most 10,000 per request. Missing keys are fine.
   */
  bulkDelete(keys: Iterable<string>): Promise<void>;
}

const DEFAULT_API = "https://api.cloudflare.com/client/v4/accounts/";
const NAME = "createCloudflareApiKv()";

function requireString(value: unknown, name: string): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${NAME}: ${name} must be a non-empty string, got ${typeof value}`);
  }
  return value;
}

function retryPolicy(retry: unknown): RetryPolicy | undefined {
  if (retry === false) return undefined;
  if (retry === undefined) return DEFAULT_RETRY;
  if (typeof retry !== "object" || retry === null) {
    throw new TypeError(`${NAME}: retry must be an object or false, got ${typeof retry}`);
  }
  const { retries = DEFAULT_RETRY.retries, totalMs = DEFAULT_RETRY.totalMs } =
    retry as CloudflareApiRetryOptions;
  if (!Number.isSafeInteger(retries) || retries < 0) {
    throw new TypeError(`${NAME}: retry.retries must be an integer >= 0, got ${retries}`);
  }
  if (typeof totalMs !== "number" || !(totalMs >= 0)) {
    throw new TypeError(`${NAME}: retry.totalMs must be a number >= 0, got ${totalMs}`);
  }
  return { ...DEFAULT_RETRY, retries, totalMs };
}

/** The account's API URL, without a trailing slash. */
function accountUrl(baseUrl: unknown, accountId: unknown): string {
  if (baseUrl === undefined) {
    return DEFAULT_API + encodeURIComponent(requireString(accountId, "accountId"));
  }
  if (accountId !== undefined) requireString(accountId, "accountId");
  let url: URL;
  try {
    url = new URL(baseUrl instanceof URL ? baseUrl.href : requireString(baseUrl, "baseUrl"));
  } catch (error) {
    if (error instanceof TypeError && error.message.startsWith(NAME)) throw error;
    throw new TypeError(`${NAME}: baseUrl must be an absolute URL, got ${String(baseUrl)}`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new TypeError(`${NAME}: baseUrl must be an http or https URL, got ${url.protocol}`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new TypeError(`${NAME}: baseUrl must not have a query or fragment`);
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Opens no connection and holds no resource: returns a namespace whose
 * every call is a request to Cloudflare's REST API (see the module docs
 * for the mapping). Options are checked now, each failure a `TypeError`
 * naming the option; the token never appears in an error.
 *
 * @param options The account, the namespace, the token, and optionally a
 * base URL, a `fetch`, the retry policy and the clock.
 * @returns The namespace, with `bulkPut` and `bulkDelete` beside Workers'
 * methods. `close()` (the same function as `[Symbol.asyncDispose]`) makes
 * every later call reject with `KvError` 500 `Namespace is closed.`;
 * requests already sent finish.
 *
 * @example Against Miniflare's local explorer, which serves the same endpoints
 * ```ts
 * import { Miniflare } from "miniflare";
 * import { createCloudflareApiKv } from "@kvkit/kvkit/cloudflare-api";
 *
 * const mf = new Miniflare({
 *   modules: true,
 *   script: "export default { fetch: () => new Response(null) }",
 *   kvNamespaces: { KV: "my-namespace" },
 *   unsafeLocalExplorer: true,
 * });
 * try {
 *   await using kv = createCloudflareApiKv({
 *     baseUrl: new URL("/cdn-cgi/explorer/api", await mf.ready),
 *     namespaceId: "my-namespace",
 *     apiToken: "local",
 *   });
 *   await kv.put("a/b?c", "slashes and all");
 *   await kv.put("1", "one");
 *   if (await kv.get("a/b?c") !== "slashes and all") throw new Error("lost the value");
 *   const both = await kv.get(["1", "a/b?c", "missing"]);
 *   console.log(both); // Map { "1" => "one", "a/b?c" => "slashes and all", "missing" => null }
 *   const page = await kv.list({ limit: 1 });
 *   if (page.list_complete || page.keys[0].name !== "1") throw new Error("wrong page");
 * } finally {
 *   await mf.dispose();
 * }
 * ```
 */
export function createCloudflareApiKv(options: CloudflareApiKvOptions): CloudflareApiKv {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${NAME} expects { accountId, namespaceId, apiToken }, got ${options}`);
  }
  const { accountId, namespaceId, apiToken, baseUrl, fetch, retry, now = Date.now } = options;
  const account = accountUrl(baseUrl, accountId);
  const namespace = requireString(namespaceId, "namespaceId");
  if (typeof apiToken !== "string" || !/^[\x21-\x7e]+$/.test(apiToken)) {
    // Never echo the token, not even a wrong one.
    throw new TypeError(`${NAME}: apiToken must be a non-empty string of printable ASCII`);
  }
  if (fetch !== undefined && typeof fetch !== "function") {
    throw new TypeError(`${NAME}: fetch must be a function, got ${typeof fetch}`);
  }
  if (typeof now !== "function") {
    throw new TypeError(`${NAME}: now must be a function, got ${typeof now}`);
  }
  const client = new ApiClient(
    `${account}/storage/kv/namespaces/${encodeURIComponent(namespace)}/`,
    apiToken,
    fetch ?? ((input, init) => globalThis.fetch(input, init)),
    retryPolicy(retry),
  );
  const api = new ApiNamespace(client, now);
  const lifecycle = new Lifecycle();
  const handle: Record<string, unknown> = {};
  for (const method of ["get", "getWithMetadata", "put", "delete", "list"] as const) {
    // Rest parameters keep the caller's arity: put(key) fails in Workers,
    // while put(key, undefined) stores "undefined".
    handle[method] = lifecycle.guard(
      (args: unknown[]) => operationOf(method, args),
      (...args: unknown[]) => api[method](args),
    );
  }
  handle.bulkPut = lifecycle.guard("PUT", (entries: unknown) => api.bulkPut(entries));
  handle.bulkDelete = lifecycle.guard("DELETE", (keys: unknown) => api.bulkDelete(keys));
  return lifecycle.attach(handle) as unknown as CloudflareApiKv;
}
