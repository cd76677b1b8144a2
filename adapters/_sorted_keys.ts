// Keys in UTF-8 byte order, for the memory adapter: sorted chunks of at
// most CHUNK keys (the leaves of a B+ tree, one level deep). Insert and
// remove cost a binary search and a short splice; a page costs a binary
// search plus one step per key. A key costs three array slots, about 24
// bytes, where a skip-list node costs about 100. Beside each key is a
// "plain" bit (no metadata, no expiration), so a page of plain keys needs
// no lookup of their records. Private to the memory adapter.

import { codePointSortKey } from "../keys.ts";

/** Keys per chunk before it splits. */
const CHUNK = 512;

/** One sorted run of keys. */
interface Chunk {
  /** The keys mapped so that `<` on them is UTF-8 byte order. */
  sorts: string[];
  /** The keys themselves; the same strings as `sorts` for most keys. */
  keys: string[];
  /** 1 where the key's record has neither metadata nor an expiration. */
  plain: number[];
}

/** The first index in `sorts` whose entry is `>= sort` (`> sort` when `strict`). */
function search(sorts: readonly string[], sort: string, strict: boolean): number {
  let low = 0;
  let high = sorts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (strict ? sorts[mid] <= sort : sorts[mid] < sort) low = mid + 1;
    else high = mid;
  }
  return low;
}

export class SortedKeys {
  #chunks: Chunk[] = [{ sorts: [], keys: [], plain: [] }];

  /** The chunk that holds, or would hold, a key with this sort key. */
  #chunkFor(sort: string): number {
    const chunks = this.#chunks;
    let low = 0;
    let high = chunks.length - 1;
    // The last chunk whose first key is <= sort (or the first chunk).
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (chunks[mid].sorts[0] <= sort) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Adds a key that is not yet present. */
  insert(key: string, plain = true): void {
    const sort = codePointSortKey(key);
    const index = this.#chunkFor(sort);
    const chunk = this.#chunks[index];
    const at = search(chunk.sorts, sort, false);
    chunk.sorts.splice(at, 0, sort);
    chunk.keys.splice(at, 0, key);
    chunk.plain.splice(at, 0, plain ? 1 : 0);
    if (chunk.sorts.length > 2 * CHUNK) {
      this.#chunks.splice(index + 1, 0, {
        sorts: chunk.sorts.splice(CHUNK),
        keys: chunk.keys.splice(CHUNK),
        plain: chunk.plain.splice(CHUNK),
      });
    }
  }

  /** Sets a present key's plain bit. */
  setPlain(key: string, plain: boolean): void {
    const sort = codePointSortKey(key);
    const chunk = this.#chunks[this.#chunkFor(sort)];
    const at = search(chunk.sorts, sort, false);
    if (chunk.keys[at] === key) chunk.plain[at] = plain ? 1 : 0;
  }

  /** Removes a key that is present. */
  remove(key: string): void {
    const sort = codePointSortKey(key);
    const index = this.#chunkFor(sort);
    const chunk = this.#chunks[index];
    const at = search(chunk.sorts, sort, false);
    if (chunk.keys[at] !== key) return;
    chunk.sorts.splice(at, 1);
    chunk.keys.splice(at, 1);
    chunk.plain.splice(at, 1);
    if (chunk.sorts.length === 0 && this.#chunks.length > 1) this.#chunks.splice(index, 1);
    else if (chunk.sorts.length < CHUNK / 4 && index + 1 < this.#chunks.length) {
      // Merge a thin chunk into its successor, so chunks stay dense.
      const next = this.#chunks[index + 1];
      if (next.sorts.length + chunk.sorts.length <= 2 * CHUNK) {
        next.sorts.unshift(...chunk.sorts);
        next.keys.unshift(...chunk.keys);
        next.plain.unshift(...chunk.plain);
        this.#chunks.splice(index, 1);
      }
    }
  }

  /**
   * Up to `limit` keys starting with `prefix`, after `after` when given,
   * in order.
   */
  range(prefix: string, after: string | undefined, limit: number): string[] {
    const out: string[] = [];
    this.each(prefix, after, limit, (key) => out.push(key));
    return out;
  }

  /**
   * Calls `visit` with up to `limit` keys starting with `prefix`, after
   * `after` when given, in order: {@linkcode range} without the array.
   */
  each(
    prefix: string,
    after: string | undefined,
    limit: number,
    visit: (key: string, plain: boolean) => void,
  ): void {
    const prefixSort = codePointSortKey(prefix);
    const afterSort = after === undefined ? undefined : codePointSortKey(after);
    const from = afterSort !== undefined && afterSort >= prefixSort ? afterSort : prefixSort;
    const strict = from === afterSort;
    const chunks = this.#chunks;
    let index = this.#chunkFor(from);
    let at = search(chunks[index].sorts, from, strict);
    let left = limit;
    while (left > 0 && index < chunks.length) {
      const { keys, plain } = chunks[index];
      const end = Math.min(keys.length, at + left);
      if (at < end) {
        if (keys[end - 1].startsWith(prefix)) {
          // The first key here is at or after the prefix and the last
          // starts with it, so every key between does: no check per key.
          for (let i = at; i < end; i++) visit(keys[i], plain[i] === 1);
        } else {
          // The prefix's keys end in this chunk.
          for (let i = at; i < end && keys[i].startsWith(prefix); i++) {
            visit(keys[i], plain[i] === 1);
          }
          return;
        }
        left -= end - at;
      }
      index++;
      at = 0;
    }
  }

  /** Removes every key. */
  clear(): void {
    this.#chunks = [{ sorts: [], keys: [], plain: [] }];
  }
}
