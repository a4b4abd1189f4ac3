import { Redis } from 'ioredis';

/**
 * API calls per app and mall in hourly buckets, for the operator console's "last use" and
 * "calls in the last 24 h" (issue 11). Counting adds no database write and no network round
 * trip to an API call: `record` bumps a counter in this process; with Redis, the counts are
 * added to the shared hashes (HINCRBY, one pipeline) every second and at close, so every
 * instance's calls are seen. A bucket key lives 25 hours.
 */
const HOUR = 3_600_000;
const KEEP_MS = 25 * HOUR;

export interface AppUsage {
  calls: number;
  lastUse: number | null;
}

export interface UsageCounter {
  record(mallId: string, clientId: string, nowMs: number): void;
  /** Calls in the 24 hours before `nowMs` and the last call, per client id. */
  read(mallId: string, clientIds: string[], nowMs: number): Promise<Map<string, AppUsage>>;
  close(): Promise<void>;
}

type Counts = Map<string, { hours: Map<number, number>; last: number }>;
const key = (mallId: string, clientId: string) => `${mallId}\0${clientId}`;

function bump(counts: Counts, k: string, nowMs: number, n = 1): void {
  const hour = Math.floor(nowMs / HOUR);
  let entry = counts.get(k);
  if (!entry) counts.set(k, (entry = { hours: new Map(), last: 0 }));
  entry.hours.set(hour, (entry.hours.get(hour) ?? 0) + n);
  if (nowMs > entry.last) entry.last = nowMs;
}

/** The sum of the 24 hourly buckets that end with the current hour. */
function sum(hours: Map<number, number>, nowMs: number): number {
  const current = Math.floor(nowMs / HOUR);
  let calls = 0;
  for (const [h, n] of hours) if (h > current - 24 && h <= current) calls += n;
  return calls;
}

export class MemoryUsageCounter implements UsageCounter {
  private readonly counts: Counts = new Map();

  record(mallId: string, clientId: string, nowMs: number): void {
    bump(this.counts, key(mallId, clientId), nowMs);
    // Drop buckets older than a day now and then (cheap: only this entry).
    const entry = this.counts.get(key(mallId, clientId))!;
    if (entry.hours.size > 26) for (const h of entry.hours.keys()) if (h <= Math.floor(nowMs / HOUR) - 25) entry.hours.delete(h);
  }

  async read(mallId: string, clientIds: string[], nowMs: number): Promise<Map<string, AppUsage>> {
    const out = new Map<string, AppUsage>();
    for (const id of clientIds) {
      const e = this.counts.get(key(mallId, id));
      out.set(id, { calls: e ? sum(e.hours, nowMs) : 0, lastUse: e && e.last > 0 ? e.last : null });
    }
    return out;
  }

  async close(): Promise<void> {}
}

export class RedisUsageCounter implements UsageCounter {
  private readonly redis: Redis;
  private pending: Counts = new Map();
  private readonly timer: NodeJS.Timeout;

  constructor(url: string, private readonly prefix = 'shopauth:usage:', private readonly onError: (err: Error) => void = () => {}) {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    this.redis.on('error', () => {});
    this.timer = setInterval(() => void this.flush(), 1000).unref();
  }

  record(mallId: string, clientId: string, nowMs: number): void {
    bump(this.pending, key(mallId, clientId), nowMs);
  }

  /** Adds this process's counts to Redis: one pipeline of HINCRBY, a max for the last use, PEXPIRE. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const pipe = this.redis.pipeline();
    for (const [k, e] of batch) {
      const redisKey = this.prefix + k;
      for (const [h, n] of e.hours) pipe.hincrby(redisKey, String(h), n);
      pipe.eval("local c = tonumber(redis.call('HGET', KEYS[1], 'last') or '0') if tonumber(ARGV[1]) > c then redis.call('HSET', KEYS[1], 'last', ARGV[1]) end return 0", 1, redisKey, String(e.last));
      pipe.pexpire(redisKey, KEEP_MS);
    }
    try {
      await pipe.exec();
    } catch (error) {
      this.onError(error as Error);
    }
  }

  async read(mallId: string, clientIds: string[], nowMs: number): Promise<Map<string, AppUsage>> {
    await this.flush();
    const out = new Map<string, AppUsage>();
    for (const id of clientIds) {
      try {
        const all = await this.redis.hgetall(this.prefix + key(mallId, id));
        const hours = new Map<number, number>();
        for (const [f, v] of Object.entries(all)) if (f !== 'last') hours.set(Number(f), Number(v));
        const last = Number(all.last ?? 0);
        out.set(id, { calls: sum(hours, nowMs), lastUse: last > 0 ? last : null });
      } catch (error) {
        this.onError(error as Error);
        out.set(id, { calls: 0, lastUse: null });
      }
    }
    return out;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.redis.disconnect();
  }
}
