// A skip list of keys in UTF-8 byte order: O(log n) expected insert,
// delete and seek, then O(1) per key to walk forward. Private to the
// memory adapter.

import { codePointSortKey } from "../keys.ts";

const MAX_LEVEL = 24;

interface Node {
  key: string;
  /** The key mapped so that `<` on it is UTF-8 byte order. */
  sort: string;
  next: (Node | undefined)[];
}

function randomLevel(): number {
  let level = 1;
  // p = 1/4, as in Pugh's paper: about 1.33 pointers per key.
  while (level < MAX_LEVEL && Math.random() < 0.25) level++;
  return level;
}

export class SortedKeys {
  #head: Node = { key: "", sort: "", next: new Array(MAX_LEVEL) };
  #level = 1;
  #update: Node[] = new Array(MAX_LEVEL);

  /**
   * Fills `#update` with, per level, the last node whose sort key is
   * below `sort` (at most `sort` when `strict`), and returns the level-0
   * one, so that its successor is the first node at or after `sort`
   * (strictly after, when `strict`).
   */
  #seek(sort: string, strict: boolean): Node {
    let node = this.#head;
    for (let level = this.#level - 1; level >= 0; level--) {
      let next = node.next[level];
      while (
        next !== undefined && (strict ? next.sort <= sort : next.sort < sort)
      ) {
        node = next;
        next = node.next[level];
      }
      this.#update[level] = node;
    }
    return node;
  }

  /** Adds a key that is not yet present. */
  insert(key: string): void {
    const sort = codePointSortKey(key);
    this.#seek(sort, false);
    const level = randomLevel();
    if (level > this.#level) {
      for (let i = this.#level; i < level; i++) this.#update[i] = this.#head;
      this.#level = level;
    }
    const node: Node = { key, sort, next: new Array(level) };
    for (let i = 0; i < level; i++) {
      node.next[i] = this.#update[i].next[i];
      this.#update[i].next[i] = node;
    }
  }

  /** Removes a key that is present. */
  remove(key: string): void {
    const sort = codePointSortKey(key);
    const target = this.#seek(sort, false).next[0];
    if (target === undefined || target.key !== key) return;
    for (let i = 0; i < this.#level; i++) {
      if (this.#update[i].next[i] !== target) break;
      this.#update[i].next[i] = target.next[i];
    }
    while (this.#level > 1 && this.#head.next[this.#level - 1] === undefined) {
      this.#level--;
    }
  }

  /**
   * Up to `limit` keys starting with `prefix`, after `after` when given,
   * in order.
   */
  range(prefix: string, after: string | undefined, limit: number): string[] {
    const prefixSort = codePointSortKey(prefix);
    const afterSort = after === undefined ? undefined : codePointSortKey(after);
    let node = afterSort !== undefined && afterSort >= prefixSort
      ? this.#seek(afterSort, true).next[0]
      : this.#seek(prefixSort, false).next[0];
    const keys: string[] = [];
    while (
      node !== undefined && keys.length < limit && node.key.startsWith(prefix)
    ) {
      keys.push(node.key);
      node = node.next[0];
    }
    return keys;
  }

  clear(): void {
    this.#head.next = new Array(MAX_LEVEL);
    this.#level = 1;
  }
}
