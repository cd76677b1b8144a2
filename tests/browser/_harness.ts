// Runs code in real headless Chromium: bundles a page entry with esbuild,
// serves it from http://127.0.0.1:<port> (IndexedDB is denied on
// about:blank and data: URLs; loopback is a secure context), and drives
// Debian's chromium with playwright-core, which never downloads a browser.
//
// Private to tests/browser and bench/.

import { bundle } from "../_bundle.ts";
import type { Browser, BrowserContext, Page } from "playwright-core";

const root = new URL("../../", import.meta.url);

/** Where Chromium is: `CHROMIUM_PATH`, else Debian's `/usr/bin/chromium`. */
export function chromiumPath(): string {
  return Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
}

/** Why Chromium cannot run here, or `undefined` when it can. */
export function chromiumMissing(): string | undefined {
  const path = chromiumPath();
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) return `${path} is not a file`;
    if (info.mode !== null && (info.mode & 0o111) === 0) {
      return `${path} is not executable`;
    }
    return undefined;
  } catch {
    return `no Chromium at ${path} (apt-get install chromium, or set CHROMIUM_PATH)`;
  }
}

/** `KVKIT_REQUIRE_BROWSER=1` turns a missing browser into a failure. */
export function browserRequired(): boolean {
  return Deno.env.get("KVKIT_REQUIRE_BROWSER") === "1";
}

// Flags from the machine notes: without the background-networking ones,
// Chromium keeps dialling hosts this sandbox cannot reach.
const CHROMIUM_ARGS = [
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-default-apps",
  "--disable-extensions",
];

function launchOptions() {
  return {
    executablePath: chromiumPath(),
    headless: true,
    args: CHROMIUM_ARGS,
  };
}

/** Launches Chromium with an in-memory (incognito) profile. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch(launchOptions());
}

/** Launches Chromium on an on-disk profile that outlives the browser. */
export async function launchPersistentChromium(
  profileDir: string,
): Promise<BrowserContext> {
  const { chromium } = await import("playwright-core");
  return await chromium.launchPersistentContext(profileDir, launchOptions());
}

/**
 * Bundles a browser entry (a path from the repository root) into one
 * script, npm packages included.
 */
export function bundlePage(entry: string): Promise<string> {
  return bundle(new URL(entry, root), "browser");
}

/** A page server on loopback. */
export interface PageServer {
  /** `http://127.0.0.1:<port>`, the origin IndexedDB data belongs to. */
  origin: string;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Serves `/` as a page that loads `script` as a module. */
export function servePage(script: string): PageServer {
  const html = '<!doctype html><meta charset="utf-8"><title>kvkit</title>' +
    '<script type="module" src="/page.js"></script>';
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const { pathname } = new URL(request.url);
      if (pathname === "/") {
        return new Response(html, { headers: { "content-type": "text/html" } });
      }
      if (pathname === "/page.js") {
        return new Response(script, {
          headers: { "content-type": "text/javascript" },
        });
      }
      // Chromium asks for /favicon.ico; an empty answer keeps the log quiet.
      return new Response(null, { status: 204 });
    },
  );
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

/**
 * Opens the served page in a context, waits for its script to publish
 * `globalThis[name]`, and forwards page errors to stderr.
 */
export async function openPage(
  context: BrowserContext,
  origin: string,
  name: string,
): Promise<Page> {
  const page = context.pages()[0] ?? await context.newPage();
  page.on("pageerror", (error) => console.error(`[chromium] ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      console.error(`[chromium] ${message.text()}`);
    }
  });
  await page.goto(`${origin}/`);
  await page.waitForFunction(
    (name) => (globalThis as Record<string, unknown>)[name] !== undefined,
    name,
  );
  return page;
}
