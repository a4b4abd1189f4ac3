import type { LeakyBucket } from './leaky-bucket.js';
import { MemoryLeakyBucket } from './memory.js';
import { RedisLeakyBucket } from './redis.js';

export type { BucketLimit, BucketResult, LeakyBucket } from './leaky-bucket.js';
export { MemoryLeakyBucket } from './memory.js';
export { RedisLeakyBucket } from './redis.js';

/**
 * State that several instances must share (rate-limit buckets, login throttles): in Redis when
 * a URL is configured (`serve --redis`, SHOPAUTH_REDIS_URL), else in this process's memory.
 */
export interface SharedState {
  readonly backend: 'memory' | 'redis';
  readonly bucket: LeakyBucket;
  close(): Promise<void>;
}

export function openSharedState(options: { redisUrl: string | null; keyPrefix?: string; onError?: (err: Error) => void }): SharedState {
  const bucket = options.redisUrl ? new RedisLeakyBucket(options.redisUrl, options.keyPrefix, options.onError) : new MemoryLeakyBucket();
  return { backend: options.redisUrl ? 'redis' : 'memory', bucket, close: () => bucket.close() };
}
