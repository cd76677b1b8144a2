// Cloudflare's Workers KV REST endpoints as Cloudflare documents them,
// served over kvkit namespaces: the reference for what the Cloudflare
// REST adapter sends where Miniflare's local explorer has no endpoint.
// Private: used by the cloudflare-api target and the adapter's tests.
//
// It checks every request against the published API reference
// (developers.cloudflare.com/api/resources/kv/subresources/namespaces/,
// the cloudflare/api-schemas OpenAPI, as of 2026) and refuses anything
// else with a 400 "undocumented request: …", so a test fails when the
// adapter strays from the documented shape:
// - `Authorization: Bearer <token>`, or 401 (code 10000);
// - `GET|PUT|DELETE …/values/{key_name}` (key percent-encoded as one
//   segment), `GET …/metadata/{key_name}`, `GET …/keys`, `POST …/bulk/get`,
//   `PUT …/bulk`, `POST …/bulk/delete` and the older `DELETE …/bulk`;
// - query parameters: `expiration` and `expiration_ttl` (integers) on a
//   write, `limit` (10 to 1000), `prefix` and `cursor` on a list, none
//   elsewhere;
// - bodies: a write is `application/octet-stream` bytes, or
//   `multipart/form-data` with `value` (required) and `metadata` (JSON);
//   bulk/get is `{ keys: string[] ≤ 100, type?: "text"|"json",
//   withMetadata?: boolean }`; a bulk write is an array of at most 10,000
//   `{ key, value: string, base64?, expiration?, expiration_ttl?,
//   metadata? }` and at most 100 MB; a bulk delete an array of at most
//   10,000 key names; all `application/json`.
// Answers are the documented envelope `{ success, errors, messages,
// result }` (`result_info: { count, cursor }` on a list, `cursor` "" on
// the last page); a value read answers the raw bytes; a missing key is
// 404 with code 10009, an unknown namespace 404 with code 10013. A
// namespace's own error (a kvkit KvError) answers with its status and the
// text after it, as Cloudflare does for the binding's backend errors.

import { KvError } from "../errors.ts";
import type { KvNamespace } from "../types.ts";

/** One request, read and checked. */
export interface ApiCall {
  /** The method. */
  method: string;
  /** The route: `values`, `metadata`, `keys`, `bulk/get`, `bulk` or `bulk/delete`. */
  route: string;
  /** The namespace id. */
  namespaceId: string;
  /** The decoded key, for `values` and `metadata`. */
  key?: string;
  /** The path as sent, below the base path (still percent-encoded). */
  path: string;
  /** The query parameters, in order. */
  query: [string, string][];
  /** The content type, if any. */
  contentType: string | null;
  /** A write's value bytes. */
  value?: Uint8Array;
  /** A write's metadata JSON text, when the form had a `metadata` field. */
  metadata?: string;
  /** Whether a write came as multipart/form-data. */
  multipart?: boolean;
  /** A JSON body, parsed. */
  json?: unknown;
}

/** Options of {@linkcode createDocumentedKvApi}. */
export interface DocumentedKvApiOptions {
  /** The account's API path, e.g. `/client/v4/accounts/<id>` or `/cdn-cgi/explorer/api`. */
  basePath: string;
  /** The API token requests must carry. */
  token: string;
  /** The namespace behind an id, `undefined` for an unknown id. */
  namespace(id: string): KvNamespace | undefined | Promise<KvNamespace | undefined>;
  /** Sees every checked request first (tests record them). */
  observe?(call: ApiCall): void;
}

/**
 * Serves a checked request elsewhere: a promise of the answer, or
 * `undefined` to serve it here.
 */
export type Forward = (call: ApiCall) => Promise<Response> | undefined;

/** A refused request. */
class Refusal extends Error {
  readonly status: number;
  readonly code: number;

