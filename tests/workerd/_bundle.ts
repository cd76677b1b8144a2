// Bundles a Worker entry (and the kvkit sources it imports) into one ES
// module for Miniflare, with esbuild. Shared by tests/workerd and
// tests/differential.

import * as esbuild from "esbuild";

/** The entry file bundled into one ES module's source text. */
export async function bundleWorker(entry: URL): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [entry.pathname],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      logLevel: "warning",
    });
    return result.outputFiles[0].text;
  } finally {
    await esbuild.stop();
  }
}
