import type { LeakyBucket } from './leaky-bucket.js';
import { MemoryLeakyBucket } from './memory.js';
import { RedisLeakyBucket } from './redis.js';
import { MemoryUsageCounter, RedisUsageCounter, type UsageCounter } from './usage.js';

export type { BucketLimit, BucketResult, LeakyBucket } from './leaky-bucket.js';
export { MemoryLeakyBucket } from './memory.js';
export { RedisLeakyBucket } from './redis.js';
export type { AppUsage, UsageCounter } from './usage.js';

/**
 * State that several instances must share (rate-limit buckets, login throttles): in Redis when
 * a URL is configured (`serve --redis`, SHOPAUTH_REDIS_URL), else in this process's memory.
 */
export interface SharedState {
  readonly backend: 'memory' | 'redis';
  readonly bucket: LeakyBucket;
  /** API calls per app and mall in hourly buckets (the operator console's usage). */
  readonly usage: UsageCounter;
  close(): Promise<void>;
}

export function openSharedState(options: { redisUrl: string | null; keyPrefix?: string; onError?: (err: Error) => void }): SharedState {
  const bucket = options.redisUrl ? new RedisLeakyBucket(options.redisUrl, options.keyPrefix, options.onError) : new MemoryLeakyBucket();
  const usage = options.redisUrl ? new RedisUsageCounter(options.redisUrl, `${options.keyPrefix ?? 'shopauth:'}usage:`, options.onError) : new MemoryUsageCounter();
  return {
    backend: options.redisUrl ? 'redis' : 'memory',
    bucket,
    usage,
    close: async () => {
      await usage.close();
      await bucket.close();
    },
  };
}
