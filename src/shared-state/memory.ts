import { pour, type BucketLimit, type BucketResult, type LeakyBucket } from './leaky-bucket.js';

/** One process's buckets in a Map; empty buckets are swept so the map stays small. */
export class MemoryLeakyBucket implements LeakyBucket {
  private readonly buckets = new Map<string, { level: number; at: number; emptyAt: number }>();
  private sweepAt = 0;

  async take(key: string, limit: BucketLimit, nowMs: number, cost = 1): Promise<BucketResult> {
    this.sweep(nowMs);
    const { level, result } = pour(this.buckets.get(key), limit, nowMs, cost);
    this.buckets.set(key, { level, at: nowMs, emptyAt: nowMs + (level / limit.perSecond) * 1000 });
    return result;
  }

  async reset(key: string): Promise<void> {
    this.buckets.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.buckets.clear();
  }

  /** At most once a minute: forget buckets that have drained empty. */
  private sweep(nowMs: number): void {
    if (nowMs < this.sweepAt) return;
    this.sweepAt = nowMs + 60_000;
    for (const [key, b] of this.buckets) if (b.emptyAt <= nowMs) this.buckets.delete(key);
  }
}
