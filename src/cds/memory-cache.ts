/**
 * A small in-process cache with a size bound (least recently used out first) and a time to live.
 * Used for what the service remembers between a hook call and what follows it (the review page link,
 * the context of a card when its feedback arrives). One instance's memory only: behind a load balancer
 * a later request may reach another instance, which then answers "not found" (review page) or stores
 * the feedback with less context; nothing depends on it for correctness.
 */
export class MemoryCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const hit = this.map.get(key);
    if (!hit) return undefined;
    if (hit.expires <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    this.map.delete(key);
    this.map.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value;
      if (oldest === undefined) break;
      this.map.delete(oldest);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
