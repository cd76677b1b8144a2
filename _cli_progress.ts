// Progress of a long command, on stderr: on a terminal a live line (keys,
// bytes, rate, and an ETA when the total is known), redrawn a few times a
// second; elsewhere nothing but the summary at the end. Private to the CLI.

/** Where progress goes: stderr, or a test's buffer. */
export interface ProgressSink {
  /** Whether it is a terminal, where a line can be redrawn in place. */
  isTerminal: boolean;
  /** The terminal's width, when known. */
  columns?: number;
  /** Writes text as it is. */
  write(text: string): void;
}

/** Bytes as people read them: `512 B`, `97.7 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** A count with thousands separators: `100,000`. */
export function formatCount(count: number): string {
  return Math.round(count).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Seconds as `4.2 s`, `1:05` or `1:02:03`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const s = Math.round(seconds);
  const two = (n: number) => String(n).padStart(2, "0");
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${two(m)}:${two(s % 60)}` : `${m}:${two(s % 60)}`;
}

/** Redraws per second, at most. */
const REDRAWS_PER_SECOND = 8;

/**
 * One command's progress: counts go in with {@linkcode Progress.update},
 * and the line is redrawn at most 8 times a second on a terminal.
 */
export class Progress {
  readonly #sink: ProgressSink;
  readonly #now: () => number;
  readonly #quiet: boolean;
  #label = "";
  #start = 0;
  #drawn = -Infinity;
  #line = false;
  #keys = 0;
  #bytes = 0;
  #totalKeys: number | undefined;
  #totalBytes: number | undefined;
  #unit = "keys";
  #countsBytes = true;

  /**
   * @param sink Where the line and the summary go.
   * @param options `quiet` prints nothing at all; `now` is the clock, in ms.
   */
  constructor(sink: ProgressSink, options: { quiet?: boolean; now?: () => number } = {}) {
    this.#sink = sink;
    this.#quiet = options.quiet ?? false;
    this.#now = options.now ?? (() => performance.now());
    this.#start = this.#now();
  }

  /**
   * Starts a phase: its label, its totals when they are known, and what it
   * counts (`keys` and bytes by default).
   */
  phase(
    label: string,
    totals: { keys?: number; bytes?: number; unit?: string; countsBytes?: boolean } = {},
  ): void {
    this.#label = label;
    this.#unit = totals.unit ?? "keys";
    this.#countsBytes = totals.countsBytes ?? true;
    this.#start = this.#now();
    this.#keys = 0;
    this.#bytes = 0;
    this.#totalKeys = totals.keys;
    this.#totalBytes = totals.bytes;
    this.#drawn = -Infinity;
  }

  /** Seconds since the phase started. */
  get seconds(): number {
    return (this.#now() - this.#start) / 1000;
  }

  /** Sets the phase's counts so far, and redraws the line when it is time. */
  update(keys: number, bytes = 0): void {
    this.#keys = keys;
    this.#bytes = bytes;
    if (this.#quiet || !this.#sink.isTerminal) return;
    const now = this.#now();
    if (now - this.#drawn < 1000 / REDRAWS_PER_SECOND) return;
    this.#drawn = now;
    let line = this.line();
    const width = (this.#sink.columns ?? 80) - 1;
    if (line.length > width) line = `${line.slice(0, width - 1)}…`;
    this.#sink.write(`\r\x1b[2K${line}`);
    this.#line = true;
  }

  /** The progress line as it would be drawn now. */
  line(): string {
    const seconds = this.seconds;
    const parts = [
      `${this.#label}: ${formatCount(this.#keys)}${
        this.#totalKeys === undefined ? "" : `/${formatCount(this.#totalKeys)}`
      } ${this.#unit}`,
    ];
    if (this.#countsBytes) {
      parts.push(
        `${formatBytes(this.#bytes)}${
          this.#totalBytes === undefined ? "" : `/${formatBytes(this.#totalBytes)}`
        }`,
      );
    }
    if (seconds >= 0.5) {
      parts.push(`${formatCount(this.#keys / seconds)} ${this.#unit}/s`);
      if (this.#countsBytes) parts.push(`${formatBytes(Math.round(this.#bytes / seconds))}/s`);
      const done = this.#totalKeys !== undefined && this.#totalKeys > 0
        ? this.#keys / this.#totalKeys
        : this.#totalBytes !== undefined && this.#totalBytes > 0
        ? this.#bytes / this.#totalBytes
        : undefined;
      if (done !== undefined && done > 0) {
        parts.push(`ETA ${formatSeconds(Math.max(0, seconds * (1 - done) / done))}`);
      }
    }
    return parts.join(" · ");
  }

  /** Clears the line, so that other text can be printed. */
  clear(): void {
    if (!this.#line) return;
    this.#sink.write("\r\x1b[2K");
    this.#line = false;
  }

  /** Clears the line and prints one line of text, unless quiet. */
  print(text: string): void {
    this.clear();
    if (!this.#quiet) this.#sink.write(`${text}\n`);
  }
}
