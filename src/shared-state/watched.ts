import type { BucketLimit, BucketResult, LeakyBucket } from './leaky-bucket.js';

/** What a watched bucket reports: each failed call, and each change between reachable and not. */
export interface BucketWatch {
  /** A call failed (counted per call; the caller refuses its request with 503). */
  failed(error: unknown): void;
  /** The backend went from answering to failing (`up` false) or back (`up` true): log it once. */
  changed(up: boolean, error?: unknown): void;
}

/**
 * A LeakyBucket that reports its failures (metrics, one loud log line per outage) and passes
 * everything else through; one boolean compare per call when nothing changes.
 */
export function watchedBucket(inner: LeakyBucket, watch: BucketWatch): LeakyBucket {
  let up = true;
  const ok = <T>(value: T): T => {
    if (!up) {
      up = true;
      watch.changed(true);
    }
    return value;
  };
  const fail = (error: unknown): never => {
    watch.failed(error);
    if (up) {
      up = false;
      watch.changed(false, error);
    }
    throw error;
  };
  return {
    take: (key: string, limit: BucketLimit, nowMs: number, cost?: number): Promise<BucketResult> => inner.take(key, limit, nowMs, cost).then(ok, fail),
    reset: (key: string) => inner.reset(key).then(ok, fail),
    ping: () => inner.ping().then(ok, fail),
    close: () => inner.close(),
  };
}
