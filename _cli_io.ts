// The CLI's files and standard streams, and the only code of the data
// commands that touches the process: reading a file in large chunks,
// writing an output file that appears only once complete, and spooling
// standard input to a temporary file for a second pass. Built on Node's
// built-in modules, which Deno, Node and Bun all have, so that the same
// code runs under `deno run` and `npx kvkit`. Private to the CLI.

import { writeSync } from "node:fs";
import { mkdtemp, open, rename, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { isatty } from "node:tty";
import type { ByteSink } from "./_cli_dump.ts";
import type { ProgressSink } from "./_cli_progress.ts";

/** The standard streams a command uses. */
export interface CliIo {
  /** Standard input, as chunks. */
  stdin(): AsyncIterable<Uint8Array>;
  /** Whether standard input is a terminal (nothing is piped in). */
  stdinIsTerminal(): boolean;
  /** Writes to standard output. */
  stdout: ByteSink;
  /** Standard error, for progress and messages. */
  stderr: ProgressSink;
}

const encoder = new TextEncoder();

type FileHandle = Awaited<ReturnType<typeof open>>;

async function writeAll(file: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength;) {
    at += (await file.write(bytes, at, bytes.byteLength - at)).bytesWritten;
  }
}

/** Bytes as a plain `Uint8Array` over the same memory (a Node `Buffer`'s `slice` shares). */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function* stdinChunks(): AsyncGenerator<Uint8Array> {
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) yield plain(chunk);
}

let stdoutWatched = false;

/**
 * Writes to standard output and resolves once the bytes are taken, so a
 * fast reader never fills memory with queued output. A closed pipe (`|
 * head`) fails the write with EPIPE instead of crashing the process.
 */
function writeStdout(bytes: Uint8Array): Promise<void> {
  if (!stdoutWatched) {
    // Node also emits a write's error as an event; unheard, it would throw.
    process.stdout.on("error", () => {});
    stdoutWatched = true;
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(bytes, (error) => error ? reject(error) : resolve());
  });
}

function writeStderr(text: string): void {
  const bytes = encoder.encode(text);
  for (let at = 0; at < bytes.byteLength;) at += writeSync(2, bytes, at);
}

/** The process's standard streams. */
export function processIo(): CliIo {
  return {
    stdin: stdinChunks,
    stdinIsTerminal: () => isatty(0),
    stdout: writeStdout,
    stderr: {
      isTerminal: isatty(2),
      get columns() {
        return process.stderr.columns || undefined;
      },
      write: writeStderr,
    },
  };
}

const cleanups = new Set<() => Promise<void>>();

async function interrupted(): Promise<void> {
  for (const cleanup of cleanups) await cleanup().catch(() => {});
  writeStderr("\nkvkit: interrupted\n");
  process.exit(130);
}

/**
 * Runs `cleanup` if the process is interrupted (Ctrl-C) before the
 * returned function is called, then exits with 130.
 */
export function onInterrupt(cleanup: () => Promise<void>): () => void {
  if (cleanups.size === 0) process.on("SIGINT", interrupted);
  cleanups.add(cleanup);
  return () => {
    if (!cleanups.delete(cleanup) || cleanups.size > 0) return;
    process.off("SIGINT", interrupted);
  };
}

/** Bytes read from a file at a time. */
const READ_BYTES = 1024 * 1024;

/** A file's bytes, in chunks of 1 MiB, each in a buffer of its own. */
export async function* readFile(path: string): AsyncGenerator<Uint8Array> {
  const file = await open(path, "r");
  try {
    while (true) {
      const buffer = new Uint8Array(READ_BYTES);
      const { bytesRead } = await file.read(buffer, 0, READ_BYTES, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await file.close();
  }
}

/** A file's size in bytes; fails when it is not a readable file. */
export async function fileSize(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isFile()) throw new Error(`${path} is not a file`);
  return info.size;
}

/** A file being written, which appears under its name only when committed. */
export interface OutputFile {
  /** Writes bytes to it. */
  sink: ByteSink;
  /** Finishes it and moves it into place. */
  commit(): Promise<void>;
  /** Removes what was written; the file at the name is left as it was. */
  abort(): Promise<void>;
}

/** Starts writing `path`, through a temporary file beside it. */
export async function createOutput(path: string): Promise<OutputFile> {
  const temporary = `${path}.kvkit-${Date.now().toString(36)}.tmp`;
  const file = await open(temporary, "wx");
  let closing: Promise<void> | undefined;
  const close = () => closing ??= file.close();
  return {
    sink: (bytes) => writeAll(file, bytes),
    commit: async () => {
      await close();
      await rename(temporary, path);
    },
    abort: async () => {
      await close().catch(() => {});
      await rm(temporary, { force: true });
    },
  };
}

/** A temporary file that keeps a copy of what passes through it, for a second read. */
export interface Spool {
  /** The copy's path. */
  path: string;
  /** Passes the chunks on, copying each to the file first. */
  tee(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array>;
  /** Removes the copy. */
  remove(): Promise<void>;
}

/** Makes a spool in a directory of its own in the temporary directory. */
export async function createSpool(): Promise<Spool> {
  const dir = await mkdtemp(join(tmpdir(), "kvkit-import-"));
  const path = join(dir, "input.json");
  return {
    path,
    async *tee(chunks) {
      const file = await open(path, "w", 0o600);
      try {
        for await (const chunk of chunks) {
          await writeAll(file, chunk);
          yield chunk;
        }
      } finally {
        await file.close();
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
