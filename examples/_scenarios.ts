// What the examples must do on any namespace: each scenario drives one
// example through its public functions and throws when the app misbehaves.
// examples_test.ts runs them on every registry target under Deno, and
// _browser_page.ts in Chromium, so nothing here may need Node or Deno
// (hence the small assertion helper instead of node:assert).

import type { KvNamespace } from "../mod.ts";
import { cached, invalidate } from "./cache/cache.ts";
import {
  allFlags,
  deleteFlag,
  type FlagValue,
  getFlags,
  listFlags,
  setFlag,
} from "./flags/flags.ts";
import {
  createSession,
  endAllSessions,
  endSession,
  getSession,
  listSessions,
  touch,
} from "./sessions/sessions.ts";

/** One behaviour of one example. */
export interface Scenario {
  /** A stable id, `<example>.<behaviour>`. */
  id: string;
  /** What must hold, as a sentence. */
  name: string;
  /** The scenario moves the namespace's clock, so it needs a fake one. */
  clock: boolean;
  /** Throws unless the example behaves, on a fresh, empty namespace. */
  run(kv: KvNamespace, advance: (ms: number) => void | Promise<void>): Promise<void>;
}

function equal(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message}\n  actual:   ${a}\n  expected: ${e}`);
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const SECOND = 1000;

const sessions: Scenario[] = [
  {
    id: "sessions.ttl",
    name: "a session reads back until its TTL passes, and touch() renews it for a full TTL",
    clock: true,
    async run(kv, advance) {
      const kept = await createSession(kv, "ada", { device: "laptop" }, 600);
      const left = await createSession(kv, "ada", { device: "phone" }, 600);
      equal(
        await getSession(kv, kept),
        { id: kept, user: "ada", info: { device: "laptop" } },
        "a new session reads back with its user and info",
      );
      await advance(300 * SECOND);
      check(await touch(kv, kept), "touch() finds the live session");
      await advance(301 * SECOND);
      equal(await getSession(kv, left), null, "the untouched session expired after 600 s");
      check(!await touch(kv, left), "touch() does not bring back an expired session");
      equal(await getSession(kv, left), null, "nor does a touch() of it write it again");
      equal(
        (await getSession(kv, kept))?.info,
        { device: "laptop" },
        "the touched session lives on, its info intact",
      );
      await advance(298 * SECOND);
      check(await getSession(kv, kept) !== null, "1 s before its renewed expiry, still live");
      await advance(2 * SECOND);
      equal(await getSession(kv, kept), null, "600 s after the touch, the session expired");
      equal(await listSessions(kv, "ada"), [], "expired sessions are not listed");
    },
  },
  {
    id: "sessions.list",
    name: "a user's sessions list by prefix with metadata and expiration, apart from other users'",
    clock: true,
    async run(kv, advance) {
      // "ad" is a string prefix of "ada": the key layout must keep them apart.
      const ada = [
        await createSession(kv, "ada", { device: "laptop" }),
        await createSession(kv, "ada", { device: "phone", trusted: true }),
        await createSession(kv, "ada", {}),
      ];
      const ad = await createSession(kv, "ad", { device: "tablet" });
      const grace = await createSession(kv, "grace/hopper", { device: "desktop" });
      const listed = await listSessions(kv, "ada");
      equal(
        listed.map((s) => s.id).sort(),
        [...ada].sort(),
        "ada's sessions, and only hers, are listed",
      );
      equal(
        listed.map((s) => JSON.stringify(s.info)).sort(),
        ['{"device":"laptop"}', '{"device":"phone","trusted":true}', "{}"],
        "each session lists with its metadata",
      );
      const expirations = new Set(listed.map((s) => s.expiration));
      check(expirations.size === 1, `created together, they expire together: ${[...expirations]}`);
      const [first] = expirations;
      equal((await listSessions(kv, "ad")).map((s) => s.id), [ad], "ad has her own session");
      equal(
        (await listSessions(kv, "grace/hopper")).map((s) => s.info),
        [{ device: "desktop" }],
        "a user with a slash in the name lists her session",
      );
      await advance(60 * SECOND);
      check(await touch(kv, ada[1]), "the phone session is live");
      const touched = (await listSessions(kv, "ada")).find((s) => s.id === ada[1]);
      equal(touched?.expiration, first + 60, "touch() moves the listed expiration by 60 s");
      await endSession(kv, ada[0]);
      await endSession(kv, ada[0]); // ending twice is fine
      equal(
        (await listSessions(kv, "ada")).map((s) => s.id).sort(),
        [ada[1], ada[2]].sort(),
        "an ended session is no longer listed",
      );
      equal(await endAllSessions(kv, "ada"), 2, "signing out everywhere ends her two sessions");
      equal(await listSessions(kv, "ada"), [], "ada has no sessions left");
      check(await getSession(kv, ad) !== null, "ad's session survives");
      check(await getSession(kv, grace) !== null, "grace's session survives");
    },
  },
];

const flags: Scenario[] = [
  {
    id: "flags.bulk",
    name: "flags read back as JSON, many in bulk, in the order asked, null when unset",
    clock: false,
    async run(kv) {
      const values: [string, FlagValue][] = [
        ["new-checkout", { enabled: true, percent: 10 }],
        ["dark-mode", true],
        ["banner", "Welcome back"],
        ["limits", [1, 2, 3]],
        ["kill-switch", false],
      ];
      for (const [name, value] of values) await setFlag(kv, name, value, "ada");
      await setFlag(kv, "dark-mode", false, "grace");
      await deleteFlag(kv, "banner");
      // 120 names: past the 100 keys one bulk get can read.
      const names = ["banner", ...Array.from({ length: 115 }, (_, i) => `unset-${i}`)];
      names.push("limits", "dark-mode", "kill-switch", "new-checkout");
      const read = await getFlags(kv, names);
      equal([...read.keys()], names, "every name asked is answered, in order");
      equal(
        [...read].filter(([, value]) => value !== null),
        [
          ["limits", [1, 2, 3]],
          ["dark-mode", false],
          ["kill-switch", false],
          ["new-checkout", { enabled: true, percent: 10 }],
        ],
        "set flags read as their JSON values, the last write winning",
      );
      equal(read.get("banner"), null, "a deleted flag reads as null");
      equal(await getFlags(kv, []), new Map(), "asking for no flags reads nothing");
    },
  },
  {
    id: "flags.pages",
    name: "all flags page with cursors: each once, in UTF-8 order, with owner and date",
    clock: false,
    async run(kv) {
      const names = Array.from({ length: 23 }, (_, i) => `flag-${String(i).padStart(2, "0")}`);
      // UTF-8 order, not UTF-16: U+FFFF sorts before an astral character.
      names.push("flag-\u{1F680}", "flag-\uFFFF");
      names.push("other");
      const owners = new Map(names.map((name, i) => [name, i % 2 === 0 ? "ada" : "grace"]));
      for (const [i, name] of names.entries()) await setFlag(kv, name, i, owners.get(name)!);
      await kv.put("flagship", "not a flag"); // shares "flag" but not "flags/"
      const sizes: number[] = [];
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listFlags(kv, { limit: 10, cursor });
        sizes.push(page.flags.length);
        seen.push(...page.flags.map((flag) => flag.name));
        for (const flag of page.flags) {
          equal(flag.owner, owners.get(flag.name), `${flag.name}'s owner`);
          check(
            !Number.isNaN(Date.parse(flag.updated)),
            `${flag.name} has a date: ${flag.updated}`,
          );
        }
        cursor = page.cursor;
      } while (cursor !== undefined);
      const expected = [...names.slice(0, 23), "flag-\uFFFF", "flag-\u{1F680}", "other"];
      equal(sizes, [10, 10, 6], "26 flags come in pages of 10, 10 and 6");
      equal(seen, expected, "every flag once, in UTF-8 order of its name");
      const all: string[] = [];
      for await (const flag of allFlags(kv, 7)) all.push(flag.name);
      equal(all, expected, "allFlags() pages through the same flags");
      equal((await listFlags(kv)).cursor, undefined, "one default page holds them all");
    },
  },
];

