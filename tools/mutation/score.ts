// The score of a Stryker run, from its JSON report, with the equivalent
// mutants of equivalent.json left out. Used by tools/mutation.ts.

/** A position in a source file, 1-based, as Stryker's report gives it. */
interface Position {
  line: number;
  column: number;
}

/** One mutant of Stryker's JSON report (mutation-testing-report-schema). */
export interface StrykerMutant {
  id: string;
  mutatorName: string;
  replacement?: string;
  location: { start: Position; end: Position };
  status: string;
  statusReason?: string;
}

/** Stryker's JSON report: each mutated file's source and mutants. */
export interface StrykerReport {
  files: Record<string, { source: string; mutants: StrykerMutant[] }>;
}

/**
 * A mutant that changes nothing a namespace can show, as listed in
 * equivalent.json: where it is, what it changes, and why it is equivalent.
 */
export interface Equivalent {
  /** The mutated file, relative to the repository root. */
  file: string;
  /** The line of the mutated code when the entry was written (a hint: code moves). */
  line: number;
  /** Its column, to tell apart identical mutants on one line (a hint too). */
  column?: number;
  /** Stryker's mutator name, e.g. `ConditionalExpression`. */
  mutator: string;
  /** The source text the mutant replaces. */
  original: string;
  /** What Stryker puts in its place. */
  replacement: string;
  /** Why no call through the namespace can tell the two apart. */
  reason: string;
}

/** Counts of one file, or of the whole run. */
export interface Counts {
  total: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  equivalent: number;
  errors: number;
}

/** What {@linkcode scoreReport} finds. */
export interface Score {
  /** Killed and timed-out mutants over every mutant neither ignored, equivalent nor in error. */
  score: number;
  /** Counts per file, and `all`. */
  counts: Record<string, Counts>;
  /** The surviving mutants that are not listed as equivalent. */
  survivors: {
    file: string;
    line: number;
    mutator: string;
    original: string;
    replacement: string;
  }[];
  /** A table to print. */
  table: string;
  /** Listed equivalents that were killed, or that match nothing. */
  problems: string[];
}

const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

const squash = (text: string) => text.replace(/\s+/g, " ").trim();

/** The source text a mutant replaces. */
export function originalText(source: string, mutant: StrykerMutant): string {
  const lines = source.split("\n");
  const { start, end } = mutant.location;
  if (start.line === end.line) {
    return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  }
  const parts = [lines[start.line - 1].slice(start.column - 1)];
  for (let line = start.line + 1; line < end.line; line++) {
    parts.push(lines[line - 1]);
  }
  parts.push(lines[end.line - 1].slice(0, end.column - 1));
  return parts.join("\n");
}

function empty(): Counts {
  return {
    total: 0,
    killed: 0,
    timeout: 0,
    survived: 0,
    noCoverage: 0,
    ignored: 0,
    equivalent: 0,
    errors: 0,
  };
}

function percent(counts: Counts): number {
  const detected = counts.killed + counts.timeout;
  const scored = detected + counts.survived + counts.noCoverage;
  return scored === 0 ? 100 : (100 * detected) / scored;
}

/**
 * Scores a report: each listed equivalent is matched to the mutant of the
 * same file, mutator, original text and replacement nearest its line.
 */
export function scoreReport(
  report: StrykerReport,
  equivalents: Equivalent[],
): Score {
  const counts: Record<string, Counts> = { all: empty() };
  const survivors: Score["survivors"] = [];
  const problems: string[] = [];
  const matched = new Map<StrykerMutant, Equivalent>();
  for (const entry of equivalents) {
    const file = report.files[entry.file];
    if (file === undefined) continue; // not mutated in this run
    const candidates = file.mutants.filter((m) =>
      m.mutatorName === entry.mutator &&
      (m.replacement ?? "") === entry.replacement &&
      squash(originalText(file.source, m)) === squash(entry.original) &&
      !matched.has(m)
    );
    if (candidates.length === 0) {
      problems.push(
        `equivalent.json: no ${entry.mutator} mutant ${JSON.stringify(entry.original)} -> ` +
          `${
            JSON.stringify(entry.replacement)
          } in ${entry.file} (line ${entry.line}): remove or fix it`,
      );
      continue;
    }
    const distance = (m: StrykerMutant) =>
      1000 * Math.abs(m.location.start.line - entry.line) +
      Math.abs(
        m.location.start.column - (entry.column ?? m.location.start.column),
      );
    const mutant = candidates.reduce((
      a,
      b,
    ) => (distance(b) < distance(a) ? b : a));
    matched.set(mutant, entry);
    if (DETECTED.has(mutant.status)) {
      problems.push(
        `equivalent.json: ${entry.file}:${mutant.location.start.line} ${entry.mutator} ` +
          `${JSON.stringify(entry.original)} -> ${JSON.stringify(entry.replacement)} ` +
          `is listed as equivalent but was ${mutant.status}: remove it`,
      );
    }
  }
  for (const [path, file] of Object.entries(report.files)) {
    const own = counts[path] = empty();
    for (const mutant of file.mutants) {
      const tally = (key: keyof Counts) => {
        own[key]++;
        counts.all[key]++;
      };
      tally("total");
      if (matched.has(mutant) && UNDETECTED.has(mutant.status)) {
        tally("equivalent");
      } else if (mutant.status === "Killed") tally("killed");
      else if (mutant.status === "Timeout") tally("timeout");
      else if (mutant.status === "Survived" || mutant.status === "NoCoverage") {
        tally(mutant.status === "Survived" ? "survived" : "noCoverage");
        survivors.push({
          file: path,
          line: mutant.location.start.line,
          mutator: mutant.mutatorName,
          original: originalText(file.source, mutant),
          replacement: mutant.replacement ?? "",
        });
      } else if (mutant.status === "Ignored") tally("ignored");
      else tally("errors");
    }
  }
  const header = "file                          score  mutants killed timeout survived " +
    "no-cov ignored equiv errors";
  const row = (name: string, c: Counts) =>
    [
      name.padEnd(28),
      `${percent(c).toFixed(1)}%`.padStart(7),
      String(c.total).padStart(8),
      String(c.killed).padStart(6),
      String(c.timeout).padStart(7),
      String(c.survived).padStart(8),
      String(c.noCoverage).padStart(6),
      String(c.ignored).padStart(7),
      String(c.equivalent).padStart(5),
      String(c.errors).padStart(6),
    ].join(" ");
  const files = Object.keys(counts).filter((name) => name !== "all").sort();
  const lines = [
    header,
    ...files.map((name) => row(name, counts[name])),
    row("all", counts.all),
  ];
  if (survivors.length > 0) {
    lines.push("", "survivors:");
    for (const s of survivors) {
      lines.push(
        `  ${s.file}:${s.line} ${s.mutator} ${JSON.stringify(squash(s.original)).slice(0, 80)} -> ${
          JSON.stringify(squash(s.replacement)).slice(0, 60)
        }`,
      );
    }
  }
  return {
    score: percent(counts.all),
    counts,
    survivors,
    table: lines.join("\n"),
    problems,
  };
}
