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
  // `npm ci` installs exactly the lockfile and never rewrites it, so a test run
  // leaves the clone clean.
  await run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
}
await run("node", [`${dir}node_modules/vitest/vitest.mjs`, "run", "--root", dir]);
