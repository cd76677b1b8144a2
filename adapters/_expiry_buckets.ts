// Keys by expiration second, so the memory adapter can reclaim expired
// records that nothing reads: a bucket of keys per second, and a min-heap
// of the seconds that have a bucket. Adding, moving and removing a key is
// O(1) (plus O(log buckets) for a new second); taking the due keys costs
// one step per key taken. Private to the memory adapter.

export class ExpiryBuckets {
  readonly #buckets = new Map<number, Set<string>>();
  /** Seconds with a bucket, as a binary min-heap; may hold emptied ones. */
  readonly #heap: number[] = [];

  /** Whether no key is waiting: then nothing needs the clock. */
  get empty(): boolean {
    return this.#buckets.size === 0;
  }

  /** Files `key` under its expiration second. */
  add(key: string, expiration: number): void {
    let bucket = this.#buckets.get(expiration);
    if (bucket === undefined) {
      bucket = new Set();
      this.#buckets.set(expiration, bucket);
      this.#push(expiration);
    }
    bucket.add(key);
  }

  /** Takes `key` out of its expiration second's bucket. */
  remove(key: string, expiration: number): void {
    const bucket = this.#buckets.get(expiration);
    if (bucket === undefined) return;
    bucket.delete(key);
    if (bucket.size === 0) this.#buckets.delete(expiration);
  }

  /**
   * Whether some key's expiration is at or before `seconds`: a cheap test
   * before taking any.
   */
  hasDue(seconds: number): boolean {
    this.#dropEmpty();
    return this.#heap.length > 0 && this.#heap[0] <= seconds;
  }

  /**
   * Removes and returns up to `limit` keys whose expiration second is at
   * or before `seconds`, earliest first.
   */
  takeDue(seconds: number, limit: number): string[] {
    const out: string[] = [];
    while (out.length < limit) {
      this.#dropEmpty();
      const second = this.#heap[0];
      if (second === undefined || second > seconds) break;
      const bucket = this.#buckets.get(second)!;
      for (const key of bucket) {
        bucket.delete(key);
        out.push(key);
        if (out.length >= limit) break;
      }
      if (bucket.size === 0) this.#buckets.delete(second);
    }
    return out;
  }

  /** Forgets every key. */
  clear(): void {
    this.#buckets.clear();
    this.#heap.length = 0;
  }

  /** Pops heap entries whose bucket has emptied since. */
  #dropEmpty(): void {
    while (this.#heap.length > 0 && !this.#buckets.has(this.#heap[0])) this.#pop();
  }

  #push(second: number): void {
    const heap = this.#heap;
    heap.push(second);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent] <= second) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = second;
  }

  #pop(): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const child = left + 1 < heap.length && heap[left + 1] < heap[left] ? left + 1 : left;
      if (heap[child] >= last) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
}