/** A stand-in for a slow function: counts its calls, answers something new each time. */
function slow<T>(answer: (call: number) => T) {
  const fn = () => new Promise<T>((resolve) => resolve(answer(++fn.calls)));
  fn.calls = 0;
  return fn;
}

const cache: Scenario[] = [
  {
    id: "cache.ttl",
    name: "cached() calls the slow function once until the TTL passes, then once again",
    clock: true,
    async run(kv, advance) {
      const report = slow((call) => ({ call, rows: [1, 2, 3] }));
      const first = await cached(kv, "report", 60, report);
      equal(first, { call: 1, rows: [1, 2, 3] }, "a miss returns the computed result");
      equal(await cached(kv, "report", 60, report), first, "a hit returns the stored result");
      await advance(59 * SECOND);
      equal(await cached(kv, "report", 60, report), first, "59 s on, still a hit");
      equal(report.calls, 1, "the slow function ran once");
      const other = slow(() => "other");
      equal(await cached(kv, "other", 60, other), "other", "another key is its own entry");
      await advance(2 * SECOND);
      equal(
        await cached(kv, "report", 60, report),
        { call: 2, rows: [1, 2, 3] },
        "61 s on, the entry expired and the result is computed again",
      );
      equal(await cached(kv, "report", 60, report), { call: 2, rows: [1, 2, 3] }, "and stored");
      equal(report.calls, 2, "the slow function ran twice in all");
      await invalidate(kv, "report");
      equal((await cached(kv, "report", 60, report)).call, 3, "invalidate() forces a new call");
      equal(other.calls, 1, "the other key was computed once");
      for (const value of [0, false, null, ""]) {
        const falsy = slow(() => value);
        await cached(kv, `falsy:${value}`, 60, falsy);
        equal(await cached(kv, `falsy:${value}`, 60, falsy), value, `${value} is cached`);
        equal(falsy.calls, 1, `a cached ${JSON.stringify(value)} is a hit, not a miss`);
      }
    },
  },
  {
    id: "cache.bytes",
    name: "binary results come back byte for byte, as Uint8Array, until they expire",
    clock: true,
    async run(kv, advance) {
      // Every byte value, so no text decoding can pass by accident
      // (Miniflare's fake clock limits values to 1 KiB).
      const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7 + 3) & 0xff);
      const thumbnail = slow(() => bytes.slice());
      const miss = await cached(kv, "thumb", 120, thumbnail);
      const hit = await cached(kv, "thumb", 120, thumbnail);
      check(hit instanceof Uint8Array, "a cached binary result is a Uint8Array");
      equal(Array.from(hit), Array.from(bytes), "its bytes are the computed bytes");
      equal(Array.from(miss), Array.from(bytes), "so were the returned ones");
      hit.fill(0);
      equal(
        Array.from(await cached(kv, "thumb", 120, thumbnail)),
        Array.from(bytes),
        "changing a returned array changes nothing stored",
      );
      const text = slow(() => "\u00ff\u0000 not bytes");
      equal(await cached(kv, "text", 120, text), "\u00ff\u0000 not bytes", "a string result");
      equal(await cached(kv, "text", 120, text), "\u00ff\u0000 not bytes", "stays a string");
      const empty = slow(() => new Uint8Array(0));
      await cached(kv, "empty", 120, empty);
      const again = await cached(kv, "empty", 120, empty);
      check(again instanceof Uint8Array && again.length === 0, "no bytes are cached as no bytes");
      equal([thumbnail.calls, text.calls, empty.calls], [1, 1, 1], "each was computed once");
      await advance(121 * SECOND);
      await cached(kv, "thumb", 120, thumbnail);
      equal(thumbnail.calls, 2, "after 120 s the bytes are computed again");
    },
  },
  {
    id: "cache.errors",
    name: "a slow function that throws caches nothing, and the next call retries",
    clock: false,
    async run(kv) {
      let fail = true;
      const flaky = slow((call) => {
        if (fail) throw new Error(`upstream down (call ${call})`);
        return { call };
      });
      let error: unknown;
      await cached(kv, "flaky", 60, flaky).catch((caught) => error = caught);
      check(
        error instanceof Error && error.message === "upstream down (call 1)",
        `the error reaches the caller: ${error}`,
      );
      equal(await kv.get("flaky"), null, "nothing was stored");
      fail = false;
      equal(await cached(kv, "flaky", 60, flaky), { call: 2 }, "the next call computes again");
      equal(await cached(kv, "flaky", 60, flaky), { call: 2 }, "and that result is cached");
      let notJson: unknown;
      await cached(kv, "fn", 60, slow(() => (() => 1) as unknown as string))
        .catch((caught) => notJson = caught);
      check(notJson instanceof TypeError, `a result that is not JSON is refused: ${notJson}`);
      equal(await kv.get("fn"), null, "and not stored");
    },
  },
];

/** Every scenario of every example. */
export const scenarios: readonly Scenario[] = [...sessions, ...flags, ...cache];
