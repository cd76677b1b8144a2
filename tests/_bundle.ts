// Bundles a test entry (and the kvkit sources and npm packages it imports)
// into one ES module with esbuild: a page script for Chromium, or a Worker
// for workerd. The one bundler of tests/browser, tests/workerd,
// tests/differential and bench/.

import * as esbuild from "esbuild";

/** Where the bundle runs. */
export type BundleTarget = "browser" | "workerd";

/** The entry file bundled into one ES module's source text. */
export async function bundle(entry: URL, target: BundleTarget): Promise<string> {
  try {
    const result = await esbuild.build({
      entryPoints: [entry.pathname],
      bundle: true,
      write: false,
      format: "esm",
      // workerd is neither a browser nor Node: nothing platform-specific.
      platform: target === "browser" ? "browser" : "neutral",
      target: target === "browser" ? "chrome120" : "es2022",
      logLevel: target === "browser" ? "silent" : "warning",
    });
    return result.outputFiles[0].text;
  } finally {
    await esbuild.stop();
  }
}
