// Stryker's `buildCommand`: runs in the sandbox after Stryker has written
// every mutant into the mutated files ("mutant schemata"), and replaces
// the three helpers each of those files starts with by equivalent fast
// ones. Stryker's helpers also count coverage on every statement they
// pass; the command runner never reads those counts, but in the engine's
// hot loops (a UTF-8 length over a 25 MiB string) they make one run of
// the suite take 45 s instead of 2 s. The mutant switch itself is kept:
// `stryMutAct_<x>(id)` is true exactly for the mutant named by
// `__STRYKER_ACTIVE_MUTANT__`, as in Stryker's own helper.
//
//   deno run -A tools/mutation/schemata.ts [dir]   (default: the current directory)

const HEAD = /function stryNS_(\w+)\(\) \{\n/;

const MARK = "made fast by tools/mutation/schemata.ts";

/** The fast helpers, with Stryker's names (`suffix` is the instrumenter's, e.g. 9fa48). */
function fastHelpers(suffix: string): string {
  return [
    "",
    `// Stryker's helpers, ${MARK}: no coverage counts.`,
    `const stryActive_${suffix} = globalThis.process?.env?.__STRYKER_ACTIVE_MUTANT__;`,
    `function stryNS_${suffix}() {`,
    "  return globalThis.__stryker__ ??= {};",
    "}",
    `function stryCov_${suffix}() {}`,
    `function stryMutAct_${suffix}(id) {`,
    `  return id === stryActive_${suffix};`,
    "}",
    "",
  ].join("\n");
}

/**
 * The file's text with Stryker's helpers replaced, or `undefined` when it
 * holds none. Throws when the helpers are not laid out as expected, so that
 * a new Stryker version cannot silently leave every mutant inactive.
 */
export function rewrite(text: string): string | undefined {
  const head = HEAD.exec(text);
  if (head === null || text.includes(MARK)) return undefined;
  const suffix = head[1];
  const tail = `function stryMutAct_${suffix}(id) {`;
  const act = text.indexOf(tail, head.index);
  const end = act < 0 ? -1 : text.indexOf("\n}\n", act);
  const between = act < 0 ? "" : text.slice(head.index, act);
  if (
    end < 0 || !between.includes(`function stryCov_${suffix}() {`) ||
    !between.includes("__STRYKER_ACTIVE_MUTANT__")
  ) {
    throw new Error(
      `Stryker's helpers (stryNS_${suffix}) are not laid out as expected`,
    );
  }
  return text.slice(0, head.index) + fastHelpers(suffix) + text.slice(end + 3);
}

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (
      entry.isDirectory && entry.name !== "node_modules" &&
      !entry.name.startsWith(".")
    ) {
      yield* sources(path);
    } else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

if (import.meta.main) {
  const dir = Deno.args[0] ?? ".";
  let rewritten = 0;
  for await (const path of sources(dir)) {
    const text = await Deno.readTextFile(path);
    const fast = rewrite(text);
    if (fast === undefined) continue;
    await Deno.writeTextFile(path, fast);
    rewritten++;
  }
  if (rewritten === 0) throw new Error(`no instrumented file under ${dir}`);
  console.log(`schemata: fast helpers in ${rewritten} file(s)`);
}
