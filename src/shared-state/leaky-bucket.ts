/**
 * A leaky bucket (wire.md, Admin API rate limit): each call pours one unit in; the level drains
 * continuously at `perSecond`; a call that would overflow `size` is refused and pours nothing.
 * Generic on purpose: API rate limits key it by (mall, app), login throttling by account or
 * address. Time is passed in (the server's Clock), so tests control the drain.
 */
export interface BucketLimit {
  /** Capacity: calls that may be made at once from an empty bucket. */
  size: number;
  /** Drain rate in calls per second. */
  perSecond: number;
}

export interface BucketResult {
  allowed: boolean;
  /** The level after this call, rounded up: the `used` of `X-Api-Call-Limit: used/size`. */
  used: number;
  size: number;
  /** When refused: whole seconds until one call fits (for Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

export interface LeakyBucket {
  /** Pours `cost` (default 1) into the bucket at `key` if it fits, atomically. */
  take(key: string, limit: BucketLimit, nowMs: number, cost?: number): Promise<BucketResult>;
  /** Empties the bucket at `key` (e.g. a successful login clears its throttle). */
  reset(key: string): Promise<void>;
  /** Resolves when the backend answers (readiness, GET /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The arithmetic both backends share (the Redis script mirrors it line by line).
 * Levels are kept as fractions of a call; `used` rounds up so a draining bucket never
 * reports free room it does not have.
 */
export function pour(
  state: { level: number; at: number } | undefined,
  limit: BucketLimit,
  nowMs: number,
  cost: number,
): { result: BucketResult; level: number } {
  const elapsed = state ? Math.max(0, nowMs - state.at) : 0;
  const drained = Math.max(0, (state?.level ?? 0) - (elapsed / 1000) * limit.perSecond);
  if (drained + cost <= limit.size + 1e-9) {
    const level = drained + cost;
    return { level, result: { allowed: true, used: usedOf(level, limit.size), size: limit.size, retryAfterSeconds: 0 } };
  }
  const wait = Math.max(1, Math.ceil((drained + cost - limit.size) / limit.perSecond - 1e-9));
  return { level: drained, result: { allowed: false, used: usedOf(drained, limit.size), size: limit.size, retryAfterSeconds: wait } };
}

const usedOf = (level: number, size: number) => Math.min(size, Math.ceil(level - 1e-9));
