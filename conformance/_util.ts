// Small helpers shared by the case files.

import type { KvNamespace } from "../types.ts";
import type { KvFixture } from "./case.ts";

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** A fresh ArrayBuffer holding exactly the given bytes. */
export function buffer(bytes: ArrayLike<number>): ArrayBuffer {
  const out = new Uint8Array(bytes.length);
  out.set(Array.from(bytes));
  return out.buffer;
}

/** Reads a whole stream into one Uint8Array. */
export async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  const reader = stream.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
    chunks.push(chunk);
    length += chunk.byteLength;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** A stream that yields the given chunks, then closes. */
export function streamOf(chunks: unknown[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk as Uint8Array);
      controller.close();
    },
  });
}

/** The fixture's clock in milliseconds. */
export function nowMs(fixture: KvFixture): number {
  return fixture.now ? fixture.now() : Date.now();
}

/** The fixture's clock in whole seconds, as Workers KV computes it. */
export function nowSeconds(fixture: KvFixture): number {
  return Math.floor(nowMs(fixture) / 1000);
}

/** Moves the fixture's clock; callers have checked it has one. */
export async function advance(fixture: KvFixture, ms: number): Promise<void> {
  await fixture.advanceTime!(ms);
}

/** Puts each key with value `v:<key>`, a few at a time. */
export async function putAll(
  kv: KvNamespace,
  keys: string[],
  value: (key: string) => string = (key) => `v:${key}`,
): Promise<void> {
  for (let i = 0; i < keys.length; i += 50) {
    await Promise.all(
      keys.slice(i, i + 50).map((key) => kv.put(key, value(key))),
    );
  }
}

/** Every key name under a prefix, following cursors with the given limit. */
export async function listAll(
  kv: KvNamespace,
  options: { prefix?: string; limit?: number } = {},
): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10_000; page++) {
    const result = await kv.list({ ...options, cursor });
    names.push(...result.keys.map((k) => k.name));
    if (result.list_complete) return names;
    cursor = result.cursor;
  }
  throw new Error("list never completed");
}

/** Bytes filled with one value, without a slow loop. */
export function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

/** True when every byte equals `byte`. */
export function allBytes(bytes: Uint8Array, byte: number): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== byte) return false;
  return true;
}

export const MiB = 1024 * 1024;
