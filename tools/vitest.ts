// Runs the conformance suite under vitest (tests/vitest), which has its own
// npm install so that vitest's toolchain stays out of deno.json.
//
//   deno run -A tools/vitest.ts

const dir = new URL("../tests/vitest/", import.meta.url).pathname;

async function run(command: string, args: string[], cwd = dir): Promise<void> {
  const { code } = await new Deno.Command(command, {
    args,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (code !== 0) Deno.exit(code);
}

try {
  await Deno.stat(`${dir}node_modules/vitest/vitest.mjs`);
} catch {
  // `npm install`, not `npm ci`: the lockfile lacks the optional rollup builds for
  // other platforms, which this registry does not serve, and `npm ci` refuses that.
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"]);
}
await run("node", [`${dir}node_modules/vitest/vitest.mjs`, "run", "--root", dir]);
