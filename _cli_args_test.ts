import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { type CommandSpec, formatHelp, listFlag, parseArgs, UsageError } from "./_cli_args.ts";

const spec: CommandSpec = {
  name: "import",
  args: "<store> [file]",
  arity: [1, 2],
  summary: "Imports.",
  details: "",
  flags: [
    { name: "dry-run", summary: "check only" },
    { name: "prefix", value: "prefix", summary: "only these" },
  ],
  examples: ["import deno-kv:./a.db dump.json"],
};

Deno.test("parseArgs reads flags in every form, and arguments around them", () => {
  const parsed = parseArgs(spec, ["deno-kv:a", "--dry-run", "--prefix", "u:", "-"]);
  assertEquals(parsed.positionals, ["deno-kv:a", "-"]);
  assertEquals([...parsed.flags], [["dry-run", true], ["prefix", "u:"]]);
  assertEquals(parseArgs(spec, ["--prefix=a=b", "x"]).flags.get("prefix"), "a=b");
  assertEquals(parseArgs(spec, ["x", "--", "--dry-run"]).positionals, ["x", "--dry-run"]);
  assertEquals(parseArgs(spec, ["-h"]).flags.get("help"), true);
  // --help wins over a wrong number of arguments.
  assertEquals(parseArgs(spec, ["--help"]).positionals, []);
});

Deno.test("parseArgs refuses what the command does not take, naming what it does", () => {
  const usage = (args: string[], pattern: RegExp) =>
    throws(
      () => parseArgs(spec, args),
      (e: Error) => e instanceof UsageError && pattern.test(e.message),
    );
  usage(
    ["x", "--force"],
    /unknown flag --force for "kvkit import"; its flags are --dry-run, --prefix <prefix>, --help/,
  );
  usage(["x", "--namespace", "n"], /it is gone: name the namespace in the store itself/);
  usage(["x", "--prefix"], /--prefix needs a value/);
  usage(["x", "--dry-run=yes"], /--dry-run takes no value/);
  usage(["x", "--dry-run", "--dry-run"], /--dry-run is given twice/);
  usage([], /takes 1 to 2 arguments \(<store> \[file\]\), got 0/);
  usage(["a", "b", "c"], /got 3: a b c/);
});

Deno.test("listFlag splits a flag's values and refuses unknown ones, listing the valid", () => {
  const flagged = { ...spec, flags: [{ name: "area", value: "a,b", summary: "" }] };
  assertEquals(
    listFlag(parseArgs(flagged, ["x", "--area", "get, list"]), "area", ["get", "list"], "c"),
    [
      "get",
      "list",
    ],
  );
  assertEquals(listFlag(parseArgs(flagged, ["x"]), "area", ["get"], "c"), undefined);
  throws(
    () => listFlag(parseArgs(flagged, ["x", "--area", "get,nope"]), "area", ["get", "list"], "c"),
    /unknown --area "nope"; valid: get, list/,
  );
});

Deno.test("formatHelp shows the usage line, every flag and the examples", () => {
  const help = formatHelp(spec, "stores:\n  deno-kv:<path>");
  assertEquals(help.split("\n")[0], "usage: kvkit import <store> [file] [flags]");
  for (
    const line of ["  --dry-run          check only", "  --prefix <prefix>  only these", "  --help"]
  ) {
    if (!help.includes(line)) throw new Error(`missing ${line} in\n${help}`);
  }
  if (!help.endsWith("examples:\n  kvkit import deno-kv:./a.db dump.json")) throw new Error(help);
  if (!help.includes("stores:\n  deno-kv:<path>")) throw new Error(help);
});