  constructor(status: number, code: number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const undocumented = (what: string) => new Refusal(400, 10001, `undocumented request: ${what}`);

function envelope(result: unknown, extra: Record<string, unknown> = {}): Response {
  return Response.json({ success: true, errors: [], messages: [], result, ...extra });
}

function failure(status: number, code: number, message: string): Response {
  return Response.json(
    { success: false, errors: [{ code, message }], messages: [], result: null },
    { status },
  );
}

/** The answer for a namespace's error: its status, and its text after the status. */
function fromError(error: unknown): Response {
  if (error instanceof Refusal) return failure(error.status, error.code, error.message);
  if (error instanceof KvError) {
    const text = error.message.replace(/^KV \w+ failed: \d+ /, "");
    return failure(error.status, 10001, text);
  }
  if (error instanceof TypeError || error instanceof SyntaxError) {
    return failure(400, 10001, error.message);
  }
  return failure(500, 10000, error instanceof Error ? error.message : String(error));
}

const ROUTES: Record<string, string[]> = {
  values: ["GET", "PUT", "DELETE"],
  metadata: ["GET"],
  keys: ["GET"],
  "bulk/get": ["POST"],
  bulk: ["PUT", "DELETE"],
  "bulk/delete": ["POST"],
};

/** The query parameters a route may carry, each with a check of its value. */
function checkQuery(call: ApiCall): void {
  const allowed: Record<string, (value: string) => boolean> = {};
  const integer = (value: string) => /^-?\d+$/.test(value);
  if (call.route === "values" && call.method === "PUT") {
    allowed.expiration = integer;
    allowed.expiration_ttl = integer;
  }
  if (call.route === "keys") {
    allowed.limit = (value) => integer(value) && Number(value) >= 10 && Number(value) <= 1000;
    allowed.prefix = () => true;
    allowed.cursor = () => true;
  }
  const seen = new Set<string>();
  for (const [name, value] of call.query) {
    if (!Object.hasOwn(allowed, name)) throw undocumented(`query parameter ${name}`);
    if (seen.has(name)) throw undocumented(`query parameter ${name} twice`);
    seen.add(name);
    if (!allowed[name](value)) throw undocumented(`${name}=${value}`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyKeys(value: Record<string, unknown>, keys: string[], what: string): void {
  for (const name of Object.keys(value)) {
    if (!keys.includes(name)) throw undocumented(`${what} has a property ${name}`);
  }
}

/** Checks a JSON body's shape as documented for its route. */
function checkJson(call: ApiCall, bytes: number): void {
  const body = call.json;
  if (call.route === "bulk/get") {
    if (!isPlainObject(body)) throw undocumented("bulk/get body is not an object");
    onlyKeys(body, ["keys", "type", "withMetadata"], "bulk/get body");
    const { keys, type, withMetadata } = body;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === "string")) {
      throw undocumented("bulk/get keys is not an array of strings");
    }
    if (keys.length > 100) throw undocumented("bulk/get asks for more than 100 keys");
    if (type !== undefined && type !== "text" && type !== "json") {
      throw undocumented(`bulk/get type ${type}`);
    }
    if (withMetadata !== undefined && typeof withMetadata !== "boolean") {
      throw undocumented("bulk/get withMetadata is not a boolean");
    }
    return;
  }
  if (!Array.isArray(body)) throw undocumented(`${call.route} body is not an array`);
  if (body.length > 10_000) throw undocumented(`${call.route} body has over 10,000 entries`);
  if (call.route !== "bulk" || call.method !== "PUT") {
    if (!body.every((key) => typeof key === "string")) {
      throw undocumented("bulk delete body is not an array of key names");
    }
    return;
  }
  if (bytes > 100_000_000) throw new Refusal(413, 10001, "request over 100 megabytes");
  for (const entry of body) {
    if (!isPlainObject(entry)) throw undocumented("a bulk write entry is not an object");
    onlyKeys(
      entry,
      ["key", "value", "base64", "expiration", "expiration_ttl", "metadata"],
      "a bulk write entry",
    );
    const { key, value, base64, expiration, expiration_ttl } = entry;
    if (typeof key !== "string" || typeof value !== "string") {
      throw undocumented("a bulk write entry needs a string key and a string value");
    }
    if (base64 !== undefined && typeof base64 !== "boolean") {
      throw undocumented("a bulk write entry's base64 is not a boolean");
    }
    for (const number of [expiration, expiration_ttl]) {
      if (number !== undefined && typeof number !== "number") {
        throw undocumented("a bulk write entry's expiration is not a number");
      }
    }
  }
}

/** Reads and checks a request, or throws a {@linkcode Refusal}. */
async function readCall(
  request: Request,
  basePath: string,
  token: string,
): Promise<ApiCall> {
  if (request.headers.get("authorization") !== `Bearer ${token}`) {
    throw new Refusal(401, 10000, "Authentication error");
  }
  const url = new URL(request.url);
  const prefix = `${basePath}/storage/kv/namespaces/`;
  if (!url.pathname.startsWith(prefix)) throw undocumented(`path ${url.pathname}`);
  const path = url.pathname.slice(basePath.length);
  const rest = url.pathname.slice(prefix.length);
  const match = /^([^/]+)\/(?:(values|metadata)\/([^/]+)|(keys|bulk|bulk\/get|bulk\/delete))$/
    .exec(rest);
  if (match === null) throw undocumented(`path ${url.pathname}`);
  const route = match[2] ?? match[4];
  if (!ROUTES[route].includes(request.method)) {
    throw new Refusal(405, 10001, `undocumented request: ${request.method} ${route}`);
  }
  const call: ApiCall = {
    method: request.method,
    route,
    namespaceId: decodeURIComponent(match[1]),
    path,
    query: [...url.searchParams],
    contentType: request.headers.get("content-type"),
  };
  if (match[3] !== undefined) {
    try {
      call.key = decodeURIComponent(match[3]);
    } catch {
      throw new Refusal(400, 10001, "Could not URL-decode key name");
    }
  }
  checkQuery(call);
  const type = call.contentType ?? "";
  if (route === "values" && request.method === "PUT") {
    if (type.startsWith("multipart/form-data")) {
      const form = await request.formData();
      for (const name of form.keys()) {
        if (name !== "value" && name !== "metadata") throw undocumented(`form field ${name}`);
      }
      const value = form.get("value");
      if (value === null) throw undocumented("a form without a value");
      call.value = typeof value === "string"
        ? new TextEncoder().encode(value)
        : new Uint8Array(await value.arrayBuffer());
      const metadata = form.get("metadata");
      if (metadata !== null) {
        call.metadata = typeof metadata === "string" ? metadata : await metadata.text();
        try {
          JSON.parse(call.metadata);
        } catch {
          throw undocumented("metadata that is not JSON");
        }
      }
      call.multipart = true;
    } else if (type === "application/octet-stream") {
      call.value = new Uint8Array(await request.arrayBuffer());
      call.multipart = false;
    } else throw undocumented(`a write of content type ${type || "(none)"}`);
    return call;
  }
  if (route === "bulk" || route === "bulk/get" || route === "bulk/delete") {
    if (type !== "application/json") throw undocumented(`${route} of content type ${type}`);
    const text = await request.text();
    try {
      call.json = JSON.parse(text);
    } catch {
      throw undocumented(`${route} body that is not JSON`);
    }
    checkJson(call, new TextEncoder().encode(text).byteLength);
    return call;
  }
  if ((await request.arrayBuffer()).byteLength > 0) {
    throw undocumented(`a body on ${request.method} ${route}`);
  }
  return call;
}

function fromBase64(text: string): Uint8Array {
  // A plain loop: Uint8Array.from with a map function takes seconds for a
  // 25 MiB value.
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Serves one checked request on a namespace. */
async function serve(kv: KvNamespace, call: ApiCall): Promise<Response> {
  const key = call.key!;
  const query = Object.fromEntries(call.query);
  switch (`${call.method} ${call.route}`) {
    case "GET values": {
      const value = await kv.get(key, "arrayBuffer");
      if (value === null) return failure(404, 10009, "get: 'key not found'");
      return new Response(value, { headers: { "content-type": "application/octet-stream" } });
    }
    case "GET metadata": {
      const { value, metadata } = await kv.getWithMetadata(key, "arrayBuffer");
      if (value === null) return failure(404, 10009, "metadata: 'key not found'");
      return envelope(metadata);
    }
    case "PUT values": {
      const options: Record<string, unknown> = {};
      if (query.expiration !== undefined) options.expiration = Number(query.expiration);
      if (query.expiration_ttl !== undefined) options.expirationTtl = Number(query.expiration_ttl);
      if (call.metadata !== undefined) {
        const parsed = JSON.parse(call.metadata);
        // A namespace stores put metadata null as none, but a form that
        // carries JSON null stores JSON null; NaN serializes to it.
        options.metadata = parsed === null ? NaN : parsed;
      }
      await kv.put(key, call.value!, options);
      return envelope({});
    }
    case "DELETE values":
      await kv.delete(key);
      return envelope({});
    case "GET keys": {
      const page = await kv.list({
        limit: query.limit === undefined ? undefined : Number(query.limit),
        prefix: query.prefix,
        cursor: query.cursor,
      });
      const cursor = page.list_complete ? "" : page.cursor;
      return envelope(page.keys, { result_info: { count: page.keys.length, cursor } });
    }
    case "POST bulk/get": {
      const { keys, type = "text", withMetadata } = call.json as {
        keys: string[];
        type?: "text" | "json";
        withMetadata?: boolean;
      };
      const map: Map<string, unknown> = withMetadata === true
        ? await kv.getWithMetadata(keys, { type: type as "text" })
        : await kv.get(keys, { type: type as "text" });
      // fromEntries defines own properties, so "__proto__" is a key too.
      return envelope({ values: Object.fromEntries(map) });
    }
    case "PUT bulk": {
      const entries = call.json as {
        key: string;
        value: string;
        base64?: boolean;
        expiration?: number;
        expiration_ttl?: number;
        metadata?: unknown;
      }[];
      for (const entry of entries) {
        await kv.put(entry.key, entry.base64 === true ? fromBase64(entry.value) : entry.value, {
          expiration: entry.expiration,
          expirationTtl: entry.expiration_ttl,
          // As in a form: metadata given as JSON null is stored as JSON null.
          metadata: entry.metadata === null ? NaN : entry.metadata,
        });
      }
      return envelope({ successful_key_count: entries.length, unsuccessful_keys: [] });
    }
    default: {
      // POST bulk/delete, and the older DELETE bulk.
      const keys = call.json as string[];
      for (const name of keys) await kv.delete(name);
      return envelope({ successful_key_count: keys.length, unsuccessful_keys: [] });
    }
  }
}

/**
 * A request handler for the documented endpoints: checks each request
 * (see the file's header), then hands it to `forward` or serves it on the
 * namespace its path names.
 */
export function createDocumentedKvApi(
  options: DocumentedKvApiOptions,
): (request: Request, forward?: Forward) => Promise<Response> {
  const basePath = options.basePath.replace(/\/+$/, "");
  return async (request, forward) => {
    let call: ApiCall;
    try {
      call = await readCall(request, basePath, options.token);
    } catch (error) {
      return fromError(error);
    }
    options.observe?.(call);
    // A forwarded request's failure (a network error) is the caller's.
    const elsewhere = forward?.(call);
    if (elsewhere !== undefined) return await elsewhere;
    try {
      const kv = await options.namespace(call.namespaceId);
      if (kv === undefined) return failure(404, 10013, "namespace not found");
      return await serve(kv, call);
    } catch (error) {
      return fromError(error);
    }
  };
}
