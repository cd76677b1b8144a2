// Runs the conformance suite under Bun's test runner (tests/bun), on every
// registry target that declares Bun. Bun comes from npm, in tests/bun's own
// install, pinned by its package-lock.json.
//
//   deno run -A tools/bun.ts

const dir = new URL("../tests/bun/", import.meta.url).pathname;

async function run(command: string, args: string[]): Promise<void> {
  const { code } = await new Deno.Command(command, {
    args,
    cwd: dir,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) Deno.exit(code);
}

try {
  await Deno.stat(`${dir}node_modules/.bin/bun`);
} catch {
  await run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
}
// The suite bounds each case itself (120 s); bun's own default is 5 s.
await run(`${dir}node_modules/.bin/bun`, ["test", "--timeout", "180000"]);
