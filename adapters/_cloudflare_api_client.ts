// HTTP for the Cloudflare REST adapter: one namespace's URLs, the bearer
// token, retries, and the mapping of REST failures to Workers' errors.
// Private: used by _cloudflare_api_namespace.ts.
//
// The token lives in a private field and goes only into the
// Authorization header: no error, message or property carries it.

import { KvError, type KvOperation, parseKvFailure } from "../errors.ts";
import {
  nextDelay,
  parseRetryAfter,
  retryableStatus,
  type RetryPolicy,
} from "./_cloudflare_api_retry.ts";

/** The `fetch` the adapter calls: the global one unless given another. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** One REST request, relative to the namespace's URL. */
export interface ApiRequest {
  /** The operation Workers names in its errors. */
  op: KvOperation;
  /** The HTTP method. */
  method: "GET" | "PUT" | "POST" | "DELETE";
  /** The path below `…/storage/kv/namespaces/{namespace_id}/`, already encoded. */
  path: string;
  /** Query parameters, in order; values are encoded here. */
  query?: [string, string][];
  /** The body: bytes, JSON text or a multipart form. */
  body?: Uint8Array | string | FormData;
  /** The body's content type (a form sets its own). */
  contentType?: string;
  /** A 404 "key not found" answer resolves `null` instead of failing. */
  missingOk?: boolean;
}

/** The parts of a REST JSON answer the adapter reads. */
export interface ApiEnvelope {
  /** The payload. */
  result?: unknown;
  /** Paging information of a list. */
  result_info?: { cursor?: unknown; list_complete?: unknown };
}

/** Cloudflare's error code for a key that does not exist. */
const KEY_NOT_FOUND = 10009;

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Payload Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * A key as one URL path segment: every reserved character and `%`
 * percent-encoded, so `/`, `?` and `#` stay inside the key. The keys `.`
 * and `..`, which a URL parser would take as dot-segments, never get
 * here: Workers refuses them before any request.
 */
export function keySegment(key: string): string {
  return encodeURIComponent(key);
}

/** A failed answer, read. */
interface Failure {
  /** The status Workers would report. */
  status: number;
  /** The text after the status. */
  text: string;
  /** A 404 whose errors say the key does not exist. */
  missing: boolean;
}

/** Reads a non-2xx answer's `{ success: false, errors: [{ code, message }] }`. */
async function readFailure(response: Response): Promise<Failure> {
  let errors: { code?: unknown; message?: unknown }[] = [];
  try {
    const body = JSON.parse(await response.text()) as { errors?: unknown };
    if (Array.isArray(body?.errors)) errors = body.errors;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status speaks.
  }
  const messages = errors
    .map((error) => typeof error?.message === "string" ? error.message : "")
    .filter((message) => message !== "");
  const missing = response.status === 404 &&
    errors.some((error) => error?.code === KEY_NOT_FOUND);
  // Miniflare's local explorer reports a binding failure as a 500 whose
  // message is the binding's own error text, status included.
  const embedded = messages.length === 1 ? parseKvFailure(messages[0]) : undefined;
  if (embedded !== undefined) return { status: embedded.status, text: embedded.text, missing };
  const text = messages.length > 0
    ? messages.join("; ")
    : response.statusText || REASONS[response.status] || "Error";
  return { status: response.status, text, missing };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Sends one namespace's requests. */
export class ApiClient {
  readonly #base: string;
  readonly #authorization: string;
  readonly #fetch: FetchLike;
  readonly #retry: RetryPolicy | undefined;

  /**
   * @param base The namespace's URL, ending in `/`.
   * @param token The API token.
   * @param fetch The fetch to call.
   * @param retry The retry policy, `undefined` for a single attempt.
   */
  constructor(base: string, token: string, fetch: FetchLike, retry: RetryPolicy | undefined) {
    this.#base = base;
    this.#authorization = `Bearer ${token}`;
    this.#fetch = fetch;
    this.#retry = retry;
  }

  /** The absolute URL of a request. */
  url(request: Pick<ApiRequest, "path" | "query">): string {
    const query = (request.query ?? [])
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join("&");
    return this.#base + request.path + (query === "" ? "" : `?${query}`);
  }

  /**
   * Sends a request, retrying by the policy, and returns the 2xx answer
   * (its body unread), or `null` for a missing key when `missingOk`.
   * Every failure is a {@linkcode KvError} with Workers' message form;
   * its `cause` is the last answer (unread) or the network error.
   */
  async send(request: ApiRequest): Promise<Response | null> {
    const url = this.url(request);
    const headers: Record<string, string> = { authorization: this.#authorization };
    if (request.contentType !== undefined) headers["content-type"] = request.contentType;
    const init: RequestInit = { method: request.method, headers, body: request.body as BodyInit };
    const start = Date.now();
    for (let attempt = 0;; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(url, init);
      } catch (error) {
        // fetch rejects with a TypeError when the network fails.
        const failure = new KvError(request.op, 500, "Internal Server Error", { cause: error });
        if (!(error instanceof TypeError)) throw failure;
        await this.#wait(attempt, start, undefined, failure);
        continue;
      }
      if (response.ok) return response;
      const cause = response.clone();
      const failure = await readFailure(response);
      if (failure.missing && request.missingOk === true) {
        await cause.body?.cancel();
        return null;
      }
      const error = new KvError(request.op, failure.status, failure.text, { cause });
      if (!retryableStatus(failure.status)) throw error;
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"), Date.now());
      await this.#wait(attempt, start, retryAfter, error);
    }
  }

  /** Sends a request and reads its JSON envelope (`null` for a missing key). */
  async json(request: ApiRequest): Promise<ApiEnvelope | null> {
    const response = await this.send(request);
    if (response === null) return null;
    const text = await response.text();
    try {
      const body = JSON.parse(text) as ApiEnvelope;
      if (typeof body === "object" && body !== null) return body;
    } catch {
      // Reported below.
    }
    throw new KvError(request.op, 500, "Internal Server Error", {
      cause: new SyntaxError(`not a JSON envelope: ${text.slice(0, 200)}`),
    });
  }

  /** Sends a request whose answer carries nothing the caller needs. */
  async discard(request: ApiRequest): Promise<void> {
    const response = await this.send(request);
    await response?.body?.cancel();
  }

  /** Waits before the next attempt, or throws `error` when the policy says stop. */
  async #wait(
    attempt: number,
    start: number,
    retryAfter: number | undefined,
    error: KvError,
  ): Promise<void> {
    const delay = this.#retry === undefined
      ? undefined
      : nextDelay(this.#retry, attempt, Date.now() - start, retryAfter);
    if (delay === undefined) throw error;
    // A late error answer must not leave its body unread.
    if (error.cause instanceof Response) await error.cause.body?.cancel();
    await sleep(delay);
  }
}
