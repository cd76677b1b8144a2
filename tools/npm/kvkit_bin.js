#!/usr/bin/env node
// `npx kvkit …`: kvkit's command line (cli.js) on Node and Bun. Copied into
// the npm package as bin/kvkit.js by tools/npm.ts. The CLI reaches the
// process through node: built-ins only, so it needs no shim.

import process from "node:process";

const { main } = await import("../cli.js");
process.exit(await main(process.argv.slice(2)));
