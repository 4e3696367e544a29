/**
 * A least-recently-used cache bounded by bytes, for decoded (and preprocessed) volumes: only the
 * volumes of the items being read stay in memory, so a dataset larger than memory still trains.
 * Concurrent requests for the same key share one load.
 */
export class ByteLruCache<T> {
  private readonly entries = new Map<string, { value: T; bytes: number }>();
  private readonly pending = new Map<string, Promise<T>>();
  private total = 0;
  /** Loads performed (misses), for tests and statistics. */
  loads = 0;

  constructor(readonly maxBytes: number, private readonly sizeOf: (value: T) => number) {
    if (!(maxBytes > 0)) throw new Error(`cache size must be > 0 bytes, got ${maxBytes}.`);
  }

  get bytes(): number { return this.total; }
  get size(): number { return this.entries.size; }
  has(key: string): boolean { return this.entries.has(key); }

  async get(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit) {
      // refresh recency: Map iteration order is insertion order
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const p = (async () => {
      try {
        this.loads++;
        const value = await load();
        this.put(key, value);
        return value;
      } finally {
        this.pending.delete(key);
      }
    })();
    this.pending.set(key, p);
    return p;
  }

  private put(key: string, value: T): void {
    const bytes = this.sizeOf(value);
    const old = this.entries.get(key);
    if (old) { this.total -= old.bytes; this.entries.delete(key); }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    // evict the oldest, but always keep the newest entry even when it alone exceeds the budget
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes || k === key) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }
}
