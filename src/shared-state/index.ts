import type { LeakyBucket } from './leaky-bucket.js';
import { ClusterLeakyBucket } from '../ops/cluster-buckets.js';
import { inCluster } from '../ops/cluster.js';
import { MemoryLeakyBucket } from './memory.js';
import { RedisLeakyBucket } from './redis.js';
import { MemoryUsageCounter, RedisUsageCounter, type UsageCounter } from './usage.js';
import { watchedBucket, type BucketWatch } from './watched.js';

export type { BucketLimit, BucketResult, LeakyBucket } from './leaky-bucket.js';
export { MemoryLeakyBucket } from './memory.js';
export { watchedBucket, type BucketWatch } from './watched.js';
export { RedisLeakyBucket, SharedStateUnavailable } from './redis.js';
export type { AppUsage, UsageCounter } from './usage.js';

/**
 * State that several instances must share (rate-limit buckets, login throttles): in Redis when
 * a URL is configured (`serve --redis`, SHOPAUTH_REDIS_URL), else in this process's memory (in a
 * worker of `serve --workers N`, the buckets in the primary's memory: ops/cluster-buckets.ts).
 */
export interface SharedState {
  readonly backend: 'memory' | 'redis';
  readonly bucket: LeakyBucket;
  /** API calls per app and mall in hourly buckets (the operator console's usage). */
  readonly usage: UsageCounter;
  /** Resolves when the backend answers (GET /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function openSharedState(options: { redisUrl: string | null; keyPrefix?: string; onError?: (err: Error) => void; watch?: BucketWatch }): SharedState {
  const raw = options.redisUrl ? new RedisLeakyBucket(options.redisUrl, options.keyPrefix, options.onError) : inCluster() ? new ClusterLeakyBucket() : new MemoryLeakyBucket();
  const bucket = options.watch ? watchedBucket(raw, options.watch) : raw;
  const usage = options.redisUrl ? new RedisUsageCounter(options.redisUrl, `${options.keyPrefix ?? 'shopauth:'}usage:`, options.onError) : new MemoryUsageCounter();
  return {
    backend: options.redisUrl ? 'redis' : 'memory',
    bucket,
    usage,
    ping: () => bucket.ping(),
    close: async () => {
      await usage.close();
      await bucket.close();
    },
  };
}
