// The Worker that openMiniflareKv runs inside Miniflare: it calls the real
// KV binding (env.KV) and answers in the frame format of
// _miniflare_rpc.ts. Private: not exported from the package.
//
// It is plain JavaScript in a string, so that Miniflare can run it without
// a build step, under Deno and Node alike. A frame is a 4-byte
// little-endian length, that many bytes of JSON, then raw bytes (a put's
// value, or a read's bytes). JSON carries every string exactly, lone
// surrogates included (JSON.stringify escapes them), and keeps `__proto__`
// keys, which the proxy's devalue encoding does not.
//
// The Worker takes arguments already converted by the caller (strings,
// int32 numbers, metadata as JSON text), so workerd's own conversion finds
// nothing to convert, and every check after it (key names, limits,
// expirations, the backend's answers) is workerd's.

/** The RPC Worker's source, an ES module. */
export const RPC_WORKER_SCRIPT = String.raw`
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function frame(message, bytes) {
  const json = encoder.encode(JSON.stringify(message));
  const size = bytes === undefined ? 0 : bytes.byteLength;
  const out = new Uint8Array(4 + json.byteLength + size);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  if (bytes !== undefined) out.set(bytes, 4 + json.byteLength);
  return out;
}

function unframe(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const message = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, length)));
  return [message, new Uint8Array(buffer, 4 + length)];
}

// What a single read asks workerd for: JSON is parsed by the caller (so
// that -0 survives), and a stream travels as its bytes.
function fetchedType(type) {
  return type === "json" ? "text" : type === "stream" ? "arrayBuffer" : type;
}

function readOptions(options) {
  const out = { type: options.type };
  if (options.cacheTtl !== undefined) out.cacheTtl = options.cacheTtl;
  return out;
}

function value(read) {
  if (read === null) return [{ hit: false }];
  if (typeof read === "string") return [{ hit: true, text: read }];
  return [{ hit: true }, new Uint8Array(read)];
}

async function run(kv, call, bytes) {
  switch (call.op) {
    case "get": {
      const options = readOptions(call.options);
      options.type = fetchedType(options.type);
      return value(await kv.get(call.key, options));
    }
    case "getWithMetadata": {
      const options = readOptions(call.options);
      options.type = fetchedType(options.type);
      const result = await kv.getWithMetadata(call.key, options);
      const [message, data] = value(result.value);
      message.metadata = result.metadata;
      message.cacheStatus = result.cacheStatus;
      return [message, data];
    }
    case "getBulk":
    case "getWithMetadataBulk": {
      const method = call.op === "getBulk" ? "get" : "getWithMetadata";
      const map = await kv[method](call.keys, readOptions(call.options));
      return [{ entries: [...map] }];
    }
    case "put": {
      const options = {};
      if (call.expiration !== undefined) options.expiration = call.expiration;
      if (call.expirationTtl !== undefined) options.expirationTtl = call.expirationTtl;
      if (call.metadata !== undefined) {
        // "" is metadata that serializes to nothing (a function, a
        // symbol), which workerd sends as it is; anything else
        // serializes back to exactly the caller's JSON text.
        const text = call.metadata;
        options.metadata = text === "" ? () => {} : { toJSON: () => JSON.parse(text) };
      }
      await kv.put(call.key, call.text !== undefined ? call.text : bytes, options);
      return [{}];
    }
    case "delete":
      await kv.delete(call.key);
      return [{}];
    case "list":
      return [{ result: await kv.list(call.options) }];
  }
  throw new Error("kvkit RPC: unknown operation " + call.op);
}

export default {
  async fetch(request, env) {
    let answer;
    try {
      const [call, bytes] = unframe(await request.arrayBuffer());
      answer = await run(env.KV, call, bytes);
    } catch (error) {
      const name = error instanceof Error ? error.name : typeof error;
      const message = error instanceof Error ? error.message : String(error);
      answer = [{ error: { name, message } }];
    }
    return new Response(frame(answer[0], answer[1]));
  },
};
`;
