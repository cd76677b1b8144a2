// The Lua scripts behind every write of the Redis adapter, and the
// multi-key read. A script runs atomically on the server, so no reader,
// writer or crash ever sees a key listed without its record or a record
// without its member. Private; the layout they keep is in redis.ts and
// _redis_layout.ts.
//
// Each script declares the namespace's index and expiry queue as KEYS[1]
// and KEYS[2], then the records it names; the records it reclaims it finds
// through the queue, under the same prefix and hash tag, so every key a
// script touches is in one hash slot. Reads inside come first, so that an
// error (a key of the wrong type) aborts a script before it writes. The
// scripts carry no shebang, so they run on Redis 6.2 as on 7; out of
// memory, Redis refuses such a script's first write that may grow memory
// (ZADD, HSET) if it has not written yet, and lets every later one run, so
// a put's first write is one of those.

/** A script: its source, and its SHA-1 once computed, for EVALSHA. */
export interface RedisScript {
  /** A name for error messages. */
  readonly name: string;
  /** The Lua source. */
  readonly source: string;
  /** The SHA-1 of the source, in lowercase hex: a promise until known. */
  sha(): string | Promise<string>;
}

function script(name: string, source: string): RedisScript {
  let sha: string | Promise<string> | undefined;
  return {
    name,
    source,
    sha: () =>
      sha ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(source)).then((digest) =>
        sha = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
      ),
  };
}

// Written without local functions: a script's body runs as a fresh
// function on every call, so each helper would be a new closure each time.
// The bounds of one key's members: its escaped name (a member up to its
// first NUL), bare or followed by NUL, so [name, name U+0001).

/**
 * Reclaims up to ARGV[2] keys whose members the expiry queue scores at or
 * below the clock's second, ARGV[1]: their members and their records.
 */
const RECLAIM = `
local dead = redis.call('ZRANGEBYSCORE', expiry, '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #dead > 0 then
  local records = string.sub(index, 1, -2) .. 'r:'
  local unescape = { ['\\1'] = '\\0', ['\\2'] = '\\1' }
  for j = 1, #dead do
    local name = string.gsub(string.match(dead[j], '^[^%z]*'), '\\1(.)', unescape)
    redis.call('ZREM', index, dead[j])
    redis.call('ZREM', expiry, dead[j])
    redis.call('DEL', records .. name)
  end
end
`;

/**
 * Puts records. KEYS: index, expiry, then one record key per record.
 * ARGV: the clock's second, the reclamation budget, then five per record:
 * member, value, metadata or "", expiration or "", and the record's time
 * to live in ms (used with an expiration).
 *
 * A member already in the index says the key keeps its metadata and
 * expiration, so only the record's fields are written (all of them: Redis
 * may have reclaimed the record). Otherwise the key's other members go,
 * and its record is rebuilt.
 */
export const PUT: RedisScript = script(
  "put",
  `
local index, expiry = KEYS[1], KEYS[2]
for i = 3, #KEYS do
  local a = (i - 3) * 5 + 3
  local member, metadata, expiration = ARGV[a], ARGV[a + 2], ARGV[a + 3]
  local record = KEYS[i]
  if not redis.call('ZSCORE', index, member) then
    local escaped = string.match(member, '^[^%z]*')
    local old = redis.call('ZRANGEBYLEX', index, '[' .. escaped, '(' .. escaped .. '\\1')
    -- The first write grows memory, so that out of memory refuses it (and
    -- the script) before any other write: after one, Redis lets all run.
    redis.call('ZADD', index, 0, member)
    for j = 1, #old do
      redis.call('ZREM', index, old[j])
      redis.call('ZREM', expiry, old[j])
    end
    redis.call('DEL', record)
    if expiration ~= '' then redis.call('ZADD', expiry, expiration, member) end
  end
  if metadata == '' and expiration == '' then
    redis.call('HSET', record, 'v', ARGV[a + 1])
  elseif expiration == '' then
    redis.call('HSET', record, 'v', ARGV[a + 1], 'm', metadata)
  elseif metadata == '' then
    redis.call('HSET', record, 'v', ARGV[a + 1], 'e', expiration)
  else
    redis.call('HSET', record, 'v', ARGV[a + 1], 'm', metadata, 'e', expiration)
  end
  if expiration ~= '' then redis.call('PEXPIRE', record, ARGV[a + 4]) end
end
${RECLAIM}
return #KEYS - 2
`,
);

/**
 * Deletes one key. KEYS: index, expiry, the record. ARGV: the clock's
 * second, the reclamation budget, the escaped name.
 */
export const DELETE: RedisScript = script(
  "delete",
  `
local index, expiry = KEYS[1], KEYS[2]
local old = redis.call('ZRANGEBYLEX', index, '[' .. ARGV[3], '(' .. ARGV[3] .. '\\1')
for j = 1, #old do
  redis.call('ZREM', index, old[j])
  redis.call('ZREM', expiry, old[j])
end
redis.call('DEL', KEYS[3])
${RECLAIM}
return 1
`,
);

/**
 * Deletes those keys that are still expired: whose member is in the
 * expiry queue with a score at or below the clock's second. A key written
 * again since it was read expired has a new member, and survives.
 * KEYS: index, expiry, one record key per key. ARGV: the clock's second,
 * then one escaped name per key. Returns how many were deleted.
 */
export const DELETE_EXPIRED: RedisScript = script(
  "deleteExpired",
  `
local index, expiry = KEYS[1], KEYS[2]
local now, deleted = tonumber(ARGV[1]), 0
for i = 3, #KEYS do
  local escaped = ARGV[i - 1]
  local old = redis.call('ZRANGEBYLEX', index, '[' .. escaped, '(' .. escaped .. '\\1')
  for j = 1, #old do
    local score = redis.call('ZSCORE', expiry, old[j])
    if score and tonumber(score) <= now then
      redis.call('ZREM', index, old[j])
      redis.call('ZREM', expiry, old[j])
      redis.call('DEL', KEYS[i])
      deleted = deleted + 1
    end
  end
end
return deleted
`,
);

/**
 * Reads records in one snapshot. KEYS: index, expiry (unused, for the
 * slot), one record key per key. Returns each record's value, metadata
 * and expiration, each false (nil) when absent.
 */
export const GET_MANY: RedisScript = script(
  "getMany",
  `
local out = {}
for i = 3, #KEYS do
  out[i - 2] = redis.call('HMGET', KEYS[i], 'v', 'm', 'e')
end
return out
`,
);
