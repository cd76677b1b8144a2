import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  formatBytes,
  formatCount,
  formatSeconds,
  Progress,
  type ProgressSink,
} from "./_cli_progress.ts";

function sink(isTerminal: boolean, columns = 200): ProgressSink & { text: string } {
  const out = { isTerminal, columns, text: "", write: (t: string) => void (out.text += t) };
  return out;
}

Deno.test("progress numbers read as people write them", () => {
  assertEquals([formatBytes(512), formatBytes(1536), formatBytes(102_400_000)], [
    "512 B",
    "1.5 KiB",
    "97.7 MiB",
  ]);
  assertEquals([formatCount(999), formatCount(1_000_000)], ["999", "1,000,000"]);
  assertEquals([formatSeconds(4.25), formatSeconds(65), formatSeconds(3723)], [
    "4.3 s",
    "1:05",
    "1:02:03",
  ]);
});

Deno.test("on a terminal the line is redrawn in place, at most 8 times a second, with an ETA", () => {
  let now = 0;
  const out = sink(true);
  const progress = new Progress(out, { now: () => now });
  progress.phase("import x", { keys: 100, bytes: 1000 });
  now = 2000;
  progress.update(25, 250);
  progress.update(26, 260); // too soon: not drawn
  assertEquals(
    out.text,
    "\r\x1b[2Kimport x: 25/100 keys · 250 B/1000 B · 13 keys/s · 125 B/s · ETA 6.0 s",
  );
  now = 2200;
  progress.update(50, 500);
  progress.print("done");
  assertEquals(out.text.endsWith("ETA 2.2 s\r\x1b[2Kdone\n"), true);
});

Deno.test("without a total the line has no ETA, and a long one is cut to the terminal", () => {
  let now = 0;
  const out = sink(true, 30);
  const progress = new Progress(out, { now: () => now });
  progress.phase("export deno-kv:./data.db");
  now = 1000;
  progress.update(10, 100);
  assertEquals(out.text, "\r\x1b[2Kexport deno-kv:./data.db: 10…");
  assertEquals(progress.line(), "export deno-kv:./data.db: 10 keys · 100 B · 10 keys/s · 100 B/s");
});

Deno.test("off a terminal only the summary is printed, and quiet prints nothing", () => {
  const out = sink(false);
  const progress = new Progress(out);
  progress.phase("import x", { keys: 10 });
  progress.update(5, 50);
  progress.print("imported 10 entries");
  assertEquals(out.text, "imported 10 entries\n");
  const silent = sink(true);
  const quiet = new Progress(silent, { quiet: true });
  quiet.update(1, 1);
  quiet.print("x");
  assertEquals(silent.text, "");
});
